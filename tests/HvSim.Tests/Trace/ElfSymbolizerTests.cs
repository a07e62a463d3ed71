using System.Buffers.Binary;
using HvSim.Cli;
using HvSim.Core;
using HvSim.GuestOs.Elf;
using HvSim.Hypervisor;
using HvSim.Tests.Guests;

namespace HvSim.Tests.Trace;

/// <summary>
/// The guest ELF's symbol table and the names the trace gives code addresses. The addresses
/// checked come from elsewhere than the symbol reader: the handler and restorer the guest passed
/// to rt_sigaction (as the kernel recorded them), the entry point from the ELF header.
/// </summary>
public sealed class ElfSymbolizerTests
{
    private static readonly Lazy<byte[]> s_trace = new(() => File.ReadAllBytes(RepositoryPaths.Guest(TraceRecorder.GuestName)));

    [Fact]
    public void The_handler_and_restorer_the_guest_installed_are_named_as_its_source_names_them()
    {
        TraceRecording recording = TraceRecorder.Record(new PlatformOptions { Platform = Platform.Native }, "pt");
        TraceData delivery = recording.Steps.Single(s => s.Kind == EventKind.SignalDelivery).Data;
        ElfSymbolizer symbols = ElfSymbolizer.Of(s_trace.Value);
        // guests/src/trace.c installs pt_handler; guests/rt/sig.c's trampoline is rt_sigreturn_tramp.
        Assert.Equal("pt_handler", symbols.Name(delivery.Handler!.Value));
        Assert.Equal("pt_handler+0x12", symbols.Name(delivery.Handler.Value + 0x12));
        Assert.Equal("rt_sigreturn_tramp", symbols.Name(delivery.Restorer!.Value));
        Assert.Equal("_start", symbols.Name(ElfImage.Parse(s_trace.Value).Entry)); // guests/rt's entry point
        // The text names them the same way: the data stays numeric, the renderer adds the name.
        string text = TraceFormats.Text(recording);
        Assert.Contains("handler pt_handler gets it, returns through rt_sigreturn_tramp", text);
        Assert.Contains("instructions from pt_handler (", text);
        Assert.DoesNotContain($"0x{delivery.Handler.Value:x}", text);
    }

    [Fact]
    public void A_symbols_extent_ends_at_its_size_and_a_size_zero_symbol_names_only_its_address()
    {
        var symbols = new ElfSymbolizer(new ElfSymbol[]
        {
            new("f", 0x1000, 0x20, IsFunction: true),
            new("f_alias_object", 0x1000, 0x20, IsFunction: false),
            new("label", 0x1040, 0, IsFunction: true),
            new("g", 0x1100, 0x10, IsFunction: true),
            new("inner", 0x1104, 0x4, IsFunction: true),
        });
        Assert.Equal("f", symbols.Name(0x1000));          // the function before an object at one address
        Assert.Equal("f+0x1f", symbols.Name(0x101f));
        Assert.Null(symbols.Name(0x1020));                // past f's 0x20 bytes
        Assert.Equal("label", symbols.Name(0x1040));
        Assert.Null(symbols.Name(0x1041));
        Assert.Equal("inner+0x2", symbols.Name(0x1106));  // the nearest start that covers it
        Assert.Equal("g+0x8", symbols.Name(0x1108));      // past inner, still in g
        Assert.Null(symbols.Name(0xfff));
        Assert.Null(symbols.Name(ulong.MaxValue));
    }

    [Fact]
    public void A_stripped_file_has_no_symbols_and_its_addresses_stay_hex()
    {
        byte[] stripped = (byte[])s_trace.Value.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(stripped.AsSpan(40), 0); // e_shoff: no section headers
        Assert.Empty(ElfSymbolTable.Read(stripped));
        Assert.Null(ElfSymbolizer.Of(stripped).Name(ElfImage.Parse(stripped).Entry));
    }

    [Fact]
    public void A_damaged_section_or_symbol_table_is_an_ElfFormatException_never_a_crash()
    {
        byte[] original = s_trace.Value;
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(40));
        int sections = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(60));
        var random = new Random(19);
        int refused = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] mutant = (byte[])original.Clone();
            // Bytes of the section headers (offsets, sizes, links) or of e_shoff/e_shnum themselves.
            int at = i % 8 == 0 ? 40 + random.Next(24) : (int)shoff + random.Next(sections * 64);
            mutant[at] = (byte)random.Next(256);
            try
            {
                _ = ElfSymbolizer.Of(mutant).Name(0x401000);
            }
            catch (ElfFormatException)
            {
                refused++;
            }
        }
        Assert.True(refused > 0, "some mutants are refused");
    }
}
