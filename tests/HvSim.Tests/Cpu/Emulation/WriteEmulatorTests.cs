using System.Buffers.Binary;
using HvSim.Cpu.Emulation;
using HvSim.Mmu;
using Iced.Intel;
using Encoder = Iced.Intel.Encoder;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// Named cases of the engine's contract: one element per call for rep strings, page-split staged
/// writes, all-or-nothing on refusal, fault and unsupported instructions, and the shortened fetch
/// at the end of a readable page.
/// </summary>
public sealed class WriteEmulatorTests
{
    private const ulong CodeBase = 0x40_0000;
    private const ulong PageA = 0x60_0000;       // writable
    private const ulong PageB = PageA + 0x1000;  // readable, writes rejected
    private const ulong Unmapped = 0x70_0000;

    private const int Rax = 0, Rcx = 1, Rbx = 3, Rsi = 6, Rdi = 7;

    [Fact]
    public void Rep_stos_emulates_one_element_per_call_and_faults_on_the_page_the_view_rejects()
    {
        (CpuState state, PagedView view) = Setup(Instruction.CreateStosq(64, RepPrefixKind.Repe));
        state.Gpr[Rax] = 0x1122_3344_5566_7788;
        state.Gpr[Rcx] = 3;
        state.Gpr[Rdi] = PageB - 8; // element 1 fits in page A, element 2 is in page B
        var engine = new WriteEmulator();

        EmulationResult first = engine.Emulate(state, view);

        Assert.Equal(EmulationStatus.Emulated, first.Status);
        Assert.Equal(1, first.Writes);
        Assert.Equal(2UL, state.Gpr[Rcx]);
        Assert.Equal(PageB, state.Gpr[Rdi]);
        Assert.Equal(CodeBase, state.Rip); // RCX != 0: RIP stays on the instruction
        Assert.Equal(0x1122_3344_5566_7788UL, BinaryPrimitives.ReadUInt64LittleEndian(view.Peek(PageB - 8, 8)));

        CpuState afterFirst = Clone(state);
        EmulationResult second = engine.Emulate(state, view);

        Assert.Equal(EmulationStatus.Fault, second.Status);
        Assert.Equal(new MemoryFault(FaultKind.PageFault, PageB, PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User), second.Fault);
        AssertSameState(afterFirst, state);
        Assert.Single(view.Commits);
        Assert.Contains("stos", second.Disassembly, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_straddling_two_pages_is_staged_as_two_writes()
    {
        Instruction mov = Instruction.Create(Code.Mov_rm64_r64, new MemoryOperand(Register.RBX), Register.RAX);
        (CpuState state, PagedView view) = Setup(mov);
        view.Map(PageB, PageAccess.ReadWrite);
        state.Gpr[Rax] = 0x8877_6655_4433_2211;
        state.Gpr[Rbx] = PageB - 3;

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(2, result.Writes);
        StagedWrite[] writes = Assert.Single(view.Commits);
        Assert.Equal(new StagedWrite(PageB - 3, 3, 0x33_2211), writes[0]);
        Assert.Equal(new StagedWrite(PageB, 5, 0x88_7766_5544), writes[1]);
        Assert.Equal(CodeBase + (ulong)Encode(mov, CodeBase).Length, state.Rip);
        Assert.Equal(new byte[] { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 }, view.Peek(PageB - 3, 8));
    }

    [Fact]
    public void The_same_store_again_is_emulated_again_and_new_bytes_at_the_same_address_are_decoded_afresh()
    {
        Instruction movQword = Instruction.Create(Code.Mov_rm64_r64, new MemoryOperand(Register.RBX), Register.RAX);
        (CpuState state, PagedView view) = Setup(movQword);
        state.Gpr[Rax] = 0x0102_0304_0506_0708;
        state.Gpr[Rbx] = PageA + 0x40;
        var engine = new WriteEmulator();
        for (int i = 0; i < 3; i++)
        {
            state.Rip = CodeBase;
            state.Gpr[Rbx] = PageA + 0x40 + ((ulong)i * 8);
            Assert.Equal(EmulationStatus.Emulated, engine.Emulate(state, view).Status);
        }
        Assert.Equal(3, view.Commits.Count);
        Assert.All(view.Commits, c => Assert.Equal(8, Assert.Single(c).Size));

        // Self-modifying code: a byte store at the same address must not run as the cached qword store.
        Instruction movByte = Instruction.Create(Code.Mov_rm8_r8, new MemoryOperand(Register.RBX), Register.AL);
        view.Map(CodeBase, PageAccess.ReadExecute, Encode(movByte, CodeBase));
        state.Rip = CodeBase;
        state.Gpr[Rbx] = PageA + 0x100;
        EmulationResult result = engine.Emulate(state, view);
        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(1, Assert.Single(view.Commits[^1]).Size);
        Assert.Equal(CodeBase + (ulong)Encode(movByte, CodeBase).Length, state.Rip);
    }

    [Fact]
    public void An_unsupported_store_changes_nothing()
    {
        (CpuState state, PagedView view) = Setup(Instruction.Create(Code.Fnstcw_m2byte, new MemoryOperand(Register.RBX)));
        state.Gpr[Rbx] = PageA + 0x10;
        CpuState before = Clone(state);

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Unsupported, result.Status);
        Assert.Contains("fnstcw", result.Disassembly, StringComparison.Ordinal);
        AssertSameState(before, state);
        Assert.Equal(0, view.CommitCalls);
        Assert.False(WriteEmulator.Supports(Mnemonic.Fnstcw));
    }

    [Fact]
    public void A_refused_commit_leaves_state_and_memory_unchanged()
    {
        (CpuState state, PagedView view) = Setup(Instruction.Create(Code.Add_rm32_r32, new MemoryOperand(Register.RBX), Register.EAX));
        view.AcceptCommits = false;
        state.Gpr[Rax] = 5;
        state.Gpr[Rbx] = PageA + 0x20;
        CpuState before = Clone(state);

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Unsupported, result.Status);
        Assert.Equal(1, view.CommitCalls);
        AssertSameState(before, state);
        Assert.All(view.Page(PageA), b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_read_fault_is_reported_with_the_views_fault()
    {
        (CpuState state, PagedView view) = Setup(Instruction.CreateMovsq(64));
        state.Gpr[Rsi] = Unmapped + 0x18;
        state.Gpr[Rdi] = PageA;
        CpuState before = Clone(state);

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Fault, result.Status);
        Assert.Equal(new MemoryFault(FaultKind.PageFault, Unmapped + 0x18, PageFaultErrorCode.User), result.Fault);
        AssertSameState(before, state);
        Assert.Equal(0, view.CommitCalls);
    }

    [Fact]
    public void A_rep_string_with_rcx_zero_does_nothing_but_advance_rip()
    {
        Instruction stos = Instruction.CreateStosb(64, RepPrefixKind.Repe);
        (CpuState state, PagedView view) = Setup(stos);
        state.Gpr[Rdi] = Unmapped; // never touched

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(0, result.Writes);
        Assert.Equal(0, view.CommitCalls);
        Assert.Equal(CodeBase + (ulong)Encode(stos, CodeBase).Length, state.Rip);
    }

    [Fact]
    public void An_instruction_that_ends_at_a_readable_page_end_is_fetched_without_the_next_page()
    {
        Instruction mov = Instruction.Create(Code.Mov_rm32_r32, new MemoryOperand(Register.RBX), Register.EAX); // 89 03
        byte[] bytes = Encode(mov, CodeBase + 0xFFE);
        var view = new PagedView();
        var page = new byte[4096];
        bytes.CopyTo(page, 0xFFE);
        view.Map(CodeBase, PageAccess.ReadExecute, page);
        view.Map(PageA, PageAccess.ReadWrite);
        var state = new CpuState { Rip = CodeBase + 0xFFE, Rflags = 0x202 };
        state.Gpr[Rax] = 0xDEAD_BEEF;
        state.Gpr[Rbx] = PageA;

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(CodeBase + 0x1000, state.Rip);
        Assert.Equal(0xDEAD_BEEFu, BinaryPrimitives.ReadUInt32LittleEndian(view.Peek(PageA, 4)));
    }

    [Fact]
    public void An_instruction_running_into_an_unfetchable_page_faults_there()
    {
        Instruction mov = Instruction.Create(Code.Mov_rm32_imm32, new MemoryOperand(Register.RBX), 7); // c7 03 imm32
        byte[] bytes = Encode(mov, CodeBase + 0xFFE);
        var view = new PagedView();
        var page = new byte[4096];
        bytes.AsSpan(0, 2).CopyTo(page.AsSpan(0xFFE));
        view.Map(CodeBase, PageAccess.ReadExecute, page);
        var state = new CpuState { Rip = CodeBase + 0xFFE, Rflags = 0x202 };
        CpuState before = Clone(state);

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Fault, result.Status);
        Assert.Equal(new MemoryFault(FaultKind.PageFault, CodeBase + 0x1000, PageFaultErrorCode.InstructionFetch | PageFaultErrorCode.User), result.Fault);
        AssertSameState(before, state);
    }

