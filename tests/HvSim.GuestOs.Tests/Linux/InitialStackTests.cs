using HvSim.GuestOs.Linux;

namespace HvSim.GuestOs.Tests.Linux;

public sealed class InitialStackTests
{
    private const ulong Top = 0x7fff_ffff_f000;

    private static readonly byte[] Random16 = [.. Enumerable.Range(0xa0, 16).Select(i => (byte)i)];

    private static IReadOnlyList<AuxvEntry> StandardAuxv() => HvSim.GuestOs.Linux.StandardAuxv.Create(new ProcessAuxvInfo
    {
        ProgramHeaderAddress = 0x400040,
        ProgramHeaderEntrySize = 56,
        ProgramHeaderCount = 10,
        Entry = 0x401550,
    });

    private static InitialStackSpec Spec(IReadOnlyList<string> argv, IReadOnlyList<string> envp) => new()
    {
        StackTop = Top,
        Argv = argv,
        Envp = envp,
        Auxv = StandardAuxv(),
        ExecFn = "/bin/prog",
        RandomBytes = Random16,
    };

    [Fact]
    public void ArgcArgvEnvpAndStringsAreWhereTheAbiSays()
    {
        InitialStackImage image = InitialStack.Build(Spec(["prog", "a", "bb"], ["X=1", "LONGER=2"]));
        var read = new StackImageReader(image);

        Assert.Equal(0UL, image.StackPointer % 16);
        Assert.Equal(image.Top - image.StackPointer, (ulong)image.Bytes.Length);
        Assert.Equal(3UL, read.Word(image.StackPointer));
        List<ulong> argv = read.NullTerminatedWords(image.StackPointer + 8);
        Assert.Equal(["prog", "a", "bb"], argv.Select(read.CString));
        Assert.Equal(image.ArgvAddress + (4 * 8), image.EnvpAddress);
        List<ulong> envp = read.NullTerminatedWords(image.EnvpAddress);
        Assert.Equal(["X=1", "LONGER=2"], envp.Select(read.CString));
        Assert.Equal(image.EnvpAddress + (3 * 8), image.AuxvAddress);
    }

    [Fact]
    public void StringsAreContiguousBelowTheExecNameAndTheTopWord()
    {
        InitialStackImage image = InitialStack.Build(Spec(["prog", "a"], ["X=1"]));
        var read = new StackImageReader(image);

        Assert.Equal(0UL, read.Word(Top - 8));
        Assert.Equal(Top - 8 - (ulong)"/bin/prog\0".Length, image.ExecFnAddress);
        Assert.Equal("/bin/prog", read.CString(image.ExecFnAddress));
        List<ulong> argv = read.NullTerminatedWords(image.ArgvAddress);
        List<ulong> envp = read.NullTerminatedWords(image.EnvpAddress);
        Assert.Equal(image.StringsAddress, argv[0]);
        Assert.Equal(argv[0] + 5, argv[1]);
        Assert.Equal(argv[1] + 2, envp[0]);
        Assert.Equal(envp[0] + 4, image.ExecFnAddress);
    }

    [Fact]
    public void AuxvIsResolvedAndTerminated()
    {
        InitialStackImage image = InitialStack.Build(Spec(["prog"], []));
        var read = new StackImageReader(image);

        var auxv = new List<AuxvEntry>();
        for (ulong a = image.AuxvAddress; ; a += 16)
        {
            var entry = new AuxvEntry((AuxvType)read.Word(a), read.Word(a + 8));
            auxv.Add(entry);
            if (entry.Type == AuxvType.AT_NULL)
            {
                break;
            }
        }

        Assert.Equal(image.Auxv, auxv);
        Assert.Equal(StandardAuxv().Count + 1, auxv.Count);
        ulong Value(AuxvType type) => auxv.Single(e => e.Type == type).Value;
        Assert.Equal(0x400040UL, Value(AuxvType.AT_PHDR));
        Assert.Equal(56UL, Value(AuxvType.AT_PHENT));
        Assert.Equal(10UL, Value(AuxvType.AT_PHNUM));
        Assert.Equal(0x401550UL, Value(AuxvType.AT_ENTRY));
        Assert.Equal(4096UL, Value(AuxvType.AT_PAGESZ));
        Assert.Equal(image.RandomAddress, Value(AuxvType.AT_RANDOM));
        Assert.Equal(Random16, read.Bytes(image.RandomAddress, 16));
        Assert.Equal("x86_64", read.CString(Value(AuxvType.AT_PLATFORM)));
        Assert.Equal("/bin/prog", read.CString(Value(AuxvType.AT_EXECFN)));
    }

    [Fact]
    public void RandomBytesSitDirectlyBelowThePlatformStringBelowAlignedStrings()
    {
        InitialStackImage image = InitialStack.Build(Spec(["prog", "abc"], ["E=1"]));

        Assert.NotNull(image.PlatformAddress);
        Assert.Equal((image.StringsAddress & ~15UL) - 7, image.PlatformAddress);
        Assert.Equal(image.PlatformAddress - 16, image.RandomAddress);
    }

