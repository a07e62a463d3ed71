namespace HvSim.Tests.MmuTests;

using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HvSim.Core;
using HvSim.Mmu;
using Mmu = HvSim.Mmu.Mmu;

public enum TlbOpKind
{
    Map,
    Unmap,
    Protect,
    Read,
    Write,
    Fetch,
    FlushAll,
}

/// <summary>One step of a scenario. Page and FrameIndex index small fixed tables.</summary>
public sealed record TlbOp(TlbOpKind Kind, int Page, int FrameIndex, Pte Bits, int Offset, int Length, bool User, byte Seed)
{
    public override string ToString() => Kind switch
    {
        TlbOpKind.Map => $"Map p{Page}->f{FrameIndex} [{Bits}]",
        TlbOpKind.Unmap => $"Unmap p{Page}",
        TlbOpKind.Protect => $"Protect p{Page} [{Bits}]",
        TlbOpKind.FlushAll => "FlushAll",
        _ => $"{Kind} p{Page}+0x{Offset:x} len {Length} {(User ? "user" : "sup")}",
    };
}

/// <summary>A TLB geometry and a sequence of operations.</summary>
public sealed record TlbScenario(int Sets, int Ways, TlbOp[] Ops)
{
    public override string ToString() => $"TLB {Sets}x{Ways}: " + string.Join("; ", Ops.Select(o => o.ToString()));
}

public static class TlbScenarioArbitraries
{
    // Mostly tiny TLBs, so that evictions (and stale fast-path state after them) are common.
    private static readonly (int Sets, int Ways)[] Geometries = { (1, 1), (1, 1), (1, 1), (1, 2), (1, 2), (2, 1), (2, 2), (4, 2), (64, 4) };

    private static readonly Pte[] Protections =
    {
        // D preset (as if written before): dirty pages are the ones that get fast writes, so a
        // read-only page that is already dirty is the case where a wrong write check would show.
        Pte.RW | Pte.US, Pte.US, Pte.RW, Pte.None, Pte.RW | Pte.US | Pte.NX, Pte.US | Pte.NX,
        Pte.RW | Pte.US | Pte.D, Pte.US | Pte.D, Pte.RW | Pte.D,
    };

    public static Arbitrary<TlbScenario> Scenario()
    {
        // Skewed towards a few pages so that edits and accesses often meet on the same page.
        Gen<int> page = Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Choose(2, TlbCoherence.Pages.Length - 1)));
        Gen<int> offset = Gen.Frequency((2, Gen.Choose(0, 4095)), (1, Gen.Choose(4088, 4095)));
        Gen<TlbOp> access =
            from kind in Gen.Frequency((4, Gen.Constant(TlbOpKind.Read)), (4, Gen.Constant(TlbOpKind.Write)), (1, Gen.Constant(TlbOpKind.Fetch)))
            from p in page
            from off in offset
            from len in Gen.Elements(1, 1, 2, 4, 8)
            from user in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            from seed in Gen.Choose(0, 255)
            select new TlbOp(kind, p, 0, Pte.None, off, len, user, (byte)seed);
        Gen<TlbOp> edit =
            from kind in Gen.Frequency((3, Gen.Constant(TlbOpKind.Map)), (1, Gen.Constant(TlbOpKind.Unmap)), (3, Gen.Constant(TlbOpKind.Protect)), (1, Gen.Constant(TlbOpKind.FlushAll)))
            from p in page
            from f in Gen.Choose(0, TlbCoherence.DataFrames - 1)
            from bits in Gen.Elements(Protections)
            select new TlbOp(kind, p, f, bits, 0, 0, false, 0);
        Gen<TlbScenario> scenario =
            from geometry in Gen.Elements(Geometries)
            from ops in Gen.Frequency((3, access), (2, edit)).ListOf()
            select new TlbScenario(geometry.Sets, geometry.Ways, ops.ToArray());
        return Arb.From(scenario, Shrink);
    }

    private static IEnumerable<TlbScenario> Shrink(TlbScenario s)
    {
        if (s.Sets != 1 || s.Ways != 1)
        {
            yield return s with { Sets = 1, Ways = 1 };
        }
        for (int i = 0; i < s.Ops.Length; i++)
        {
            yield return s with { Ops = s.Ops.Take(i).Concat(s.Ops.Skip(i + 1)).ToArray() };
        }
    }
}