    [Fact]
    public void Rflags_bits_the_cpu_does_not_model_survive_and_status_flags_are_the_instructions()
    {
        (CpuState state, PagedView view) = Setup(Instruction.Create(Code.Sub_rm8_imm8, new MemoryOperand(Register.RBX), 1));
        const ulong tf = 1UL << 8, rf = 1UL << 16;
        state.Rflags = 0x202 | tf | rf | 0x8D5; // every status flag set, DF clear
        state.Gpr[Rbx] = PageA; // the byte there is 0: 0 - 1 borrows

        EmulationResult result = new WriteEmulator().Emulate(state, view);

        Assert.Equal(EmulationStatus.Emulated, result.Status);
        Assert.Equal(0x202 | tf | rf | 0x95UL, state.Rflags); // CF PF AF SF; ZF and OF clear
        Assert.Equal(0xFF, view.Peek(PageA, 1)[0]);
    }

    [Theory]
    [InlineData(Mnemonic.Mov, true)]
    [InlineData(Mnemonic.Add, true)]
    [InlineData(Mnemonic.Cmpxchg16b, true)]
    [InlineData(Mnemonic.Stosq, true)]
    [InlineData(Mnemonic.Movsd, true)]
    [InlineData(Mnemonic.Push, true)]
    [InlineData(Mnemonic.Movdqa, true)]
    [InlineData(Mnemonic.Fstp, true)]
    [InlineData(Mnemonic.Fnstcw, false)]
    [InlineData(Mnemonic.Fnstsw, true)]
    [InlineData(Mnemonic.Fnstenv, true)]
    [InlineData(Mnemonic.Fxsave, true)]
    [InlineData(Mnemonic.Fld, false)]
    [InlineData(Mnemonic.Stmxcsr, false)]
    [InlineData(Mnemonic.Syscall, false)]
    [InlineData(Mnemonic.Int, false)]
    [InlineData(Mnemonic.Cmp, false)]
    public void The_supported_set_is_an_explicit_list(Mnemonic mnemonic, bool supported)
    {
        Assert.Equal(supported, WriteEmulator.Supports(mnemonic));
    }

