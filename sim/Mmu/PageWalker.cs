using HvSim.Core;

namespace HvSim.Mmu;

/// <summary>
/// The x86-64 4-level page walk (Intel SDM Vol. 3A, 4.5) over tables stored in guest physical
/// memory. It checks permissions the way hardware does (CR0.WP = 1, EFER.NXE = 1, no SMEP/SMAP)
/// and, on success, sets A in every entry it used and D in the leaf for a write.
/// </summary>
/// <remarks>
/// Real processors may also set A bits on a walk that ends in a fault; the SDM allows either, and
/// this walker sets them only on success so that runs are deterministic and easy to reason about.
/// </remarks>
public sealed class PageWalker
{
    /// <summary>Physical address width: entry bits 46..51 are reserved (a RSVD fault if set).</summary>
    public const int MaxPhysicalAddressBits = 46;

    private const ulong ReservedMask = PteFormat.AddressMask & ~((1UL << MaxPhysicalAddressBits) - 1);

    private readonly PhysicalMemory _memory;

    public PageWalker(PhysicalMemory memory)
    {
        _memory = memory;
    }

    /// <summary>True when bits 63..47 of the address are copies of bit 47.</summary>
    public static bool IsCanonical(ulong address) => (ulong)((long)(address << 16) >> 16) == address;

    /// <summary>
    /// Walks the tables rooted at <paramref name="cr3"/> for one access. Returns false with the
    /// fault to raise when the page is not present, the access is not allowed, or the address is
    /// not canonical.
    /// </summary>
    /// <param name="nested">
    /// Under EPT, the second dimension: every paging-structure entry's guest-physical address is
    /// translated through it (SDM Vol. 3C, 29.3.2) before the entry is read or its A/D bits set.
    /// The returned <see cref="Translation.PhysicalPage"/> stays guest-physical: the caller
    /// translates the final access itself.
    /// </param>
    public bool TryWalk(ulong cr3, ulong address, AccessKind access, bool user, out Translation translation, out MemoryFault fault, NestedPaging? nested = null)
    {
        translation = default;
        if (!IsCanonical(address))
        {
            fault = new MemoryFault(FaultKind.GeneralProtection, address, PageFaultErrorCode.None);
            return false;
        }

        Span<ulong> entryAddresses = stackalloc ulong[4];
        ulong table = PteFormat.Address(cr3);
        bool writable = true, userOk = true, executable = true;
        int level = 4;
        ulong entry;
        while (true)
        {
            ulong entryAddress = table + ((ulong)PteFormat.Index(address, level) * 8);
            if (nested is not null)
            {
                entryAddress = nested.Translate(entryAddress, AccessKind.Write, guestLinear: null).HostPhysical;
            }
            entryAddresses[4 - level] = entryAddress;
            entry = _memory.ReadU64(new GuestPhysical(entryAddress));
            if (!PteFormat.Has(entry, Pte.P))
            {
                fault = PageFaultFor(address, access, user, PageFaultErrorCode.None);
                return false;
            }
            bool largePage = PteFormat.Has(entry, Pte.PS) && level > 1;
            // A large page's base is aligned to its size: the address bits below it, except PAT
            // (bit 12), are reserved (SDM Vol. 3A Tables 4-17 and 4-18).
            ulong largeReserved = largePage ? PteFormat.AddressMask & ((1UL << (12 + (9 * (level - 1)))) - 1) & ~0x1000UL : 0;
            if ((entry & (ReservedMask | largeReserved)) != 0 || (largePage && level == 4))
            {
                fault = PageFaultFor(address, access, user, PageFaultErrorCode.Present | PageFaultErrorCode.ReservedBit);
                return false;
            }
            writable &= PteFormat.Has(entry, Pte.RW);
            userOk &= PteFormat.Has(entry, Pte.US);
            executable &= !PteFormat.Has(entry, Pte.NX);
            if (level == 1 || largePage)
            {
                break;
            }
            table = PteFormat.Address(entry);
            level--;
        }

        bool allowed = (!user || userOk)
            && (access != AccessKind.Write || writable)
            && (access != AccessKind.Execute || executable);
        if (!allowed)
        {
            fault = PageFaultFor(address, access, user, PageFaultErrorCode.Present);
            return false;
        }

        // Success: set A in every entry used, D in the leaf for a write (a locked RMW on hardware).
        for (int i = 0; i <= 4 - level; i++)
        {
            var at = new GuestPhysical(entryAddresses[i]);
            ulong value = _memory.ReadU64(at);
            ulong updated = value | (ulong)Pte.A;
            if (i == 4 - level && access == AccessKind.Write)
            {
                updated |= (ulong)Pte.D;
            }
            if (updated != value)
            {
                _memory.WriteU64(at, updated);
            }
            if (i == 4 - level)
            {
                entry = updated;
            }
        }

        ulong pageSize = 1UL << (12 + (9 * (level - 1)));
        ulong physicalPage = (PteFormat.Address(entry) & ~(pageSize - 1)) + (address & (pageSize - 1) & ~PageGeometry.PageMask);
        translation = new Translation(
            physicalPage, writable, userOk, executable, PteFormat.Has(entry, Pte.D), entryAddresses[4 - level], level);
        fault = default;
        return true;
    }

    private static MemoryFault PageFaultFor(ulong address, AccessKind access, bool user, PageFaultErrorCode code)
    {
        if (access == AccessKind.Write)
        {
            code |= PageFaultErrorCode.Write;
        }
        if (access == AccessKind.Execute)
        {
            code |= PageFaultErrorCode.InstructionFetch;
        }
        if (user)
        {
            code |= PageFaultErrorCode.User;
        }
        return new MemoryFault(FaultKind.PageFault, address, code);
    }
}