/// <summary>
/// Runs a scenario on two machines with identical memory: one with the TLB under test (and its
/// user fast paths), one with a 1x1 TLB flushed before every access (so every access walks the
/// current tables). Records what each access observed.
/// </summary>
public static unsafe class TlbCoherence
{
    /// <summary>Virtual pages: neighbours (same PT, consecutive sets), another PT, another PD, another PML4 slot.</summary>
    public static readonly ulong[] Pages =
    {
        0x0000_0000_0040_0000, 0x0000_0000_0040_1000, 0x0000_0000_0040_2000, 0x0000_0000_0040_3000,
        0x0000_0000_0060_4000, 0x0000_0000_8000_0000, 0x0000_7FFF_FFFF_E000,
    };

    public const int DataFrames = 4;

    /// <summary>Distinct initial contents of the data frames (computed once: the property runs hundreds of cases).</summary>
    private static readonly byte[][] Patterns = Enumerable.Range(0, DataFrames)
        .Select(i => Enumerable.Range(0, PageGeometry.PageSize).Select(b => (byte)((b * 31) + i)).ToArray())
        .ToArray();

    private sealed class Machine
    {
        public Machine(int sets, int ways)
        {
            Memory = new PhysicalMemory(1UL << 20);
            var allocator = new FrameAllocator(Memory);
            Editor = new PageTableEditor(Memory, allocator);
            Cr3 = Editor.CreateRoot();
            Frames = Enumerable.Range(0, DataFrames).Select(_ => allocator.TryAllocate()!.Value).ToArray();
            for (int i = 0; i < Frames.Length; i++)
            {
                Memory.Write(Frames[i].Base, Patterns[i]);
            }
            Mmu = new Mmu(Memory, new TlbGeometry(sets, ways));
            Mmu.LoadCr3(Cr3);
        }

        public PhysicalMemory Memory { get; }

        public PageTableEditor Editor { get; }

        public ulong Cr3 { get; }

        public Frame[] Frames { get; }

        public Mmu Mmu { get; }
    }

    /// <summary>
    /// Runs the scenario; null when both machines observed the same thing at every step and ended
    /// with identical physical memory (data and page tables, A/D bits included), else a description.
    /// </summary>
    public static string? FindDivergence(TlbScenario scenario, bool invalidateAfterPteChange = true)
    {
        var tested = new Machine(scenario.Sets, scenario.Ways);
        var reference = new Machine(1, 1);
        var log = new StringBuilder();
        for (int i = 0; i < scenario.Ops.Length; i++)
        {
            TlbOp op = scenario.Ops[i];
            string got = Apply(tested, op, referenceMode: false, invalidateAfterPteChange);
            string want = Apply(reference, op, referenceMode: true, invalidate: true);
            log.Append($"  #{i} {op}: {got}\n");
            if (got != want)
            {
                return $"step {i} ({op}) with TLB {scenario.Sets}x{scenario.Ways}: TLB on gave [{got}], TLB off gave [{want}]\n{log}";
            }
        }
        for (ulong f = 0; f < tested.Memory.FrameCount; f++)
        {
            PhysicalFrame? a = tested.Memory.TryGet(new Frame(f));
            PhysicalFrame? b = reference.Memory.TryGet(new Frame(f));
            if ((a is null) != (b is null) || (a is not null && !a.Bytes.SequenceEqual(b!.Bytes)))
            {
                return $"final physical memory differs in frame 0x{f:x} (data or page-table A/D bits)\n{log}";
            }
        }
        return null;
    }

