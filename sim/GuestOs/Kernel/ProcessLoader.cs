using HvSim.Core;
using HvSim.GuestOs.Elf;
using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Kernel;

/// <summary>
/// execve for a static ELF: maps the PT_LOAD segments with their permissions (bss zero-filled,
/// populated on demand), sets up the heap break after the image, and builds the initial stack
/// with argc, argv, envp and auxv as Linux lays it out.
/// </summary>
public static class ProcessLoader
{
    public const ulong StackTop = 0x7FFF_FFFF_F000;
    public const ulong StackSize = 8UL << 20;

    /// <summary>Thrown for an ELF that parses but cannot be loaded (a one-line message for the user).</summary>
    public sealed class LoadException : Exception
    {
        public LoadException(string message) : base(message)
        {
        }
    }

    /// <summary>Loads the image into <paramref name="process"/>; returns the entry point and initial stack pointer.</summary>
    public static (ulong Entry, ulong StackPointer) Load(
        Process process, ElfImage image, IReadOnlyList<string> argv, IReadOnlyList<string> envp, ReadOnlySpan<byte> randomBytes)
    {
        if (image.RequiresLoadBias)
        {
            throw new LoadException("position-independent (static-pie) executables are not supported yet; link with -static -no-pie");
        }
        AddressSpace space = process.Space;
        ulong imageEnd = 0;
        foreach (ElfSegment segment in image.LoadSegments)
        {
            ulong start = PageGeometry.PageBase(segment.VirtualAddress);
            ulong end = PageGeometry.RoundUp(segment.EndAddress);
            if (end > AddressSpace.MmapBase || end <= start)
            {
                throw new LoadException($"segment at 0x{segment.VirtualAddress:x} lies outside the user address space");
            }
            if (start < UserRange.MmapMinAddr)
            {
                // Linux's execve maps segments as mmap does: below vm.mmap_min_addr it fails (EPERM).
                throw new LoadException($"segment at 0x{segment.VirtualAddress:x} lies below the lowest mappable address 0x{UserRange.MmapMinAddr:x} (vm.mmap_min_addr)");
            }
            MemoryProtection protection = MemoryProtection.PROT_NONE;
            if (segment.IsReadable) { protection |= MemoryProtection.PROT_READ; }
            if (segment.IsWritable) { protection |= MemoryProtection.PROT_WRITE; }
            if (segment.IsExecutable) { protection |= MemoryProtection.PROT_EXEC; }
            // Consecutive segments may share a page (text end, data start): that page keeps the
            // union of both rights, and its contents are not replaced.
            Vma? existing = space.Find(start);
            if (existing is not null)
            {
                space.Protect(start, PageGeometry.PageSize, existing.Protection | protection);
                start += PageGeometry.PageSize;
            }
            if (end > start)
            {
                space.Map(start, end - start, protection, shared: false, name: Path.GetFileName(process.ExecutablePath)); // a fresh space: far below vm.max_map_count
            }
            if (!space.Poke(segment.VirtualAddress, segment.FileData.Span))
            {
                throw new LoadException("guest physical memory exhausted while loading the program");
            }
            imageEnd = Math.Max(imageEnd, end);
        }

        process.BrkStart = imageEnd;
        process.Brk = imageEnd;

        // PT_GNU_STACK with PF_X asks for an executable stack (gcc's nested-function trampolines
        // live there). On x86-64 that is all it does: since Linux 5.8 it no longer turns on
        // READ_IMPLIES_EXEC for 64-bit programs, so other mappings keep their rights.
        MemoryProtection stackProtection = MemoryProtection.PROT_READ | MemoryProtection.PROT_WRITE
            | (image.ExecutableStack ? MemoryProtection.PROT_EXEC : MemoryProtection.PROT_NONE);
        space.Map(StackTop - StackSize, StackSize, stackProtection, shared: false, name: "[stack]");

        ulong phdr = image.ProgramHeaderAddress
            ?? FindProgramHeaders(image)
            ?? 0;
        IReadOnlyList<AuxvEntry> auxv = StandardAuxv.Create(new ProcessAuxvInfo
        {
            ProgramHeaderAddress = phdr,
            ProgramHeaderEntrySize = image.ProgramHeaderEntrySize,
            ProgramHeaderCount = image.ProgramHeaderCount,
            Entry = image.Entry,
            Uid = 1000,
            EffectiveUid = 1000,
            Gid = 1000,
            EffectiveGid = 1000,
        });
        InitialStackImage stack = InitialStack.Build(new InitialStackSpec
        {
            StackTop = StackTop,
            Argv = argv,
            Envp = envp,
            Auxv = auxv,
            ExecFn = process.ExecutablePath,
            RandomBytes = randomBytes.ToArray(),
        });
        if (!space.Poke(stack.StackPointer, stack.Bytes.Span))
        {
            throw new LoadException("arguments and environment do not fit on the initial stack");
        }
        return (image.Entry, stack.StackPointer);
    }

    // The program headers usually lie in the first PT_LOAD segment at its file offset.
    private static ulong? FindProgramHeaders(ElfImage image)
    {
        foreach (ElfSegment segment in image.LoadSegments)
        {
            if (segment.FileOffset <= image.ProgramHeaderOffset
                && image.ProgramHeaderOffset < segment.FileOffset + segment.FileSize)
            {
                return segment.VirtualAddress + (image.ProgramHeaderOffset - segment.FileOffset);
            }
        }
        return null;
    }
}
