namespace HvSim.GuestOs.Elf;

// Checks the program headers that describe memory (PT_LOAD, PT_TLS) against the file and the
// user address space, and turns the survivors into ElfSegments. The checks are those Linux's
// loader applies (or that make its mmap calls fail), plus the gABI rule that PT_LOAD entries
// ascend by address, which also makes overlap detection a neighbour comparison.
internal static class ElfSegmentValidator
{
    public static IReadOnlyList<ElfSegment> LoadSegments(ElfProgramHeader[] headers, byte[] file)
    {
        var segments = new List<ElfSegment>();
        ElfSegment? previous = null;
        foreach (ElfProgramHeader h in headers)
        {
            if (h.Type != ElfConstants.PtLoad)
            {
                continue;
            }

            string name = $"PT_LOAD segment (program header {h.Index})";
            ElfSegment segment = ToSegment(h, file, name);
            if (h.FileSize != 0 && (h.VirtualAddress - h.Offset) % ElfConstants.PageSize != 0)
            {
                throw new ElfFormatException(
                    $"{name}: address 0x{h.VirtualAddress:x} and file offset 0x{h.Offset:x} differ modulo the {ElfConstants.PageSize}-byte page");
            }

            if (previous is not null && h.MemorySize != 0)
            {
                if (segment.VirtualAddress < previous.VirtualAddress)
                {
                    throw new ElfFormatException(
                        $"{name} at 0x{segment.VirtualAddress:x} is below the previous PT_LOAD segment; they must ascend by address");
                }

                if (segment.VirtualAddress < previous.EndAddress)
                {
                    throw new ElfFormatException(
                        $"{name} [0x{segment.VirtualAddress:x}, 0x{segment.EndAddress:x}) overlaps program header {previous.Index} "
                        + $"[0x{previous.VirtualAddress:x}, 0x{previous.EndAddress:x})");
                }
            }

            segments.Add(segment);
            if (h.MemorySize != 0)
            {
                previous = segment;
            }
        }

        if (segments.Count == 0)
        {
            throw new ElfFormatException("ELF has no loadable (PT_LOAD) segments");
        }

        return segments;
    }

    public static ElfSegment? Tls(ElfProgramHeader[] headers, byte[] file)
    {
        ElfSegment? tls = null;
        foreach (ElfProgramHeader h in headers)
        {
            if (h.Type != ElfConstants.PtTls)
            {
                continue;
            }

            if (tls is not null)
            {
                throw new ElfFormatException($"ELF has more than one PT_TLS header (program headers {tls.Index} and {h.Index})");
            }

            tls = ToSegment(h, file, $"PT_TLS segment (program header {h.Index})");
        }

        return tls;
    }

    private static ElfSegment ToSegment(ElfProgramHeader h, byte[] file, string name)
    {
        if (h.FileSize > h.MemorySize)
        {
            throw new ElfFormatException(
                $"{name}: file size 0x{h.FileSize:x} is larger than its memory size 0x{h.MemorySize:x}");
        }

        // With no file bytes the offset is never used (Linux maps such a segment anonymously).
        if (h.FileSize != 0 && (h.Offset > (ulong)file.Length || h.FileSize > (ulong)file.Length - h.Offset))
        {
            throw new ElfFormatException(
                $"{name}: file bytes [0x{h.Offset:x}, +0x{h.FileSize:x}) extend past the end of the file ({file.Length} bytes)");
        }

        if (h.VirtualAddress > ElfImage.UserAddressLimit || h.MemorySize > ElfImage.UserAddressLimit - h.VirtualAddress)
        {
            throw new ElfFormatException(
                $"{name}: [0x{h.VirtualAddress:x}, +0x{h.MemorySize:x}) lies outside the user address space (below 0x{ElfImage.UserAddressLimit:x})");
        }

        if (h.Alignment != 0 && (h.Alignment & (h.Alignment - 1)) != 0)
        {
            throw new ElfFormatException($"{name}: alignment 0x{h.Alignment:x} is not a power of two");
        }

        ReadOnlyMemory<byte> data = h.FileSize == 0
            ? ReadOnlyMemory<byte>.Empty
            : new ReadOnlyMemory<byte>(file, (int)h.Offset, (int)h.FileSize);
        return new ElfSegment(h.Index, h.VirtualAddress, h.Offset, h.FileSize, h.MemorySize, h.Permissions, h.Alignment, data);
    }
}
