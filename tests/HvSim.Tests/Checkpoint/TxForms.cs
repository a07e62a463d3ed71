using Iced.Intel;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// The write forms of guests/src/txprog.c (its table is the source of truth): the instruction
/// each form runs, how many bytes it writes and its alignment, so that a test can say which pages
/// a transaction writes and print a script disassembled (with RDI standing for the CDA's start).
/// </summary>
internal static class TxForms
{
    public const int Count = 69;
    public const int Fnstcw = 66, PushIntoCda = 67, CallIntoCda = 68, RepStosb = 51, RepMovsq = 52;

    private static readonly byte[] s_size =
    [
        1, 2, 4, 8, 1, 2, 4, 8,
        1, 8, 4, 2, 8, 4, 8, 1, 8, 4, 1, 2, 8, 4, 8,
        1, 8, 2, 4, 4, 8, 1, 8,
        4, 8, 2, 1, 8, 8, 4, 8, 4, 2,
        8, 8, 4, 4, 8, 8, 8, 1,
        1, 8, 0, 0, 1,
        16, 16, 8, 4, 8, 16, 8, 8,
        8, 8, 8, 4, 2,
        8, 8,
    ];

    /// <summary>The bytes a form writes for <paramref name="value"/>.</summary>
    public static ulong Size(int form, ulong value) => form switch
    {
        RepStosb => value & 255,
        RepMovsq => 8 * (value & 31),
        _ => s_size[form],
    };

    public static ulong Alignment(int form) => form switch
    {
        41 or 42 or 62 => 8,
        44 => 4,
        55 => 16,
        _ => 1,
    };

    /// <summary>Where the write really lands: clamped to end at the extra page's end, then aligned (txprog's rule).</summary>
    public static (ulong Offset, ulong Size) Extent(int form, ulong offset, ulong value, ulong cdaPages)
    {
        ulong size = Size(form, value);
        ulong limit = (cdaPages + 1) * 4096;
        if (offset + size > limit)
        {
            offset = limit - size;
        }
        offset &= ~(Alignment(form) - 1);
        return (offset, size);
    }

