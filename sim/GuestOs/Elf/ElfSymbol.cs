namespace HvSim.GuestOs.Elf;

/// <summary>One entry of an ELF's symbol table (Elf64_Sym): a named address, with its size when the toolchain gave one.</summary>
/// <param name="IsFunction">STT_FUNC (code), as opposed to data or an untyped label.</param>
public readonly record struct ElfSymbol(string Name, ulong Value, ulong Size, bool IsFunction);
