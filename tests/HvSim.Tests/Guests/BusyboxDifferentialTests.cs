using System.Text;

namespace HvSim.Tests.Guests;

/// <summary>
/// A large static program nobody on the team wrote: Debian's busybox-static. Each case runs one
/// applet natively and under the simulator with the same arguments, environment and stdin; stdout,
/// stderr and the exit status must agree. The simulated kernel has no file system, so the applets
/// work on stdin and stdout (opening a file fails with ENOENT on both sides only where the file
/// does not exist on the host either). Skipped where /bin/busybox is missing or dynamically
/// linked (CI installs it: apt-get install busybox-static) or the host cannot run x86-64 ELFs.
/// </summary>
public sealed class BusyboxDifferentialTests
{
    public const string BusyboxPath = "/bin/busybox";

    private static readonly string[] s_environment = { "LANG=C" };

    private const string Words =
        "banana\napple\ncherry\napple\n10\n9\n100\nbanana\nDate\n\nzebra\n-3\n3.5\napple\n";

    private const string Text =
        "the quick brown fox\njumps over the lazy dog\n\tthe end\nThe Quick Brown Fox, again; 42 times\n";

    private const string Csv = "name,qty,price\napple,3,0.5\npear,10,0.25\nfig,7,1.75\n";

    /// <summary>300 "number word" lines from a fixed linear congruential sequence.</summary>
    private static readonly string s_numbers = MakeNumbers();

