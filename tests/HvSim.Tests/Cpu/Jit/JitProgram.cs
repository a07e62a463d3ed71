using System.Buffers.Binary;
using System.Text;
using HvSim.Core;
using HvSim.Mmu;
using HvSim.Tests.Cpu.Oracle;
using Iced.Intel;
using CpuCore = HvSim.Cpu.Cpu;

namespace HvSim.Tests.Cpu.Jit;

/// <summary>The machine code of a <see cref="JitCase"/>, its listing, and one run of it with translation on or off.</summary>
internal static class JitProgram
{
    /// <summary>The loop counter, away from every scratch layout.</summary>
    public const ulong Counter = TestMachine.DataBase + 0x2800;

    public const long Budget = 3000;

    public static ulong ScratchBase(int layout) => layout switch
    {
        JitCase.AcrossPages => TestMachine.DataBase + 0x1000 - 0x80,
        JitCase.IntoUnmapped => TestMachine.DataBase + ((ulong)TestMachine.DataPages * 0x1000) - 0x80,
        _ => TestMachine.DataBase + 0x100,
    };

    public static byte[] Assemble(JitCase c)
    {
        var code = new List<byte>();
        for (int k = 0; k < c.Steps.Length; k++)
        {
            byte[] step = Disassembly.Concat(c.Steps[k].Select(i => Disassembly.Encode(i)));
            (StepPrefix kind, int param) = c.Prefixes[k];
            Register reg = InstructionGenerators.Gprs[param % InstructionGenerators.Gprs.Length];
            switch (kind)
            {
                case StepPrefix.SkipIf when step.Length < 128:
                    code.Add((byte)(0x70 + param));
                    code.Add((byte)step.Length);
                    break;
                case StepPrefix.PushPop:
                    code.AddRange(Disassembly.Encode(Instruction.Create(Iced.Intel.Code.Push_r64, InstructionGenerators.Gprs[(param + 3) % InstructionGenerators.Gprs.Length])));
                    code.AddRange(Disassembly.Encode(Instruction.Create(Iced.Intel.Code.Pop_r64, reg)));
                    break;
                case StepPrefix.CallPop:
                    code.AddRange([0xE8, 0, 0, 0, 0]);
                    code.AddRange(Disassembly.Encode(Instruction.Create(Iced.Intel.Code.Pop_r64, reg)));
                    break;
                case StepPrefix.CallRet:
                    code.AddRange([0xE8, 2, 0, 0, 0, 0xEB, 0x01, 0xC3]);
                    break;
                case StepPrefix.PushImmediatePop:
                    code.AddRange([0x6A, (byte)(param * 19)]);
                    code.AddRange(Disassembly.Encode(Instruction.Create(Iced.Intel.Code.Pop_r64, reg)));
                    break;
            }
            code.AddRange(step);
        }
        // dec qword [Counter]; jnz top; int3
        code.AddRange([0x48, 0xFF, 0x0C, 0x25]);
        code.AddRange(BitConverter.GetBytes((uint)Counter));
        int back = -(code.Count + 6);
        code.AddRange([0x0F, 0x85]);
        code.AddRange(BitConverter.GetBytes(back));
        code.Add(0xCC);
        return code.ToArray();
    }

    public static string Listing(JitCase c)
    {
        byte[] code = Assemble(c);
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code), TestMachine.CodeBase);
        var text = new StringBuilder();
        while (decoder.IP < TestMachine.CodeBase + (ulong)code.Length)
        {
            decoder.Decode(out Instruction instruction);
            text.AppendLine($"  {instruction.IP:X6}  {Disassembly.Format(instruction)}");
        }
        return text.ToString();
    }

    /// <summary>Runs the case; returns what the run observed (each budget slice's end, then the final state).</summary>
    public static string Run(JitCase c, bool jit)
    {
        var machine = new TestMachine(c.TinyTlb ? new TlbGeometry(1, 2) : null);
        CpuCore cpu = machine.Cpu;
        cpu.Jit = jit;
        cpu.JitThreshold = 1;
        machine.LoadCode(Assemble(c));
        ulong scratch = ScratchBase(c.Layout);
        int mapped = c.Layout == JitCase.IntoUnmapped ? 0x80 : c.Memory.Length;
        machine.WritePhysical(scratch, c.Memory.AsSpan(0, mapped));
        machine.WritePhysical(Counter, BitConverter.GetBytes((ulong)c.Iterations));
        for (int r = 0; r < 16; r++)
        {
            cpu.R(r) = c.Gprs[r];
        }
        cpu.R(HvSim.Cpu.Reg.Rsp) = TestMachine.StackTop;
        cpu.R(HvSim.Cpu.Reg.Rdi) = scratch;
        cpu.Rflags = c.Flags;

        var log = new StringBuilder();
        var random = new Random(c.SliceSeed);
        bool sliced = random.Next(2) == 0;
        while (cpu.InstructionsRetired < Budget)
        {
            long slice = sliced ? random.Next(1, 40) : Budget;
            HvSim.Cpu.ExitReason exit = cpu.Run(Math.Min(slice, Budget - cpu.InstructionsRetired));
            log.AppendLine($"slice {slice}: {exit} at rip {cpu.Rip:X} after {cpu.InstructionsRetired}");
            if (exit != HvSim.Cpu.ExitReason.Budget)
            {
                log.AppendLine($"  vector {cpu.ExitVector} fault {cpu.ExitFault}");
                break;
            }
        }
        for (int r = 0; r < 16; r++)
        {
            log.AppendLine($"{HvSim.Cpu.Reg.Names64[r]} {cpu.R(r):X16}");
        }
        log.AppendLine($"rflags {cpu.Rflags:X}");
        for (int x = 0; x < 16; x++)
        {
            System.Runtime.Intrinsics.Vector128<ulong> xmm = System.Runtime.Intrinsics.Vector128.AsUInt64(cpu.Xmm(x));
            if (xmm != default)
            {
                log.AppendLine($"xmm{x} {xmm[1]:X16}{xmm[0]:X16}");
            }
        }
        log.AppendLine($"tlb misses {machine.Mmu.Tlb.Misses} slow hits {machine.Mmu.Tlb.SlowHits}");
        log.AppendLine($"scratch {Convert.ToHexString(Read(machine, scratch - 16, mapped + 16))}");
        log.AppendLine($"counter {Convert.ToHexString(Read(machine, Counter, 8))}");
        log.AppendLine($"stack {Convert.ToHexString(Read(machine, TestMachine.StackTop - 64, 64))}");
        return log.ToString();
    }

    private static byte[] Read(TestMachine machine, ulong va, int length)
    {
        var bytes = new byte[length];
        int done = 0;
        while (done < length)
        {
            ulong at = va + (ulong)done;
            int chunk = Math.Min(length - done, 4096 - (int)(at & 0xFFF));
            ulong leaf = machine.Tables.ReadLeaf(machine.Cr3, at);
            machine.Memory.Read(new GuestPhysical(PteFormat.Address(leaf) + (at & 0xFFF)), bytes.AsSpan(done, chunk));
            done += chunk;
        }
        return bytes;
    }
}
