namespace HvSim.GuestOs.Elf;

/// <summary>
/// Names addresses from an ELF's symbol table, as a debugger does: "pt_handler" at a symbol's
/// address, "main+0x4a" inside it. An address inside no symbol's extent (st_size; a symbol of
/// size 0 covers only its own address) has no name. Addresses are link-time addresses: the
/// loader maps ET_EXEC files only (ProcessLoader refuses static-pie), so they are the run's too.
/// </summary>
public sealed class ElfSymbolizer
{
    private readonly ElfSymbol[] _byAddress;

    /// <param name="symbols">The file's symbols (<see cref="ElfSymbolTable.Read"/>).</param>
    public ElfSymbolizer(IEnumerable<ElfSymbol> symbols)
    {
        // Functions first among symbols at one address: code addresses are what traces name.
        _byAddress = symbols.OrderBy(s => s.Value).ThenBy(s => s.IsFunction ? 0 : 1).ThenBy(s => s.Name, StringComparer.Ordinal).ToArray();
    }

    /// <summary>The symbolizer of an ELF file's own symbol table (empty when the file is stripped).</summary>
    public static ElfSymbolizer Of(byte[] file) => new(ElfSymbolTable.Read(file));

    /// <summary>The symbol an address lies in and the offset into it, or null.</summary>
    public (ElfSymbol Symbol, ulong Offset)? Find(ulong address)
    {
        ulong linked = address;
        // The last symbol at or below the address, then back over symbols that start there too.
        int lo = 0, hi = _byAddress.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (_byAddress[mid].Value <= linked)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        // The nearest start whose extent covers the address wins; among symbols that start there,
        // the first in order (a function before an object). A few steps back is enough: extents
        // nest only for aliases and local labels.
        for (int i = found; i >= 0 && found - i < 16; i--)
        {
            ulong offset = linked - _byAddress[i].Value;
            if (offset != 0 && offset >= _byAddress[i].Size)
            {
                continue;
            }
            int first = i;
            while (first > 0 && _byAddress[first - 1].Value == _byAddress[i].Value)
            {
                first--;
            }
            for (int j = first; j <= i; j++)
            {
                if (offset == 0 || offset < _byAddress[j].Size)
                {
                    return (_byAddress[j], offset);
                }
            }
        }
        return null;
    }

    /// <summary>"name" or "name+0xoffset", or null when no symbol covers the address.</summary>
    public string? Name(ulong address) => Find(address) is { } hit
        ? hit.Offset == 0 ? hit.Symbol.Name : $"{hit.Symbol.Name}+0x{hit.Offset:x}"
        : null;
}