    private static string Apply(Machine m, TlbOp op, bool referenceMode, bool invalidate)
    {
        ulong va = Pages[op.Page];
        switch (op.Kind)
        {
            case TlbOpKind.Map:
                Assert.True(m.Editor.Map(m.Cr3, va, m.Frames[op.FrameIndex], op.Bits), "test setup: map");
                break;
            case TlbOpKind.Unmap:
                if (m.Editor.LeafEntryAddress(m.Cr3, va, create: false) is GuestPhysical unmapAt)
                {
                    m.Memory.WriteU64(unmapAt, 0);
                }
                break;
            case TlbOpKind.Protect:
                if (m.Editor.LeafEntryAddress(m.Cr3, va, create: false) is GuestPhysical at)
                {
                    ulong entry = m.Memory.ReadU64(at);
                    if (PteFormat.Has(entry, Pte.P))
                    {
                        const ulong protection = (ulong)(Pte.RW | Pte.US | Pte.NX);
                        m.Memory.WriteU64(at, (entry & ~protection) | ((ulong)op.Bits & protection));
                    }
                }
                break;
            case TlbOpKind.FlushAll:
                m.Mmu.FlushTlb();
                return "flushed";
            default:
                if (referenceMode)
                {
                    m.Mmu.FlushTlb();
                }
                return Access(m.Mmu, va + (ulong)op.Offset, op, useFastPath: !referenceMode);
        }
        if (invalidate)
        {
            m.Mmu.InvalidatePage(va);
        }
        return "edited";
    }

    private static string Access(Mmu mmu, ulong va, TlbOp op, bool useFastPath)
    {
        MemoryFault fault;
        switch (op.Kind)
        {
            case TlbOpKind.Read:
            {
                byte[] buffer = new byte[op.Length];
                byte* fast = useFastPath && op.User && op.Length == 1 ? mmu.FastRead(va) : null;
                if (fast is not null)
                {
                    buffer[0] = *fast;
                    return $"read {Convert.ToHexString(buffer)}";
                }
                return mmu.TryRead(va, buffer, op.User, out fault) ? $"read {Convert.ToHexString(buffer)}" : fault.ToString();
            }
            case TlbOpKind.Write:
            {
                byte[] data = Enumerable.Range(0, op.Length).Select(i => (byte)(op.Seed + (i * 17))).ToArray();
                byte* fast = useFastPath && op.User && op.Length == 1 ? mmu.FastWrite(va) : null;
                if (fast is not null)
                {
                    *fast = data[0];
                    return "written";
                }
                return mmu.TryWrite(va, data, op.User, out fault) ? "written" : fault.ToString();
            }
            default:
            {
                PhysicalFrame? frame = useFastPath && op.User ? mmu.FastExecFrame(va) : null;
                if (frame is not null)
                {
                    return $"fetch from {frame.Number}";
                }
                frame = mmu.TranslateToFrame(va, AccessKind.Execute, op.User, out fault);
                return frame is null ? fault.ToString() : $"fetch from {frame.Number}";
            }
        }
    }
}

public sealed class TlbCoherenceProperty
{
    [Property(Arbitrary = new[] { typeof(TlbScenarioArbitraries) }, MaxTest = 600, EndSize = 60)]
    public Property TLB_on_equals_TLB_off_when_every_PTE_change_is_followed_by_invlpg(TlbScenario scenario)
    {
        string? divergence = TlbCoherence.FindDivergence(scenario);
        return Prop.Label(divergence is null,
            "rule: with invlpg after every PTE change, a cached TLB (with fast paths) is indistinguishable from walking every access: " + divergence);
    }

    [Fact]
    public void The_coherence_check_detects_a_missing_invlpg()
    {
        // Guards against a vacuous property: the same comparison must see stale TLB behaviour.
        var scenario = new TlbScenario(64, 4, new[]
        {
            new TlbOp(TlbOpKind.Map, 0, 0, Pte.RW | Pte.US, 0, 0, false, 0),
            new TlbOp(TlbOpKind.Write, 0, 0, Pte.None, 0x10, 1, true, 1),
            new TlbOp(TlbOpKind.Protect, 0, 0, Pte.US, 0, 0, false, 0),
            new TlbOp(TlbOpKind.Write, 0, 0, Pte.None, 0x10, 1, true, 2),
        });

        Assert.True(TlbCoherence.FindDivergence(scenario) is null, "with invlpg, the write after write-protection faults on both machines");
        string? stale = TlbCoherence.FindDivergence(scenario, invalidateAfterPteChange: false);
        Assert.True(stale is not null && stale.Contains("step 3"), "without invlpg, the TLB machine lets the write through and the check reports it at step 3");
    }
}
