using Iced.Intel;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Decode;

internal static unsafe partial class Translator
{
    private static void RegisterString(Dictionary<Mnemonic, TranslateFn> table)
    {
        // Movsd and Cmpsd are also SSE2 mnemonics (movsd xmm, cmpsd xmm, imm8): TranslateString
        // passes those codes on to the SSE group.
        Add(table, TranslateString,
            Mnemonic.Movsb, Mnemonic.Movsw, Mnemonic.Movsd, Mnemonic.Movsq,
            Mnemonic.Stosb, Mnemonic.Stosw, Mnemonic.Stosd, Mnemonic.Stosq,
            Mnemonic.Lodsb, Mnemonic.Lodsw, Mnemonic.Lodsd, Mnemonic.Lodsq,
            Mnemonic.Cmpsb, Mnemonic.Cmpsw, Mnemonic.Cmpsd, Mnemonic.Cmpsq,
            Mnemonic.Scasb, Mnemonic.Scasw, Mnemonic.Scasd, Mnemonic.Scasq);
    }

    private static bool TranslateString(in Instruction instruction, ref DecodedOp op)
    {
        bool rep = (op.Flags & (OpFlags.Rep | OpFlags.RepNe)) != 0;
        switch (instruction.Code)
        {
            case Code.Movsb_m8_m8: return StringOp(instruction, ref op, 1, rep ? &StringOps.RepMovs : &StringOps.Movs);
            case Code.Movsw_m16_m16: return StringOp(instruction, ref op, 2, rep ? &StringOps.RepMovs : &StringOps.Movs);
            case Code.Movsd_m32_m32: return StringOp(instruction, ref op, 4, rep ? &StringOps.RepMovs : &StringOps.Movs);
            case Code.Movsq_m64_m64: return StringOp(instruction, ref op, 8, rep ? &StringOps.RepMovs : &StringOps.Movs);
            case Code.Stosb_m8_AL: return StringOp(instruction, ref op, 1, rep ? &StringOps.RepStos : &StringOps.Stos);
            case Code.Stosw_m16_AX: return StringOp(instruction, ref op, 2, rep ? &StringOps.RepStos : &StringOps.Stos);
            case Code.Stosd_m32_EAX: return StringOp(instruction, ref op, 4, rep ? &StringOps.RepStos : &StringOps.Stos);
            case Code.Stosq_m64_RAX: return StringOp(instruction, ref op, 8, rep ? &StringOps.RepStos : &StringOps.Stos);
            case Code.Lodsb_AL_m8: return StringOp(instruction, ref op, 1, rep ? &StringOps.RepLods : &StringOps.Lods);
            case Code.Lodsw_AX_m16: return StringOp(instruction, ref op, 2, rep ? &StringOps.RepLods : &StringOps.Lods);
            case Code.Lodsd_EAX_m32: return StringOp(instruction, ref op, 4, rep ? &StringOps.RepLods : &StringOps.Lods);
            case Code.Lodsq_RAX_m64: return StringOp(instruction, ref op, 8, rep ? &StringOps.RepLods : &StringOps.Lods);
            case Code.Cmpsb_m8_m8: return StringOp(instruction, ref op, 1, rep ? &StringOps.RepCmps : &StringOps.Cmps);
            case Code.Cmpsw_m16_m16: return StringOp(instruction, ref op, 2, rep ? &StringOps.RepCmps : &StringOps.Cmps);
            case Code.Cmpsd_m32_m32: return StringOp(instruction, ref op, 4, rep ? &StringOps.RepCmps : &StringOps.Cmps);
            case Code.Cmpsq_m64_m64: return StringOp(instruction, ref op, 8, rep ? &StringOps.RepCmps : &StringOps.Cmps);
            case Code.Scasb_AL_m8: return StringOp(instruction, ref op, 1, rep ? &StringOps.RepScas : &StringOps.Scas);
            case Code.Scasw_AX_m16: return StringOp(instruction, ref op, 2, rep ? &StringOps.RepScas : &StringOps.Scas);
            case Code.Scasd_EAX_m32: return StringOp(instruction, ref op, 4, rep ? &StringOps.RepScas : &StringOps.Scas);
            case Code.Scasq_RAX_m64: return StringOp(instruction, ref op, 8, rep ? &StringOps.RepScas : &StringOps.Scas);
            default:
                // The SSE forms of movsd/cmpsd share the mnemonic: the SSE group translates them.
                return TranslateSseScalarDouble(instruction, ref op);
        }
    }

    private static bool StringOp(in Instruction instruction, ref DecodedOp op, int size, delegate*<Cpu, ref DecodedOp, int> handler)
    {
        if ((op.Flags & OpFlags.Lock) != 0)
        {
            return false; // lock with a string instruction is #UD
        }
        op.Size = (byte)size;
        op.Handler = handler;
        // Only a seg:RSI source takes an override; for stos/scas Iced reports ES (base 0).
        op.Seg = instruction.MemorySegment switch
        {
            Register.FS => Reg.FsBase,
            Register.GS => Reg.GsBase,
            _ => Reg.Zero,
        };
        // 0x67 in 64-bit mode: the operands are ES:EDI and seg:ESI, the count ECX.
        if (IsAddress32(instruction.Op0Kind) || IsAddress32(instruction.Op1Kind))
        {
            op.Flags |= OpFlags.Addr32;
        }
        return true;
    }

    private static bool IsAddress32(OpKind kind) => kind is OpKind.MemoryESEDI or OpKind.MemorySegESI;
}
