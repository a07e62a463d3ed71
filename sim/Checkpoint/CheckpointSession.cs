using HvSim.Checkpoint.Audit;
using HvSim.Checkpoint.UserLevel;
using HvSim.Core;
using HvSim.Cpu;
using HvSim.GuestOs.Kernel;

namespace HvSim.Checkpoint;

/// <summary>What the backup check found.</summary>
public sealed class BackupCheck(bool equal, string detail, CdaImage? primary, CdaImage? backup)
{
    // Hashed when first asked for: a report prints the digests, but most runs (reproduce's 300, the
    // tests') only need Equal, and hashing costs a pass over each whole CDA (8 MiB for a workload).
    private readonly Lazy<string?> _primarySha256 = new(() => primary?.Sha256());
    private readonly Lazy<string?> _backupSha256 = new(() => backup?.Sha256());

    public bool Equal { get; } = equal;

    public string Detail { get; } = detail;

    /// <summary>SHA-256 of the CDA the backup was compared with (null when it could not be read).</summary>
    public string? PrimarySha256 => _primarySha256.Value;

    /// <summary>SHA-256 of the backup's CDA (null when no CDA was registered).</summary>
    public string? BackupSha256 => _backupSha256.Value;
}

/// <summary>
/// One completed commit, for observers: its record always; the primary's CDA before and after it
/// only with <see cref="CheckpointOptions.KeepCommittedImage"/> (each costs a read of the whole CDA).
/// </summary>
public sealed record CommitInfo(long Index, CheckpointRecord Record, byte[]? PreviousImage, byte[]? Image);

/// <summary>
/// The simulator's side of a checkpointed run: it plays the Dom0 tool that launched the
/// application (QUERY hands out the technique and token), serves the library's escapes
/// (docs/checkpoint-abi.md), runs Emul's user-level emulator, and is the checkpoint data path:
/// at each ckpt_end the record is copied into the helper buffer, then the backup applies it whole.
/// </summary>
public sealed class CheckpointSession
{
    private const long EINVAL = 22;

    private readonly GuestKernel _kernel;
    private readonly CheckpointOptions _options;
    private readonly UserLevelEmulator _emul;
    private readonly ulong _token;
    private BackupCda? _backup;
    private readonly HelperBuffer _staged = new();
    private readonly HashSet<ulong> _wholePages = new();
    private readonly CheckpointRecord _record = CheckpointRecord.Reusable(); // parsed into at every commit
    private GuestReader? _readGuest; // made once: a method group would allocate a delegate per commit
    private ulong _cdaLength;
    private CdaImage? _finalPrimary;
    private WriteAudit? _audit;
    private string? _failure;

    public CheckpointSession(GuestKernel kernel, CheckpointOptions options, string application)
    {
        if (!Techniques.SupportedOn(options.Technique, kernel.Options.Platform.Platform))
        {
            throw new ArgumentException(Techniques.WhyUnsupported(options.Technique, kernel.Options.Platform.Platform));
        }
        _kernel = kernel;
        _options = options;
        _emul = new UserLevelEmulator(kernel.Machine, kernel.Platform);
        if (Techniques.InHypervisor(options.Technique))
        {
            // The token grants this technique only (its number is int 0x84 Register's mode).
            _token = kernel.Platform.Dom0!.Allow(application, (ulong)options.Technique);
        }
        kernel.EscapeCalled = Serve;
        Action<Process>? exiting = kernel.ProcessExiting;
        kernel.ProcessExiting = process =>
        {
            exiting?.Invoke(process);
            _finalPrimary = ReadCdaImage();
            _audit?.Stop();
        };
    }

    public Technique Technique => _options.Technique;

    public CheckpointStats Stats { get; } = new();

    /// <summary>The ground-truth audit's findings (null when <see cref="CheckpointOptions.Audit"/> is off or nothing was registered).</summary>
    public AuditTotals? Audit => _audit?.Totals;

    /// <summary>Whether the application registered a CDA.</summary>
    public bool Registered => _backup is not null;

    public ulong CdaStart => _backup?.Start ?? 0;