    /// <summary>The form's instruction, disassembled by Iced, with [rdi+offset] for its destination.</summary>
    public static string Disassemble(int form, ulong offset)
    {
        var m = new MemoryOperand(Register.RDI, (long)offset);
        Instruction? i = form switch
        {
            0 => Instruction.Create(Code.Mov_rm8_r8, m, Register.SIL),
            1 => Instruction.Create(Code.Mov_rm16_r16, m, Register.SI),
            2 => Instruction.Create(Code.Mov_rm32_r32, m, Register.ESI),
            3 => Instruction.Create(Code.Mov_rm64_r64, m, Register.RSI),
            4 => Instruction.Create(Code.Mov_rm8_imm8, m, 0xa5),
            5 => Instruction.Create(Code.Mov_rm16_imm16, m, 0x1234),
            6 => Instruction.Create(Code.Mov_rm32_imm32, m, unchecked((int)0x89abcdef)),
            7 => Instruction.Create(Code.Mov_rm64_imm32, m, -0x12345678),
            8 => Instruction.Create(Code.Add_rm8_r8, m, Register.SIL),
            9 => Instruction.Create(Code.Add_rm64_r64, m, Register.RSI),
            10 => Instruction.Create(Code.Add_rm32_imm8, m, -3),
            11 => Instruction.Create(Code.Sub_rm16_r16, m, Register.SI),
            12 => Instruction.Create(Code.Sub_rm64_imm32, m, 0x12345678),
            13 => Instruction.Create(Code.Adc_rm32_r32, m, Register.ESI),
            14 => Instruction.Create(Code.Adc_rm64_r64, m, Register.RSI),
            15 => Instruction.Create(Code.Sbb_rm8_r8, m, Register.SIL),
            16 => Instruction.Create(Code.Sbb_rm64_r64, m, Register.RSI),
            17 => Instruction.Create(Code.And_rm32_r32, m, Register.ESI),
            18 => Instruction.Create(Code.And_rm8_imm8, m, 0x5f),
            19 => Instruction.Create(Code.Or_rm16_r16, m, Register.SI),
            20 => Instruction.Create(Code.Or_rm64_r64, m, Register.RSI),
            21 => Instruction.Create(Code.Xor_rm32_r32, m, Register.ESI),
            22 => Instruction.Create(Code.Xor_rm64_imm8, m, 0x55),
            23 => Instruction.Create(Code.Inc_rm8, m),
            24 => Instruction.Create(Code.Inc_rm64, m),
            25 => Instruction.Create(Code.Dec_rm16, m),
            26 => Instruction.Create(Code.Dec_rm32, m),
            27 => Instruction.Create(Code.Neg_rm32, m),
            28 => Instruction.Create(Code.Neg_rm64, m),
            29 => Instruction.Create(Code.Not_rm8, m),
            30 => Instruction.Create(Code.Not_rm64, m),
            31 => Instruction.Create(Code.Shl_rm32_CL, m, Register.CL),
            32 => Instruction.Create(Code.Shr_rm64_CL, m, Register.CL),
            33 => Instruction.Create(Code.Sar_rm16_CL, m, Register.CL),
            34 => Instruction.Create(Code.Rol_rm8_CL, m, Register.CL),
            35 => Instruction.Create(Code.Ror_rm64_CL, m, Register.CL),
            36 => Instruction.Create(Code.Shl_rm64_imm8, m, 3),
            37 => Instruction.Create(Code.Shr_rm32_1, m, 1),
            38 => Instruction.Create(Code.Sar_rm64_imm8, m, 7),
            39 => Instruction.Create(Code.Rol_rm32_imm8, m, 13),
            40 => Instruction.Create(Code.Ror_rm16_imm8, m, 5),
            41 => Instruction.Create(Code.Xchg_rm64_r64, m, Register.RSI),
            42 => Locked(Instruction.Create(Code.Cmpxchg_rm64_r64, m, Register.RSI)),
            43 => Instruction.Create(Code.Cmpxchg_rm32_r32, m, Register.ESI),
            44 => Locked(Instruction.Create(Code.Xadd_rm32_r32, m, Register.ESI)),
            45 => Instruction.Create(Code.Bts_rm64_r64, m, Register.RSI),
            46 => Instruction.Create(Code.Btr_rm64_r64, m, Register.RSI),
            47 => Instruction.Create(Code.Btc_rm64_r64, m, Register.RSI),
            48 => Instruction.Create(Code.Setb_rm8, m),
            49 => Instruction.CreateStosb(64),
            50 => Instruction.CreateStosq(64),
            51 => Instruction.CreateStosb(64, RepPrefixKind.Repe),
            52 => Instruction.CreateMovsq(64, Register.None, RepPrefixKind.Repe),
            53 => Instruction.CreateMovsb(64),
            54 => Instruction.Create(Code.Movdqu_xmmm128_xmm, m, Register.XMM0),
            55 => Instruction.Create(Code.Movaps_xmmm128_xmm, m, Register.XMM0),
            56 => Instruction.Create(Code.Movq_xmmm64_xmm, m, Register.XMM0),
            57 => Instruction.Create(Code.Movd_rm32_xmm, m, Register.XMM0),
            58 => Instruction.Create(Code.Movnti_m64_r64, m, Register.RSI),
            59 => Instruction.Create(Code.Movups_xmmm128_xmm, m, Register.XMM0),
            60 => Instruction.Create(Code.Movhps_m64_xmm, m, Register.XMM0),
            61 => Instruction.Create(Code.Movsd_xmmm64_xmm, m, Register.XMM0),
            62 => Locked(Instruction.Create(Code.Add_rm64_r64, m, Register.RSI)),
            63 => Instruction.Create(Code.Pop_rm64, m),
            64 => Instruction.Create(Code.Shld_rm64_r64_imm8, m, Register.RSI, 5),
            65 => Instruction.Create(Code.Shrd_rm32_r32_CL, m, Register.ESI, Register.CL),
            66 => Instruction.Create(Code.Fnstcw_m2byte, m),
            67 => Instruction.Create(Code.Push_r64, Register.RSI),
            _ => null,
        };
        if (i is not Instruction instruction)
        {
            return $"call next (rsp = rdi+0x{offset + 8:x})";
        }
        var output = new StringOutput();
        new IntelFormatter().Format(instruction, output);
        string text = output.ToStringAndReset();
        return form switch
        {
            >= 49 and <= 53 => $"{text} (rdi = rdi+0x{offset:x})",
            PushIntoCda => $"{text} (rsp = rdi+0x{offset + 8:x})",
            _ => text,
        };
    }

    private static Instruction Locked(Instruction instruction)
    {
        instruction.HasLockPrefix = true;
        return instruction;
    }
}
