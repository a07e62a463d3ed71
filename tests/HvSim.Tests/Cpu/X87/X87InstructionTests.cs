using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static HvSim.Tests.Cpu.X87.X87Oracle;

namespace HvSim.Tests.Cpu.X87;

/// <summary>
/// Every x87 instruction form against the host FPU (<see cref="X87Oracle"/>): register stack, TOP, tags,
/// status word with C0..C3, control word, FOP/FIP/FDP, memory, under random rounding and precision
/// control, random masks (so unmasked exceptions leave their pending state), empty and full stacks.
/// </summary>
public sealed class X87InstructionTests
{
    private static readonly Dictionary<string, Form> s_forms = Build().ToDictionary(f => f.Name);

    public static TheoryData<string> Forms => new(s_forms.Keys);

    [Theory]
    [MemberData(nameof(Forms))]
    public void MatchesHost(string form)
    {
        if (!HvSim.HostOracle.NativeExecutor.IsSupported)
        {
            return;
        }

        Check(s_forms[form]);
    }

    private static List<Form> Build()
    {
        var l = new List<Form>();
        void F(string name, Action<Assembler> code) => l.Add(new Form(name, code));

        F("fld m32", a => a.fld(__dword_ptr[rdi + OperandsAt]));
        F("fld m64", a => a.fld(__qword_ptr[rdi + OperandsAt + 24]));
        F("fld m80", a => a.fld(__tword_ptr[rdi + OperandsAt + 32]));
        F("fld st", a => a.fld(st3));
        F("fild m16", a => a.fild(__word_ptr[rdi + OperandsAt + 48]));
        F("fild m32", a => a.fild(__dword_ptr[rdi + OperandsAt + 52]));
        F("fild m64", a => a.fild(__qword_ptr[rdi + OperandsAt + 56]));
        F("fbld", a => a.fbld(__tword_ptr[rdi + OperandsAt + 64]));
        F("fst m32", a => a.fst(__dword_ptr[rdi + OperandsAt]));
        F("fst m64", a => a.fst(__qword_ptr[rdi + OperandsAt + 8]));
        F("fstp m32", a => a.fstp(__dword_ptr[rdi + OperandsAt]));
        F("fstp m64", a => a.fstp(__qword_ptr[rdi + OperandsAt + 8]));
        F("fstp m80", a => a.fstp(__tword_ptr[rdi + OperandsAt + 16]));
        F("fst st", a => a.fst(st2));
        F("fstp st", a => a.fstp(st2));
        F("fstp st0", a => a.fstp(st0));
        F("fist m16", a => a.fist(__word_ptr[rdi + OperandsAt]));
        F("fist m32", a => a.fist(__dword_ptr[rdi + OperandsAt]));
        F("fistp m16", a => a.fistp(__word_ptr[rdi + OperandsAt]));
        F("fistp m32", a => a.fistp(__dword_ptr[rdi + OperandsAt]));
        F("fistp m64", a => a.fistp(__qword_ptr[rdi + OperandsAt]));
        F("fisttp m16", a => a.fisttp(__word_ptr[rdi + OperandsAt]));
        F("fisttp m32", a => a.fisttp(__dword_ptr[rdi + OperandsAt]));
        F("fisttp m64", a => a.fisttp(__qword_ptr[rdi + OperandsAt]));
        F("fbstp", a => a.fbstp(__tword_ptr[rdi + OperandsAt]));
        F("fld1", a => a.fld1());
        F("fldz", a => a.fldz());
        F("fldpi", a => a.fldpi());
        F("fldl2t", a => a.fldl2t());
        F("fldl2e", a => a.fldl2e());
        F("fldlg2", a => a.fldlg2());
        F("fldln2", a => a.fldln2());
        F("fxch st1", a => a.fxch(st0, st1));
        F("fxch st5", a => a.fxch(st0, st5));

        Arithmetic("fadd", (a, d, s) => a.fadd(d, s), (a, s) => a.faddp(s, st0), a => a.fadd, a => a.fiadd);
        Arithmetic("fsub", (a, d, s) => a.fsub(d, s), (a, s) => a.fsubp(s, st0), a => a.fsub, a => a.fisub);
        Arithmetic("fsubr", (a, d, s) => a.fsubr(d, s), (a, s) => a.fsubrp(s, st0), a => a.fsubr, a => a.fisubr);
        Arithmetic("fmul", (a, d, s) => a.fmul(d, s), (a, s) => a.fmulp(s, st0), a => a.fmul, a => a.fimul);
        Arithmetic("fdiv", (a, d, s) => a.fdiv(d, s), (a, s) => a.fdivp(s, st0), a => a.fdiv, a => a.fidiv);
        Arithmetic("fdivr", (a, d, s) => a.fdivr(d, s), (a, s) => a.fdivrp(s, st0), a => a.fdivr, a => a.fidivr);

        F("fchs", a => a.fchs());
        F("fabs", a => a.fabs());
        F("fsqrt", a => a.fsqrt());
        F("frndint", a => a.frndint());
        F("fscale", a => a.fscale());
        F("fxtract", a => a.fxtract());
        F("fprem", a => a.fprem());
        F("fprem1", a => a.fprem1());

        F("fcom st", a => a.fcom(st0, st2));
        F("fcomp st", a => a.fcomp(st0, st2));
        F("fcompp", a => a.fcompp());
        F("fucom st", a => a.fucom(st0, st2));
        F("fucomp st", a => a.fucomp(st0, st2));
        F("fucompp", a => a.fucompp());
        F("fcom m32", a => a.fcom(__dword_ptr[rdi + OperandsAt]));
        F("fcom m64", a => a.fcom(__qword_ptr[rdi + OperandsAt + 8]));
        F("fcomp m64", a => a.fcomp(__qword_ptr[rdi + OperandsAt + 8]));
        F("ficom m16", a => a.ficom(__word_ptr[rdi + OperandsAt + 32]));
        F("ficomp m32", a => a.ficomp(__dword_ptr[rdi + OperandsAt + 32]));
        F("ftst", a => a.ftst());
        F("fxam", a => a.fxam());
        F("fcomi", a => a.fcomi(st0, st3));
        F("fcomip", a => a.fcomip(st0, st3));
        F("fucomi", a => a.fucomi(st0, st3));
        F("fucomip", a => a.fucomip(st0, st3));
        F("fcmovb", a => a.fcmovb(st0, st2));
        F("fcmove", a => a.fcmove(st0, st2));
        F("fcmovbe", a => a.fcmovbe(st0, st2));
        F("fcmovu", a => a.fcmovu(st0, st2));
        F("fcmovnb", a => a.fcmovnb(st0, st2));
        F("fcmovne", a => a.fcmovne(st0, st2));
        F("fcmovnbe", a => a.fcmovnbe(st0, st2));
        F("fcmovnu", a => a.fcmovnu(st0, st2));

        F("ffree", a => a.ffree(st2));
        F("ffreep", a => a.ffreep(st2));
        F("fincstp", a => a.fincstp());
        F("fdecstp", a => a.fdecstp());
        F("fnop", a => a.fnop());
        F("fwait", a => a.wait());
        F("fnstsw ax", a => a.fnstsw(ax));
        F("fnstsw m16", a => a.fnstsw(__word_ptr[rdi + OperandsAt]));
        F("fnstcw", a => a.fnstcw(__word_ptr[rdi + OperandsAt]));
        F("fldcw", a => a.fldcw(__word_ptr[rdi + OperandsAt + 48]));
        F("fnclex", a => a.fnclex());
        F("fninit", a => a.fninit());
        F("fnstenv", a => a.fnstenv(__[rdi + OperandsAt]));
        F("fldenv", a => { a.fnstenv(__[rdi + OperandsAt + 128]); a.fldenv(__[rdi + OperandsAt + 128]); });
        F("fnsave/frstor", a => { a.fnsave(__[rdi + OperandsAt + 112]); a.fld1(); a.frstor(__[rdi + OperandsAt + 112]); });
        F("fxsave", a => a.fxsave(__[rdi + OperandsAt]));
        F("fxsave64", a => a.fxsave64(__[rdi + OperandsAt]));
        // A possibly unmasked exception, then the non-waiting stores that report it (FOP, FIP, FDP with ES set).
        l.Add(new Form("fdiv m64 then fxsave", a => { a.fdiv(__qword_ptr[rdi + OperandsAt + 8]); a.fxsave(__[rdi + OperandsAt + 128]); },
            ImageAt: OperandsAt + 128, Image: PointerImage.Fxsave));
        l.Add(new Form("fdiv m64 then fxsave64", a => { a.fdiv(__qword_ptr[rdi + OperandsAt + 8]); a.fxsave64(__[rdi + OperandsAt + 128]); },
            ImageAt: OperandsAt + 128, Image: PointerImage.Fxsave64));
        l.Add(new Form("fsqrt then fnstenv", a => { a.fsqrt(); a.fnstenv(__[rdi + OperandsAt + 64]); },
            ImageAt: OperandsAt + 64, Image: PointerImage.Environment));

        // Several waiting instructions in a row: all exceptions masked, or the host would trap.
        l.Add(new Form(
            "fld fmul fstp sequence",
            a =>
            {
                a.fld(__qword_ptr[rdi + OperandsAt + 8]);
                a.fmul(st0, st2);
                a.fstp(__dword_ptr[rdi + OperandsAt]);
            },
            (s, _) => s.Memory[0] |= 0x3F));
        return l;

        void Arithmetic(
            string name,
            Action<Assembler, AssemblerRegisterST, AssemblerRegisterST> registers,
            Action<Assembler, AssemblerRegisterST> popping,
            Func<Assembler, Action<AssemblerMemoryOperand>> memory,
            Func<Assembler, Action<AssemblerMemoryOperand>> integer)
        {
            F($"{name} st0,st", a => registers(a, st0, st3));
            F($"{name} st,st0", a => registers(a, st3, st0));
            F($"{name}p", a => popping(a, st1));
            F($"{name}p st5", a => popping(a, st5));
            F($"{name} m32", a => memory(a)(__dword_ptr[rdi + OperandsAt]));
            F($"{name} m64", a => memory(a)(__qword_ptr[rdi + OperandsAt + 8]));
            F($"{name} m16int", a => integer(a)(__word_ptr[rdi + OperandsAt + 32]));
            F($"{name} m32int", a => integer(a)(__dword_ptr[rdi + OperandsAt + 32]));
        }
    }
}
