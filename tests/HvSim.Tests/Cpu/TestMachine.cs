using HvSim.Core;
using HvSim.Mmu;
using Iced.Intel;
using CpuCore = HvSim.Cpu.Cpu;

namespace HvSim.Tests.Cpu;

/// <summary>
/// A bare CPU with an address space for instruction-level tests: code at <see cref="CodeBase"/>,
/// a writable data area at <see cref="DataBase"/> and a stack below <see cref="StackTop"/>, all
/// user pages. Code ends with int3 by convention, which returns control to the test.
/// </summary>
public sealed class TestMachine
{
    public const ulong CodeBase = 0x40_0000;
    public const ulong DataBase = 0x60_0000;
    public const int DataPages = 4;
    public const ulong StackTop = 0x7FFF_0000;
    public const int StackPages = 8;

    /// <summary>A machine whose CPU is <paramref name="identity"/>; the widest level (v3) by default, so every implemented instruction runs.</summary>
    public TestMachine(TlbGeometry? tlb = null, HvSim.Cpu.CpuIdentity? identity = null)
    {
        Memory = new PhysicalMemory(64UL << 20);
        Allocator = new FrameAllocator(Memory);
        Tables = new PageTableEditor(Memory, Allocator);
        Mmu = new HvSim.Mmu.Mmu(Memory, tlb);
        Cr3 = Tables.CreateRoot();
        Mmu.LoadCr3(Cr3);
        Cpu = new CpuCore(Mmu, identity ?? HvSim.Cpu.CpuIdentity.V3);
        MapRange(DataBase, DataPages, Pte.RW | Pte.US | Pte.NX);
        MapRange(StackTop - (StackPages * 4096UL), StackPages, Pte.RW | Pte.US | Pte.NX);
        Cpu.R(HvSim.Cpu.Reg.Rsp) = StackTop;
    }

    public PhysicalMemory Memory { get; }
    public FrameAllocator Allocator { get; }
    public PageTableEditor Tables { get; }
    public HvSim.Mmu.Mmu Mmu { get; }
    public CpuCore Cpu { get; }
    public ulong Cr3 { get; }

    /// <summary>Maps fresh zeroed frames at [va, va + pages*4K) with the given bits (P is added).</summary>
    public void MapRange(ulong va, int pages, Pte bits)
    {
        for (int i = 0; i < pages; i++)
        {
            Frame frame = Allocator.TryAllocate() ?? throw new InvalidOperationException("test machine out of memory");
            Memory.GetOrCreate(frame);
            Tables.Map(Cr3, va + ((ulong)i * 4096), frame, bits);
        }
    }

    /// <summary>Places code at <see cref="CodeBase"/> (read-only, executable) and points RIP at it.</summary>
    public void LoadCode(byte[] code)
    {
        int pages = (code.Length + 4095) / 4096 + 1;
        MapRange(CodeBase, pages, Pte.US);
        WritePhysical(CodeBase, code);
        Cpu.Rip = CodeBase;
    }

    /// <summary>Assembles with Iced at <see cref="CodeBase"/> and loads it.</summary>
    public void Load(Action<Assembler> program)
    {
        var assembler = new Assembler(64);
        program(assembler);
        var stream = new MemoryStream();
        assembler.Assemble(new StreamCodeWriter(stream), CodeBase);
        LoadCode(stream.ToArray());
    }

    /// <summary>Loads <paramref name="program"/> followed by int3, where <see cref="Run"/> stops.</summary>
    public void LoadEndingInInt3(Action<Assembler> program) => Load(a =>
    {
        program(a);
        a.int3();
    });

    /// <summary>Writes through the page tables without permission checks (like a loader).</summary>
    public void WritePhysical(ulong va, ReadOnlySpan<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            ulong at = va + (ulong)i;
            ulong leaf = Tables.ReadLeaf(Cr3, at);
            Memory.Write(new GuestPhysical(PteFormat.Address(leaf) + (at & 0xFFF)), bytes.Slice(i, 1));
        }
    }

    public byte[] ReadPhysical(ulong va, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            ulong at = va + (ulong)i;
            ulong leaf = Tables.ReadLeaf(Cr3, at);
            Memory.Read(new GuestPhysical(PteFormat.Address(leaf) + (at & 0xFFF)), bytes.AsSpan(i, 1));
        }
        return bytes;
    }

    /// <summary>Runs until the CPU exits; by convention programs end with int3.</summary>
    public HvSim.Cpu.ExitReason Run(long maxInstructions = 10_000_000) => Cpu.Run(maxInstructions);
}