    public ulong CdaLength => _cdaLength;

    /// <summary>The backup's image (null before registration).</summary>
    public byte[]? BackupImage => _backup?.Image.ToArray();

    /// <summary>Pages of the backup that hold host memory (those not all zero): what a large, little-used CDA costs.</summary>
    public int BackupStoredPages => _backup?.Image.StoredPages ?? 0;

    /// <summary>The primary's CDA as of the last completed commit (kept with <see cref="CheckpointOptions.KeepCommittedImage"/>).</summary>
    public byte[]? CommittedImage { get; private set; }

    /// <summary>The first thing that went wrong on the data path (a malformed record, a failed per-commit check), or null.</summary>
    public string? Failure => _failure;

    /// <summary>Called after every commit the backup applied.</summary>
    public event Action<CommitInfo>? Committed;

    private EventLedger Ledger => _kernel.Ledger;

    private HvSim.Cpu.Cpu Cpu => _kernel.Cpu;

    /// <summary>The backup compared with the primary as the process left it (at exit) or as it is now.</summary>
    public BackupCheck CheckAtExit()
    {
        if (_backup is null)
        {
            return new BackupCheck(true, "no CDA was registered", null, null);
        }
        CdaImage? primary = _finalPrimary ?? ReadCdaImage();
        return Compare(primary, "the primary");
    }

    /// <summary>
    /// After a crash: what recovery yields (the backup) compared with the primary as of the last
    /// completed ckpt_end. Needs <see cref="CheckpointOptions.KeepCommittedImage"/>.
    /// </summary>
    public BackupCheck CheckRecovery()
    {
        if (_backup is null)
        {
            return new BackupCheck(true, "the crash came before registration: nothing to recover", null, null);
        }
        return Compare(CommittedImage is null ? null : CdaImage.FromBytes(CommittedImage), "the primary as of the last ckpt_end");
    }

    private BackupCheck Compare(CdaImage? expected, string what)
    {
        CdaImage backup = _backup!.Image;
        if (expected is null)
        {
            return new BackupCheck(false, $"{what} could not be read", null, backup);
        }
        if (_failure is not null)
        {
            return new BackupCheck(false, _failure, expected, backup);
        }
        long first = expected.FirstDifference(backup);
        return first < 0
            ? new BackupCheck(true, $"backup equals {what}", expected, backup)
            : new BackupCheck(false, $"backup differs from {what} at CDA offset 0x{first:x} ({expected.CountDifferences(backup)} bytes differ)", expected, backup);
    }

    private void Serve(Process process)
    {
        ulong function = Cpu.R(Reg.Rdi);
        ulong a1 = Cpu.R(Reg.Rsi), a2 = Cpu.R(Reg.Rdx), a3 = Cpu.R(Reg.R10);
        switch ((EscapeFunction)function)
        {
            case EscapeFunction.Query:
                Cpu.R(Reg.Rax) = (ulong)_options.Technique;
                Cpu.R(Reg.Rdx) = _token;
                break;
            case EscapeFunction.Register:
                Cpu.R(Reg.Rax) = (ulong)Register(a1, a2);
                break;
            case EscapeFunction.Emulate:
                Cpu.R(Reg.Rax) = _options.Technique == Technique.Emul && _backup is not null
                    ? _emul.Emulate(a1, a2, a3, _backup.Start, _cdaLength)
                    : UserLevelEmulator.CannotEmulate;
                break;
            case EscapeFunction.Commit:
                Cpu.R(Reg.Rax) = (ulong)Commit(a1);
                break;
            default:
                Cpu.R(Reg.Rax) = unchecked((ulong)-EINVAL);
                break;
        }
    }

