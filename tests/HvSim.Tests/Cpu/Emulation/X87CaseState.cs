using HvSim.Cpu.X87;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// The x87 state a write case starts from, derived from its XMM values so that it shrinks with them:
/// ST registers from XMM0..7 (sign and exponent from the high quadword), RC and PC from XMM8, TOP, the
/// condition codes and the tags from XMM9. All exceptions masked and none pending, as in a program
/// that stores.
/// </summary>
internal static class X87CaseState
{
    public static X87State From(WriteCase c)
    {
        var state = new X87State();
        for (var i = 0; i < 8; i++)
        {
            state.Registers[i] = new Float80((ushort)c.Xmm[i].Hi, c.Xmm[i].Lo);
        }

        state.Control = (ushort)(0x037F & ~0x0F00 | (int)(c.Xmm[8].Lo & 0x0F00));
        state.Status = (ushort)(c.Xmm[9].Lo & 0x4700 | ((c.Xmm[9].Lo >> 16) & 7) << 11);
        state.Valid = (byte)((c.Xmm[9].Hi & 0xFF) | (c.Xmm[9].Hi >> 8 & 0xFF));
        return state;
    }

    public static string Describe(X87State s)
    {
        var registers = string.Join(" ", s.Registers.Select(r => $"{r.SignExponent:X4}:{r.Significand:X16}"));
        return $"fcw={s.Control:X4} fsw={s.Status:X4} valid={s.Valid:X2} fop={s.Opcode:X3} fip={s.InstructionPointer:X} fdp={s.DataPointer:X} [{registers}]";
    }
}
