using System.Buffers.Binary;

namespace HvSim.GuestOs.Elf;

// Validates in the order a user most wants to hear about problems: not ELF at all, wrong
// architecture, not an executable, dynamically linked, then structural damage. Every read is
// preceded by a bounds check, so hostile input can only end in ElfFormatException.
internal static class ElfParser
{
    private static ReadOnlySpan<byte> Magic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public static ElfImage Parse(byte[] file)
    {
        ReadOnlySpan<byte> bytes = file;
        CheckIdent(bytes);
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EMachine..]);
        if (machine != ElfConstants.EmX86_64)
        {
            throw new ElfFormatException($"ELF machine {MachineName(machine)} is not x86-64; HvSim runs x86-64 programs");
        }

        ElfFileType fileType = ReadFileType(bytes);
        ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(bytes[ElfConstants.EEntry..]);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(bytes[ElfConstants.EPhoff..]);
        ElfProgramHeader[] headers = ReadProgramHeaders(bytes, phoff);

        // A dynamic program fails here, before any deeper check, with the message that tells the
        // user what to do.
        if (headers.Any(h => h.Type == ElfConstants.PtInterp))
        {
            throw new ElfFormatException("dynamically linked ELF not supported; link with -static");
        }

        IReadOnlyList<ElfSegment> segments = ElfSegmentValidator.LoadSegments(headers, file);
        ElfSegment? tls = ElfSegmentValidator.Tls(headers, file);
        ElfSegmentFlags? gnuStack = GnuStackFlags(headers);

        if (!segments.Any(s => entry >= s.VirtualAddress && entry < s.EndAddress))
        {
            throw new ElfFormatException($"ELF entry point 0x{entry:x} lies outside every PT_LOAD segment");
        }

        return new ElfImage(fileType, entry, segments, tls, gnuStack, phoff, headers.Length, ProgramHeaderAddress(segments, phoff));
    }

    private static void CheckIdent(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            throw new ElfFormatException("not an ELF file: the file is empty");
        }

        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new ElfFormatException("not an ELF file (bad magic number)");
        }

        if (bytes.Length < ElfConstants.IdentSize)
        {
            throw new ElfFormatException($"truncated ELF file: {bytes.Length} bytes, shorter than the ELF identification");
        }

        switch (bytes[ElfConstants.EiClass])
        {
            case ElfConstants.ElfClass64:
                break;
            case ElfConstants.ElfClass32:
                throw new ElfFormatException("32-bit ELF (ELFCLASS32) not supported; HvSim runs x86-64 ELF64 programs");
            default:
                throw new ElfFormatException($"invalid ELF class {bytes[ElfConstants.EiClass]}");
        }

        switch (bytes[ElfConstants.EiData])
        {
            case ElfConstants.ElfData2Lsb:
                break;
            case ElfConstants.ElfData2Msb:
                throw new ElfFormatException("big-endian ELF not supported; HvSim runs little-endian x86-64 programs");
            default:
                throw new ElfFormatException($"invalid ELF data encoding {bytes[ElfConstants.EiData]}");
        }

        if (bytes.Length < ElfConstants.HeaderSize)
        {
            throw new ElfFormatException(
                $"truncated ELF file: {bytes.Length} bytes, shorter than the {ElfConstants.HeaderSize}-byte ELF64 header");
        }
    }

    private static ElfFileType ReadFileType(ReadOnlySpan<byte> bytes)
    {
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EType..]);
        return type switch
        {
            ElfConstants.EtExec => ElfFileType.Executable,
            ElfConstants.EtDyn => ElfFileType.PositionIndependent,
            ElfConstants.EtRel => throw new ElfFormatException("ELF relocatable object (ET_REL) is not an executable; link it first"),
            ElfConstants.EtCore => throw new ElfFormatException("ELF core dump (ET_CORE) is not an executable"),
            _ => throw new ElfFormatException($"unknown ELF file type 0x{type:x}; expected an executable (ET_EXEC or ET_DYN)"),
        };
    }

    private static ElfProgramHeader[] ReadProgramHeaders(ReadOnlySpan<byte> bytes, ulong phoff)
    {
        ushort entrySize = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EPhentsize..]);
        ushort count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EPhnum..]);
        if (count == 0)
        {
            throw new ElfFormatException("ELF has no program headers");
        }

        if (count == ElfConstants.PnXnum || count > ElfConstants.MaxProgramHeaders)
        {
            throw new ElfFormatException($"ELF has too many program headers ({count}; at most {ElfConstants.MaxProgramHeaders})");
        }

        if (entrySize != ElfConstants.ProgramHeaderSize)
        {
            throw new ElfFormatException(
                $"ELF program header entry size is {entrySize}, not {ElfConstants.ProgramHeaderSize} (sizeof(Elf64_Phdr))");
        }

        // count * 56 <= 65536, so only the addition can overflow; compare without adding.
        ulong tableSize = (ulong)count * ElfConstants.ProgramHeaderSize;
        if (phoff > (ulong)bytes.Length || tableSize > (ulong)bytes.Length - phoff)
        {
            throw new ElfFormatException(
                $"ELF program header table (offset 0x{phoff:x}, {count} entries) extends past the end of the file ({bytes.Length} bytes)");
        }

        ReadOnlySpan<byte> table = bytes.Slice((int)phoff, (int)tableSize);
        var headers = new ElfProgramHeader[count];
        for (int i = 0; i < count; i++)
        {
            headers[i] = ElfProgramHeader.Read(table, i);
        }

        return headers;
    }

    // Linux honours the last PT_GNU_STACK when there are several.
    private static ElfSegmentFlags? GnuStackFlags(ElfProgramHeader[] headers)
    {
        ElfSegmentFlags? flags = null;
        foreach (ElfProgramHeader h in headers)
        {
            if (h.Type == ElfConstants.PtGnuStack)
            {
                flags = h.Permissions;
            }
        }

        return flags;
    }

    // As Linux's load_elf_binary: the first PT_LOAD whose file bytes contain e_phoff maps the table.
    private static ulong? ProgramHeaderAddress(IReadOnlyList<ElfSegment> segments, ulong phoff)
    {
        foreach (ElfSegment s in segments)
        {
            if (s.FileOffset <= phoff && phoff - s.FileOffset < s.FileSize)
            {
                return phoff - s.FileOffset + s.VirtualAddress;
            }
        }

        return null;
    }

    private static string MachineName(ushort machine) => machine switch
    {
        2 => "2 (SPARC)",
        3 => "3 (i386)",
        8 => "8 (MIPS)",
        20 => "20 (PowerPC)",
        21 => "21 (PowerPC64)",
        22 => "22 (S/390)",
        40 => "40 (ARM)",
        183 => "183 (AArch64)",
        243 => "243 (RISC-V)",
        258 => "258 (LoongArch)",
        _ => machine.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
