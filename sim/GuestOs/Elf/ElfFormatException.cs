namespace HvSim.GuestOs.Elf;

/// <summary>
/// The file is not an ELF program HvSim can run. The message is one human-readable line (the
/// CLI prints <see cref="Exception.Message"/> as is), so it never carries a stack trace or a
/// newline.
/// </summary>
public sealed class ElfFormatException : Exception
{
    public ElfFormatException(string message)
        : base(message)
    {
    }
}
