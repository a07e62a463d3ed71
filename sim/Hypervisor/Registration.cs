using HvSim.Core;
using HvSim.Hypervisor.Techniques;

namespace HvSim.Hypervisor;

/// <summary>
/// What a registered application told the hypervisor through int 0x84 Register, and the little
/// the hypervisor keeps per cycle. The paper keeps the hypervisor's footprint small (Section
/// III.A): the dirty lists live in the application's own record buffer, so the registration holds
/// only the token, the CDA range, the buffer's address and length, the mode, one bit per CDA page
/// and a first-cycle flag.
/// </summary>
public sealed class Registration
{
    private readonly ulong[] _bits;

    public Registration(ulong token, ulong cdaStart, ulong cdaLength, CheckpointMode mode = CheckpointMode.RegistrationOnly,
        ulong recordBuffer = 0, ulong recordLength = 0)
    {
        Token = token;
        CdaStart = cdaStart;
        CdaLength = cdaLength;
        Mode = mode;
        RecordBuffer = recordBuffer;
        RecordLength = recordLength;
        // A registration without a technique tracks nothing and needs no bits (its CDA may be huge).
        CdaPages = mode == CheckpointMode.RegistrationOnly ? 0 : (int)(PageGeometry.RoundUp(cdaLength) >> PageGeometry.PageShift);
        _bits = new ulong[(CdaPages + 63) / 64];
    }

    public ulong Token { get; }

    public ulong CdaStart { get; }

    public ulong CdaLength { get; }

    /// <summary>The technique the hypervisor runs for this process.</summary>
    public CheckpointMode Mode { get; }

    /// <summary>Guest-virtual address of the record buffer (docs/checkpoint-abi.md).</summary>
    public ulong RecordBuffer { get; }

    /// <summary>Its length in bytes: the hypervisor never writes past it, whatever the header says.</summary>
    public ulong RecordLength { get; }

    /// <summary>CDA pages the bits cover (0 for a registration without a technique).</summary>
    public int CdaPages { get; }

    /// <summary>True until the first CycleBegin, which protects every CDA page (PTxen, Emulxen).</summary>
    public bool FirstCycle { get; set; } = true;

    /// <summary>
    /// True while PTxen or Emulxen keep CDA pages read-only: from the first CycleBegin on. Before
    /// it, nothing is protected and nothing is tracked.
    /// </summary>
    public bool Protecting => (Mode is CheckpointMode.PtXen or CheckpointMode.EmulXen) && !FirstCycle;

    /// <summary>True when <paramref name="va"/> lies inside the CDA.</summary>
    public bool Contains(ulong va) => va >= CdaStart && va - CdaStart < CdaLength;

    /// <summary>
    /// True when <paramref name="va"/> lies in a page of the CDA: what protection works on, so the
    /// tail of a last, partial page is protected (and its faults handled) with the rest of it.
    /// </summary>
    public bool ContainsPage(ulong va) => va >= CdaStart && (va - CdaStart) >> PageGeometry.PageShift < (ulong)CdaPages;

    /// <summary>The index of the CDA page holding <paramref name="va"/> (which must lie in the CDA).</summary>
    public int PageIndex(ulong va) => (int)((va - CdaStart) >> PageGeometry.PageShift);

    /// <summary>The address of CDA page <paramref name="index"/>.</summary>
    public ulong PageAddress(int index) => CdaStart + ((ulong)index << PageGeometry.PageShift);

    /// <summary>
    /// The page's bit. PTxen: writable this cycle (listed and unprotected); Emulxen: the same for
    /// a fallback page; Scanxen: a dirty shadow entry of the page was dropped or replaced since
    /// the last scan, so the page is dirty although no shadow D bit says so any more.
    /// </summary>
    public bool IsMarked(int index) => (_bits[index >> 6] & (1UL << (index & 63))) != 0;

    public void Mark(int index) => _bits[index >> 6] |= 1UL << (index & 63);

    public void Unmark(int index) => _bits[index >> 6] &= ~(1UL << (index & 63));

    /// <summary>
    /// The first marked page at or after <paramref name="from"/>, or -1: a scan of the bits that
    /// skips 64 unmarked pages per word, so a cycle that dirtied few pages of a large CDA costs the
    /// host little (issue 15).
    /// </summary>
    public int NextMarked(int from)
    {
        for (int word = from >> 6; word < _bits.Length; word++)
        {
            ulong bits = _bits[word];
            if (word == from >> 6)
            {
                bits &= ~0UL << (from & 63);
            }
            if (bits != 0)
            {
                int index = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                return index < CdaPages ? index : -1;
            }
        }
        return -1;
    }
}
