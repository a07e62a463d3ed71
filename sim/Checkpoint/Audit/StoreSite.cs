using HvSim.Cpu;
using Iced.Intel;

namespace HvSim.Checkpoint.Audit;

/// <summary>
/// Who wrote a CDA page first in a cycle, as the audit saw it at the store: user code (the block
/// the CPU was running; the store is one of that block's memory-writing instructions), or the
/// kernel or hypervisor writing on the application's behalf while it served the instruction at
/// <see cref="Rip"/>.
/// </summary>
/// <param name="Store">The block's one store whose destination, computed with the registers as they were at the store, holds <see cref="Address"/> (null when none or several do).</param>
/// <param name="Stores">Every memory-writing instruction of the block.</param>
public sealed record StoreSite(ulong Address, bool User, ulong Rip, Instruction? Store, IReadOnlyList<Instruction> Stores)
{
    private static readonly InstructionInfoFactory s_info = new();

    /// <summary>The site of a store the audit is noting now (the CPU's registers are the store's own).</summary>
    internal static StoreSite Capture(HvSim.Cpu.Cpu cpu, ulong address, bool user)
    {
        if (!user)
        {
            return new StoreSite(address, false, cpu.Rip, null, []);
        }
        var stores = new List<Instruction>();
        var matches = new List<Instruction>();
        foreach (Instruction instruction in cpu.LastBlockInstructions)
        {
            foreach (UsedMemory used in s_info.GetInfo(instruction).GetUsedMemory())
            {
                if (used.Access is not (OpAccess.Write or OpAccess.ReadWrite or OpAccess.CondWrite or OpAccess.ReadCondWrite))
                {
                    continue;
                }
                stores.Add(instruction);
                int size = Math.Max(used.MemorySize.GetSize(), 1);
                if (used.TryGetVirtualAddress(0, out ulong at, (Register register, int _, int _, out ulong value) => ReadRegister(cpu, register, out value))
                    && address - at < (ulong)size)
                {
                    matches.Add(instruction);
                }
                break;
            }
        }
        return new StoreSite(address, true, cpu.Rip, matches.Count == 1 ? matches[0] : null, stores);
    }

    private static bool ReadRegister(HvSim.Cpu.Cpu cpu, Register register, out ulong value)
    {
        if (register is Register.FS or Register.GS)
        {
            value = register == Register.FS ? cpu.FsBase : cpu.GsBase;
            return true;
        }
        if (register.IsSegmentRegister())
        {
            value = 0; // flat in 64-bit mode
            return true;
        }
        if (Reg.TryFromIced(register, out byte slot) && slot < Reg.HighByte)
        {
            ulong full = cpu.R(slot);
            int bits = register.GetSize() * 8;
            value = bits >= 64 ? full : full & ((1UL << bits) - 1);
            return true;
        }
        value = 0;
        return false;
    }

    /// <summary>The instruction (or the block's stores) in words, for a failure line.</summary>
    public string Describe()
    {
        if (!User)
        {
            return $"a kernel or hypervisor write on the application's behalf (rip 0x{Rip:x})";
        }
        var formatter = new IntelFormatter();
        string Text(Instruction i)
        {
            var output = new StringOutput();
            formatter.Format(i, output);
            return $"0x{i.IP:x}: {output.ToStringAndReset()}";
        }
        if (Store is Instruction store)
        {
            return $"instruction {Text(store)}";
        }
        return Stores.Count == 0
            ? $"the block at 0x{Rip:x}"
            : $"one of the stores of the block at 0x{Rip:x} ({string.Join("; ", Stores.Select(Text))})";
    }
}