    // --- helpers ---

    /// <summary>The instruction at <see cref="CodeBase"/>, page A writable, page B read-only, RSP in page A.</summary>
    private static (CpuState, PagedView) Setup(Instruction instruction)
    {
        var view = new PagedView();
        view.Map(CodeBase, PageAccess.ReadExecute, Encode(instruction, CodeBase));
        view.Map(PageA, PageAccess.ReadWrite);
        view.Map(PageB, PageAccess.Read);
        var state = new CpuState { Rip = CodeBase, Rflags = 0x202 };
        state.Gpr[4] = PageA + 0x800;
        return (state, view);
    }

    private static byte[] Encode(Instruction instruction, ulong ip)
    {
        var writer = new Writer();
        Encoder.Create(64, writer).Encode(instruction, ip);
        return writer.Bytes.ToArray();
    }

    private static CpuState Clone(CpuState state)
    {
        var copy = new CpuState { Rip = state.Rip, Rflags = state.Rflags, FsBase = state.FsBase, GsBase = state.GsBase, Mxcsr = state.Mxcsr };
        state.Gpr.CopyTo(copy.Gpr, 0);
        state.Xmm.CopyTo(copy.Xmm, 0);
        return copy;
    }

    private static void AssertSameState(CpuState expected, CpuState actual)
    {
        Assert.Equal(expected.Gpr, actual.Gpr);
        Assert.Equal(expected.Rip, actual.Rip);
        Assert.Equal(expected.Rflags, actual.Rflags);
        Assert.Equal(expected.Xmm, actual.Xmm);
        Assert.Equal(expected.FsBase, actual.FsBase);
        Assert.Equal(expected.GsBase, actual.GsBase);
        Assert.Equal(expected.Mxcsr, actual.Mxcsr);
    }

    private sealed class Writer : CodeWriter
    {
        public List<byte> Bytes { get; } = [];

        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
