using System.Buffers.Binary;
using System.Text;

namespace HvSim.GuestOs.Elf;

/// <summary>
/// The symbol table (.symtab, SHT_SYMTAB) of an ELF64 file, read through the section headers
/// (System V gABI, "Sections" and "Symbol Table"). A stripped file has none: the table is then
/// empty. Every read is bounds-checked; a damaged table ends in <see cref="ElfFormatException"/>.
/// The loader does not need it (it maps segments, not sections): this is for naming addresses.
/// </summary>
public static class ElfSymbolTable
{
    /// <summary>The named function and object symbols of <paramref name="file"/> with a non-zero address, in file order.</summary>
    public static IReadOnlyList<ElfSymbol> Read(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        ReadOnlySpan<byte> bytes = file;
        if (bytes.Length < ElfConstants.HeaderSize)
        {
            throw new ElfFormatException("truncated ELF file: no room for the ELF64 header");
        }
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(bytes[ElfConstants.EShoff..]);
        ushort entrySize = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EShentsize..]);
        ushort count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[ElfConstants.EShnum..]);
        if (shoff == 0 || count == 0)
        {
            return Array.Empty<ElfSymbol>();
        }
        if (entrySize != ElfConstants.SectionHeaderSize)
        {
            throw new ElfFormatException($"ELF section header entry size is {entrySize}, not {ElfConstants.SectionHeaderSize} (sizeof(Elf64_Shdr))");
        }
        ReadOnlySpan<byte> headers = Slice(bytes, shoff, (ulong)count * ElfConstants.SectionHeaderSize, "section header table");
        var symbols = new List<ElfSymbol>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> header = headers.Slice(i * ElfConstants.SectionHeaderSize, ElfConstants.SectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[ElfConstants.ShType..]) != ElfConstants.ShtSymtab)
            {
                continue;
            }
            uint link = BinaryPrimitives.ReadUInt32LittleEndian(header[ElfConstants.ShLink..]);
            if (link >= count)
            {
                throw new ElfFormatException($"ELF symbol table links to section {link}, past the {count} sections");
            }
            ReadOnlySpan<byte> strings = Contents(bytes, headers.Slice((int)link * ElfConstants.SectionHeaderSize, ElfConstants.SectionHeaderSize), "string table");
            ReadOnlySpan<byte> table = Contents(bytes, header, "symbol table");
            for (int at = 0; at + ElfConstants.SymbolSize <= table.Length; at += ElfConstants.SymbolSize)
            {
                ReadOnlySpan<byte> entry = table.Slice(at, ElfConstants.SymbolSize);
                int type = entry[ElfConstants.StInfo] & 0xf;
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(entry[ElfConstants.StValue..]);
                if (type is not (ElfConstants.SttFunc or ElfConstants.SttObject) || value == 0)
                {
                    continue; // sections, files, untyped labels, undefined symbols: they name no code or data
                }
                string name = Name(strings, BinaryPrimitives.ReadUInt32LittleEndian(entry[ElfConstants.StName..]));
                if (name.Length > 0)
                {
                    symbols.Add(new ElfSymbol(name, value, BinaryPrimitives.ReadUInt64LittleEndian(entry[ElfConstants.StSize..]), type == ElfConstants.SttFunc));
                }
            }
        }
        return symbols;
    }

    private static ReadOnlySpan<byte> Contents(ReadOnlySpan<byte> file, ReadOnlySpan<byte> header, string what) => Slice(
        file,
        BinaryPrimitives.ReadUInt64LittleEndian(header[ElfConstants.ShOffset..]),
        BinaryPrimitives.ReadUInt64LittleEndian(header[ElfConstants.ShSize..]),
        what);

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> file, ulong offset, ulong size, string what)
    {
        if (offset > (ulong)file.Length || size > (ulong)file.Length - offset)
        {
            throw new ElfFormatException($"ELF {what} (offset 0x{offset:x}, 0x{size:x} bytes) extends past the end of the file ({file.Length} bytes)");
        }
        return file.Slice((int)offset, (int)size);
    }

    private static string Name(ReadOnlySpan<byte> strings, uint offset)
    {
        if (offset >= strings.Length)
        {
            throw new ElfFormatException($"ELF symbol name at 0x{offset:x} lies past its string table (0x{strings.Length:x} bytes)");
        }
        ReadOnlySpan<byte> rest = strings[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }
}