    private long Register(ulong cda, ulong length)
    {
        if (_backup is not null || length == 0 || (cda & 0xFFF) != 0 || length > HvSim.Hypervisor.Techniques.CheckpointTechniques.MaxCdaBytes
            || !UserRange.IsUserBuffer(cda, length))
        {
            return -EINVAL; // the host's per-page bookkeeping (about 16 MiB per GiB) stays bounded by MaxCdaBytes, 4 GiB (issue 13: 2-4 GiB was an internal error while the backup was a host array); outside the user half it cannot be the process's
        }
        AddressSpace space = _kernel.CurrentProcess!.Space;
        if (!space.IsReadable(cda, length))
        {
            return -EINVAL; // checked before the backup is allocated: a refused call costs the host nothing (issue 13)
        }
        _cdaLength = length;
        CdaImage? image = ReadCdaImage(space, cda, length);
        if (image is null)
        {
            _cdaLength = 0;
            return -EINVAL;
        }
        // The initial full checkpoint: the whole CDA goes to the backup (its pages of zeros cost the host nothing).
        _backup = new BackupCda(cda, image);
        if (_options.Audit)
        {
            _audit = WriteAudit.Start(_kernel, _kernel.CurrentProcess!, cda, length);
        }
        Stats.CopiedBytes += (long)length;
        Ledger.Add(EventKind.CopyBytes, Layer.User, (long)length, !Ledger.IsTracing ? null : new TraceData("initial checkpoint: {count} bytes") { Count = (long)length });
        if (_options.KeepCommittedImage)
        {
            CommittedImage = image.ToArray();
        }
        return 0;
    }

    private long Commit(ulong recordAddress)
    {
        if (_backup is null)
        {
            return -EINVAL;
        }
        CheckpointRecord record = _record;
        if (!CheckpointRecord.TryReadInto(_readGuest ??= ReadGuest, recordAddress, _backup.Start, _cdaLength, record, out string error))
        {
            _failure ??= $"commit {Stats.Commits + 1}: {error}";
            return -EINVAL;
        }
        if (_audit?.EndCycle(record) is string miss)
        {
            _failure ??= miss;
        }
        // The helper copies the record out of the primary first; the backup applies it only
        // once all of it has arrived. One commit per cycle: the helper buffer, the set of whole
        // pages and the page copies are the session's, reused from one commit to the next (the
        // backup copies what it applies, so nothing keeps them).
        HelperBuffer staged = _staged;
        staged.Clear();
        HashSet<ulong> wholePages = _wholePages;
        wholePages.Clear();
        foreach (ulong page in record.PageList)
        {
            if (!wholePages.Add(page))
            {
                continue; // listed twice: copied once, in the order of its first listing
            }
            byte[] contents = staged.RentPage();
            if (!ReadGuest(page, contents))
            {
                _failure ??= $"commit {Stats.Commits + 1}: dirty page 0x{page:x} is not readable";
                return -EINVAL;
            }
            staged.Pages.Add((page, contents));
        }
        // A page listed whole is copied as it is now, which already holds every word logged for
        // it earlier in the cycle (Emul logs words until an instruction falls back to tracking
        // the page); applying those older words after it would undo newer writes.
        foreach (LoggedWord word in record.WordList)
        {
            if (!wholePages.Contains(word.Address & ~0xFFFUL))
            {
                staged.Words.Add(word);
            }
        }
        // Dirty 128-byte blocks (spp) are copied from the primary now, as pages are, as the
        // words of 16 bytes the helper buffer carries; a block of a page listed whole is in its copy.
        long blockPages = StageBlocks(record, wholePages, staged);
        if (blockPages < 0)
        {
            _failure ??= $"commit {Stats.Commits + 1}: a dirty block is not readable";
            return -EINVAL;
        }
        _backup.Apply(staged);

        Stats.Commits++;
        Stats.DirtyPages += record.Pages.Count + blockPages;
        Stats.LoggedWords += record.Words.Count;
        Stats.LoggedBytes += record.LoggedBytes;
        Stats.CopiedBytes += staged.Bytes;
        Stats.Fallbacks += (long)record.Fallbacks;
        if (Techniques.ListedByLibrary(_options.Technique) && record.Pages.Count > 0)
        {
            // The user-level library listed these pages itself (real guest code): counted here.
            Ledger.Add(EventKind.DirtyLogAppend, Layer.User, record.Pages.Count);
        }
        Ledger.Add(EventKind.CopyBytes, Layer.User, staged.Bytes, !Ledger.IsTracing ? null
            : new TraceData("commit: {pages} pages and {words} words ({count} bytes) to the helper, applied by the backup")
            {
                Count = staged.Bytes,
                Pages = staged.Pages.Count,
                Words = staged.Words.Count,
            });
        VerifyAndKeep(record);
        return 0;
    }

