namespace HvSim.GuestOs.Elf;

// Field offsets and values from the System V ABI (gABI) and /usr/include/elf.h, ELF64 only.
internal static class ElfConstants
{
    public const int HeaderSize = 64;               // sizeof(Elf64_Ehdr)
    public const int ProgramHeaderSize = 56;        // sizeof(Elf64_Phdr)

    // e_ident
    public const int IdentSize = 16;
    public const int EiClass = 4;
    public const int EiData = 5;
    public const byte ElfClass32 = 1;
    public const byte ElfClass64 = 2;
    public const byte ElfData2Lsb = 1;
    public const byte ElfData2Msb = 2;

    // Elf64_Ehdr
    public const int EType = 16;
    public const int EMachine = 18;
    public const int EEntry = 24;
    public const int EPhoff = 32;
    public const int EPhentsize = 54;
    public const int EPhnum = 56;
    public const int EShoff = 40;
    public const int EShentsize = 58;
    public const int EShnum = 60;

    // e_type
    public const ushort EtRel = 1;
    public const ushort EtExec = 2;
    public const ushort EtDyn = 3;
    public const ushort EtCore = 4;

    public const ushort EmX86_64 = 62;

    // Elf64_Phdr
    public const int PType = 0;
    public const int PFlags = 4;
    public const int POffset = 8;
    public const int PVaddr = 16;
    public const int PFilesz = 32;
    public const int PMemsz = 40;
    public const int PAlign = 48;

    // p_type
    public const uint PtLoad = 1;
    public const uint PtInterp = 3;
    public const uint PtTls = 7;
    public const uint PtGnuStack = 0x6474e551;

    public const uint PfMask = 7;                   // PF_X | PF_W | PF_R

    // Elf64_Shdr
    public const int SectionHeaderSize = 64;        // sizeof(Elf64_Shdr)
    public const int ShType = 4;
    public const int ShOffset = 24;
    public const int ShSize = 32;
    public const int ShLink = 40;
    public const uint ShtSymtab = 2;

    // Elf64_Sym
    public const int SymbolSize = 24;               // sizeof(Elf64_Sym)
    public const int StName = 0;
    public const int StInfo = 4;
    public const int StValue = 8;
    public const int StSize = 16;
    public const int SttObject = 1;                 // ELF64_ST_TYPE(st_info)
    public const int SttFunc = 2;

    // Linux's load_elf_binary refuses more program headers than fit in 64 KiB.
    public const int MaxProgramHeaders = 65536 / ProgramHeaderSize;

    // e_phnum == PN_XNUM means "the real count is in section header 0"; Linux does not support it.
    public const ushort PnXnum = 0xffff;

    public const ulong PageSize = 4096;
}