    /// <summary>Case name → arguments after the applet name's position (argv[1..]) and stdin.</summary>
    private static readonly Dictionary<string, (string[] Args, string Stdin)> s_cases = new()
    {
        ["echo"] = (new[] { "echo", "hello,", "world", "-n" }, ""),
        ["echo-e"] = (new[] { "echo", "-e", "a\\tb\\x41\\0101\\n" }, ""),
        ["printf"] = (new[] { "printf", "%d|%5s|%-5s|%x|%o|%c|%%\\n", "42", "ab", "cd", "255", "8", "z" }, ""),
        ["printf-float"] = (new[] { "printf", "%5.2f|%e|%g|%.10g\\n", "3.14159", "12345.678", "0.0001", "2.5e-7" }, ""),
        ["seq"] = (new[] { "seq", "1", "1000" }, ""),
        ["seq-step"] = (new[] { "seq", "-s", ",", "-w", "0", "0.25", "3" }, ""),
        ["seq-down"] = (new[] { "seq", "10", "-3", "-20" }, ""),
        ["expr-arith"] = (new[] { "expr", "3", "+", "4", "*", "5", "-", "100", "/", "7", "%", "5" }, ""),
        ["expr-string"] = (new[] { "expr", "substr", "hypervisor", "3", "5" }, ""),
        ["expr-false"] = (new[] { "expr", "2", ">", "3" }, ""),
        ["expr-match"] = (new[] { "expr", "match", "abc123", "[a-z]*" }, ""),
        ["true"] = (new[] { "true" }, ""),
        ["false"] = (new[] { "false" }, ""),
        ["test"] = (new[] { "test", "3", "-lt", "5", "-a", "abc", "!=", "abd" }, ""),
        ["sha256sum"] = (new[] { "sha256sum" }, Text),
        ["sha1sum"] = (new[] { "sha1sum" }, Text),
        ["sha512sum"] = (new[] { "sha512sum" }, Text),
        ["md5sum"] = (new[] { "md5sum" }, Text),
        ["crc32"] = (new[] { "crc32" }, Text),
        ["sha3sum"] = (new[] { "sha3sum", "-a", "256" }, Text),
        ["sort"] = (new[] { "sort" }, Words),
        ["sort-n-r"] = (new[] { "sort", "-n", "-r" }, Words),
        ["sort-keys"] = (new[] { "sort", "-t", " ", "-k2,2", "-k1,1n" }, s_numbers),
        ["sort-u"] = (new[] { "sort", "-u", "-n" }, s_numbers),
        ["uniq-c"] = (new[] { "uniq", "-c" }, "a\na\nb\nc\nc\nc\na\n"),
        ["wc"] = (new[] { "wc" }, Text),
        ["tr"] = (new[] { "tr", "a-z", "A-Z" }, Text),
        ["tr-delete-squeeze"] = (new[] { "tr", "-s", " ", "-d", "aeiou" }, Text),
        ["od"] = (new[] { "od", "-x" }, Text),
        ["od-c"] = (new[] { "od", "-c", "-t", "x4" }, Text),
        ["hexdump"] = (new[] { "hexdump", "-C" }, Text),
        ["base64"] = (new[] { "base64" }, Text),
        ["base64-decode"] = (new[] { "base64", "-d" }, "aHlwZXJ2aXNvci1hc3Npc3RlZCBjaGVja3BvaW50aW5n\n"),
        ["factor"] = (new[] { "factor", "1234567890", "97", "1000000007", "600851475143", "18446744073709551615" }, ""),
        ["cut"] = (new[] { "cut", "-d", ",", "-f", "1,3" }, Csv),
        ["head"] = (new[] { "head", "-n", "7" }, s_numbers),
        ["tail"] = (new[] { "tail", "-n", "5" }, s_numbers),
        ["tac"] = (new[] { "tac" }, Text),
        ["nl"] = (new[] { "nl" }, Text),
        ["fold"] = (new[] { "fold", "-w", "9" }, Text),
        ["grep"] = (new[] { "grep", "-n", "-i", "the" }, Text),
        ["grep-none"] = (new[] { "grep", "-c", "nothing-matches" }, Text),
        ["egrep"] = (new[] { "grep", "-E", "-o", "[0-9]+|fox" }, Text),
        ["awk-sum"] = (new[] { "awk", "{ s += $1; n++ } END { print s, n, s / n; printf \"%.4f %d\\n\", s / 7, s % 97 }" }, s_numbers),
        ["awk-arrays"] = (new[] { "awk", "{ for (i = 1; i <= NF; i++) c[tolower($i)]++ } END { n = 0; for (w in c) n++; print n, c[\"the\"], c[\"fox\"], c[\"fox,\"] }" }, Text),
        ["awk-strings"] = (new[] { "awk", "{ print toupper($1), length($0), substr($0, 3, 5), index($0, \"o\"); s = $0; gsub(/o/, \"0\", s); print s; n = split($0, p, \" \"); print n, p[n] }" }, Text),
        ["awk-math"] = (new[] { "awk", "BEGIN { x = 1; for (i = 1; i <= 20; i++) x *= i; printf \"%d %.6f %.6f %.6f %.6f %d %d\\n\", x, sqrt(2), sin(1), exp(1), log(10), int(-3.7), 2^10; print 1/3, 1e300*1e10, -0.0, 7 % 3, 10 / 4 }" }, ""),
        ["awk-csv"] = (new[] { "awk", "-F", ",", "NR > 1 { total += $2 * $3; printf \"%-6s %6.2f\\n\", $1, $2 * $3 } END { printf \"total %.2f\\n\", total }" }, Csv),
        ["awk-printf"] = (new[] { "awk", "BEGIN { printf \"%5.1f%% %c %x %o %e %s|%-4s|\\n\", 99.44, 65, 255, 8, 123456789, \"str\", \"ab\"; print sprintf(\"%05d\", 42), match(\"foobar\", /ob/), RSTART, RLENGTH }" }, ""),
        ["sed"] = (new[] { "sed", "s/the/THE/g; 2d" }, Text),
        ["sed-regex"] = (new[] { "sed", "-E", "s/([a-z]+) ([a-z]+)/\\2 \\1/; y/abc/xyz/" }, Text),
        ["sed-n"] = (new[] { "sed", "-n", "/fox/p; $=" }, Text),
        ["dc"] = (new[] { "dc", "-e", "2 64 ^ p 17 5 % p 3 4 * 2 + p 10 k 1 3 / p 16 o 255 p" }, ""),
        ["dc-loop"] = (new[] { "dc", "-e", "[1 + d 10 >a] sa 0 la x p" }, ""),
        ["bc"] = (new[] { "bc", "-l" }, "2^100\nscale=20; 4*a(1)\ndefine f(n) { if (n < 2) return n; return f(n-1) + f(n-2); }\nf(18)\nsqrt(2)\n"),
        ["sh"] = (new[] { "sh", "-c", "x=6; echo $((x * 7)); for i in 1 2 3; do echo \"i=$i\"; done; case abc in a*) echo match;; esac; f() { echo \"args $#: $*\"; return 3; }; f a b c; echo \"rc=$?\"; s='hello world'; echo ${#s} ${s%world}" }, ""),
        ["date"] = (new[] { "date", "-u", "-d", "@1000000000", "+%Y-%m-%d %H:%M:%S %j %a %s" }, ""),
        ["cat-missing"] = (new[] { "cat", "/nonexistent/hvsim-file" }, ""),
        ["cat-stdin"] = (new[] { "cat", "-n" }, Text),
        ["gzip"] = (new[] { "gzip", "-c", "-9" }, s_numbers),
        ["bzip2"] = (new[] { "bzip2", "-c" }, s_numbers),
        ["xxd"] = (new[] { "xxd" }, Text),
        ["rev-paste"] = (new[] { "paste", "-s", "-d", ":" }, Csv),
        ["expand"] = (new[] { "expand", "-t", "4" }, Text),
        ["cal"] = (new[] { "cal", "2", "2024" }, ""),
        ["uname"] = (new[] { "uname", "-s", "-m" }, ""),
        ["dd"] = (new[] { "dd", "bs=7", "count=3", "status=none" }, Text),
        ["pwd"] = (new[] { "pwd" }, ""),
        ["basename"] = (new[] { "basename", "/a/b/c.txt", ".txt" }, ""),
    };

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string name in s_cases.Keys)
        {
            data.Add(name);
        }
        return data;
    }

    [BusyboxTheory]
    [MemberData(nameof(Cases))]
    public void AppletMatchesHostRun(string name)
    {
        (string[] args, string stdin) = s_cases[name];
        byte[] input = Encoding.UTF8.GetBytes(stdin);
        // The simulated process lives in "/" (no file system); the host run starts there too.
        GuestRun native = GuestRun.Native(BusyboxPath, args, s_environment, input, workingDirectory: "/");
        GuestRun simulated = GuestRun.Simulated(BusyboxPath, args, s_environment, input, maxInstructions: 1_000_000_000);
        string where = $"busybox {string.Join(' ', args)} (hvsim: {simulated.FatalReport ?? "exited normally"})";
        Assert.False(native.StderrText.Contains("applet not found", StringComparison.Ordinal), $"{where}: this busybox has no such applet");
        Assert.True(native.StdoutText == simulated.StdoutText,
            $"{where}: stdout differs\n{CsmithDifferentialTests.FirstDifference(native.StdoutText, simulated.StdoutText)}");
        Assert.True(native.StderrText == simulated.StderrText,
            $"{where}: stderr differs\n--- host ---\n{native.StderrText}\n--- hvsim ---\n{simulated.StderrText}");
        Assert.True(native.ExitStatus == simulated.ExitStatus, $"{where}: exit status {simulated.ExitStatus}, host {native.ExitStatus}");
    }

    [BusyboxTheory]
    [InlineData("false", 1)]
    [InlineData("cat-missing", 1)]
    [InlineData("expr-false", 1)]
    [InlineData("true", 0)]
    public void FailingAppletsReallyFail(string name, int status)
    {
        // The comparison above would also pass if both sides failed the same way for a bad reason;
        // these cases must fail, and the others must succeed.
        (string[] args, string stdin) = s_cases[name];
        GuestRun simulated = GuestRun.Simulated(BusyboxPath, args, s_environment, Encoding.UTF8.GetBytes(stdin));
        Assert.Equal(status, simulated.ExitStatus);
    }

    private static string MakeNumbers()
    {
        var text = new StringBuilder();
        uint x = 12345;
        for (int i = 0; i < 300; i++)
        {
            x = (x * 1103515245) + 12345;
            text.Append((x >> 16) % 1000).Append(" w").Append((x >> 8) % 37).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Why the busybox tests cannot run here, or null when they can.</summary>
    internal static string? Missing { get; } = FindMissing();

    private static string? FindMissing()
    {
        if (!GuestRun.HostCanRunGuests)
        {
            return "the host cannot run x86-64 Linux ELFs (the reference)";
        }
        if (!File.Exists(BusyboxPath))
        {
            return $"{BusyboxPath} is missing (apt-get install busybox-static)";
        }
        return IsStaticElf(File.ReadAllBytes(BusyboxPath)) ? null : $"{BusyboxPath} is not a static x86-64 ELF (apt-get install busybox-static)";
    }

    /// <summary>An x86-64 ELF executable with no PT_INTERP (no dynamic loader).</summary>
    private static bool IsStaticElf(byte[] elf)
    {
        const int PtInterp = 3;
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F'
            || elf[4] != 2 || BitConverter.ToUInt16(elf, 18) != 62)
        {
            return false;
        }
        long phoff = (long)BitConverter.ToUInt64(elf, 32);
        int phentsize = BitConverter.ToUInt16(elf, 54);
        int phnum = BitConverter.ToUInt16(elf, 56);
        for (int i = 0; i < phnum; i++)
        {
            long at = phoff + ((long)i * phentsize);
            if (at + 4 > elf.Length || BitConverter.ToUInt32(elf, (int)at) == PtInterp)
            {
                return false;
            }
        }
        return true;
    }
}

/// <summary>A theory skipped (not failed) where a static /bin/busybox is not available.</summary>
public sealed class BusyboxTheoryAttribute : TheoryAttribute
{
    public BusyboxTheoryAttribute()
    {
        if (BusyboxDifferentialTests.Missing is { } missing)
        {
            Skip = $"busybox differential tests need a static busybox: {missing}";
        }
    }
}