    // The exact layout a static glibc program saw natively (env -i A=1 BB=22 setarch -R ./dump x yy
    // on Linux 6.18): the same inputs must give the same offsets from the top.
    [Fact]
    public void MatchesTheLayoutANativeStaticProgramSaw()
    {
        AuxvType[] nativeOrder =
        [
            AuxvType.AT_SYSINFO_EHDR, AuxvType.AT_MINSIGSTKSZ, AuxvType.AT_HWCAP, AuxvType.AT_PAGESZ, AuxvType.AT_CLKTCK,
            AuxvType.AT_PHDR, AuxvType.AT_PHENT, AuxvType.AT_PHNUM, AuxvType.AT_BASE, AuxvType.AT_FLAGS, AuxvType.AT_ENTRY,
            AuxvType.AT_UID, AuxvType.AT_EUID, AuxvType.AT_GID, AuxvType.AT_EGID, AuxvType.AT_SECURE, AuxvType.AT_RANDOM,
            AuxvType.AT_HWCAP2, AuxvType.AT_EXECFN, AuxvType.AT_PLATFORM, AuxvType.AT_RSEQ_FEATURE_SIZE, AuxvType.AT_RSEQ_ALIGN,
        ];
        InitialStackImage image = InitialStack.Build(new InitialStackSpec
        {
            StackTop = Top,
            Argv = ["./dump", "x", "yy"],
            Envp = ["A=1", "BB=22"],
            Auxv = [.. nativeOrder.Select(t => new AuxvEntry(t, 0))],
            ExecFn = "./dump",
            RandomBytes = Random16,
        });
        var read = new StackImageReader(image);
        List<ulong> argv = read.NullTerminatedWords(image.ArgvAddress);
        List<ulong> envp = read.NullTerminatedWords(image.EnvpAddress);

        Assert.Equal(Top - 512, image.StackPointer);
        Assert.Equal([Top - 37, Top - 30, Top - 28], argv);
        Assert.Equal([Top - 25, Top - 21], envp);
        Assert.Equal(Top - 448, image.AuxvAddress);
        Assert.Equal(Top - 71, image.RandomAddress);
        Assert.Equal(Top - 55, image.PlatformAddress);
        Assert.Equal(Top - 15, image.ExecFnAddress);
    }

    [Fact]
    public void StackPointerIsAlignedAndPaddingIsMinimalForManyShapes()
    {
        for (int argc = 0; argc < 6; argc++)
        {
            for (int envc = 0; envc < 4; envc++)
            {
                for (int length = 0; length < 20; length++)
                {
                    string[] argv = [.. Enumerable.Range(0, argc).Select(i => new string('a', length + i))];
                    string[] envp = [.. Enumerable.Range(0, envc).Select(i => "V" + new string('v', length))];
                    InitialStackImage image = InitialStack.Build(Spec(argv, envp));

                    Assert.Equal(0UL, image.StackPointer % 16);
                    ulong auxvEnd = image.AuxvAddress + ((ulong)image.Auxv.Count * 16);
                    Assert.InRange(image.RandomAddress - auxvEnd, 0UL, 15UL);
                    Assert.Equal(Top - 8, image.ExecFnAddress + (ulong)"/bin/prog\0".Length);
                    Assert.Equal(image.Top - image.StackPointer, (ulong)image.Bytes.Length);
                }
            }
        }
    }

    [Fact]
    public void EmptyArgvBecomesOneEmptyString()
    {
        InitialStackImage image = InitialStack.Build(Spec([], []));
        var read = new StackImageReader(image);

        Assert.Equal(1, image.Argc);
        Assert.Equal(1UL, read.Word(image.StackPointer));
        Assert.Equal(string.Empty, read.CString(read.Word(image.ArgvAddress)));
    }

    [Fact]
    public void WithoutPlatformNoPlatformStringIsPlaced()
    {
        InitialStackSpec spec = Spec(["p"], []) with
        {
            Platform = null,
            Auxv = [new AuxvEntry(AuxvType.AT_PAGESZ, 4096), new AuxvEntry(AuxvType.AT_RANDOM, 0)],
        };

        InitialStackImage image = InitialStack.Build(spec);

        Assert.Null(image.PlatformAddress);
        Assert.Equal(image.StringsAddress & ~15UL, image.RandomAddress + 16);
    }

    [Fact]
    public void Utf8StringsAreStoredAsUtf8()
    {
        InitialStackImage image = InitialStack.Build(Spec(["prog", "héllo"], []));
        var read = new StackImageReader(image);

        Assert.Equal("héllo", read.CString(read.Word(image.ArgvAddress + 8)));
    }

    [Fact]
    public void BadSpecsAreCallerErrors()
    {
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a\0b"], [])));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a"], []) with { StackTop = Top - 8 }));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a"], []) with { RandomBytes = new byte[8] }));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a"], []) with { Auxv = [new AuxvEntry(AuxvType.AT_NULL, 0)] }));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a"], []) with { Platform = null }));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Spec(["a"], []) with { StackTop = 0x100 }));
    }

    [Fact]
    public void TooLongArgumentsAreRefused()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => InitialStack.Build(Spec(["prog", new string('x', 5000)], []) with { MaxStringBytes = 4096 }));

        Assert.Contains("argument list too long", ex.Message, StringComparison.Ordinal);
    }
}