    /// <summary>Stages the record's blocks outside whole pages; returns the pages they dirtied, or -1 when one cannot be read.</summary>
    private long StageBlocks(CheckpointRecord record, HashSet<ulong> wholePages, HelperBuffer staged)
    {
        if (record.Blocks.Count == 0)
        {
            return 0;
        }
        var pages = new HashSet<ulong>();
        var blocks = new HashSet<ulong>();
        Span<byte> block = stackalloc byte[CheckpointRecord.BlockBytes];
        foreach (ulong address in record.Blocks)
        {
            if (wholePages.Contains(address & ~0xFFFUL) || !blocks.Add(address))
            {
                continue; // in its page's copy, or listed twice: copied once
            }
            if (!ReadGuest(address, block))
            {
                return -1;
            }
            pages.Add(address & ~0xFFFUL);
            for (int offset = 0; offset < block.Length; offset += 16)
            {
                staged.Words.Add(new LoggedWord(address + (ulong)offset, 16, System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(block[offset..])));
            }
        }
        return pages.Count;
    }

    private void VerifyAndKeep(CheckpointRecord record)
    {
        // Reading the primary costs a pass over the whole CDA: only the checks that need it pay.
        byte[]? primary = _options.VerifyEveryCommit || _options.KeepCommittedImage ? ReadCda() : null;
        if (_options.VerifyEveryCommit && _failure is null)
        {
            long first = primary is null ? 0 : CdaImage.FromBytes(primary).FirstDifference(_backup!.Image);
            if (first >= 0)
            {
                _failure = $"after commit {Stats.Commits}: backup differs from the primary at CDA offset 0x{first:x}";
            }
        }
        byte[]? previous = _options.KeepCommittedImage ? CommittedImage : null;
        if (_options.KeepCommittedImage && primary is not null)
        {
            CommittedImage = primary;
        }
        if (Committed is { } committed)
        {
            // Observers may keep what they are given: a copy of the reused record.
            committed(new CommitInfo(Stats.Commits, record.Copy(), previous, _options.KeepCommittedImage ? primary : null));
        }
    }

    private byte[]? ReadCda()
    {
        if (_backup is null || _kernel.CurrentProcess is not Process process)
        {
            return null;
        }
        var image = new byte[_cdaLength];
        return _kernel.UserMemory.CopyFrom(process.Space, _backup.Start, image) ? image : null;
    }

    /// <summary>The primary's CDA as it is now, page by page (null when it cannot be read).</summary>
    private CdaImage? ReadCdaImage()
    {
        if (_backup is null || _kernel.CurrentProcess is not Process process)
        {
            return null;
        }
        return ReadCdaImage(process.Space, _backup.Start, _cdaLength);
    }

    /// <summary>
    /// Reads [cda, cda + length) page by page into a sparse image: the same accesses, in the same
    /// order, as one copy of the whole range (copy_from_user goes page by page too), without a
    /// host array of the CDA's size. Null when a page cannot be read.
    /// </summary>
    private CdaImage? ReadCdaImage(AddressSpace space, ulong cda, ulong length)
    {
        var image = new CdaImage(length);
        Span<byte> page = stackalloc byte[4096];
        for (int i = 0; i < image.PageCount; i++)
        {
            Span<byte> bytes = page[..image.PageLength(i)];
            if (!_kernel.UserMemory.CopyFrom(space, cda + ((ulong)i << 12), bytes))
            {
                return null;
            }
            image.SetPage(i, bytes);
        }
        return image;
    }

    private bool ReadGuest(ulong address, Span<byte> destination) =>
        _kernel.CurrentProcess is Process process && _kernel.UserMemory.CopyFrom(process.Space, address, destination);

}
