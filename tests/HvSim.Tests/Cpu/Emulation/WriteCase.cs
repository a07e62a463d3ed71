using HvSim.HostOracle;
using Iced.Intel;

namespace HvSim.Tests.Cpu.Emulation;

/// <summary>
/// Where a case's accesses go. Applied over the random registers when the case is prepared
/// (<see cref="CaseInput.From"/>), so shrinking a register never moves an access.
/// </summary>
/// <param name="Target">Linear address of the explicit memory operand, or of RDI's first element (strings, maskmovdqu).</param>
/// <param name="Stack">The stack slot push/call write and pop reads (RSP is derived from it).</param>
/// <param name="Source">movs: linear address of the first source element.</param>
/// <param name="Count">rep strings: RCX.</param>
/// <param name="Equal">cmpxchg, cmpxchg8b, cmpxchg16b: memory holds the accumulator, so the compare succeeds.</param>
/// <param name="BitOffset">bts/btr/btc m, r: the offset register's value.</param>
/// <param name="FsBase">FS base (an fs: override adds it).</param>
/// <param name="GsBase">GS base.</param>
public sealed record Placement(ulong Target, ulong Stack, ulong Source, ulong Count, bool Equal, long BitOffset, ulong FsBase, ulong GsBase);

/// <summary>
/// One differential case: one instruction, random registers, flags, XMM registers and memory,
/// and where its accesses go. <see cref="ToString"/> prints it disassembled with the registers it
/// starts from, so FsCheck's counterexample reads as code.
/// </summary>
/// <param name="Family">The instruction family (names the property).</param>
/// <param name="Instruction">The instruction under test, with its IP at <see cref="EmulationLayout.Code"/>.</param>
/// <param name="Gpr">RAX..R15 before placement.</param>
/// <param name="Flags">Status flags and DF.</param>
/// <param name="Xmm">XMM0..XMM15.</param>
/// <param name="MemorySeed">Seed of the image's random bytes; negative for all zero.</param>
/// <param name="Placement">Where the accesses go.</param>
public sealed record WriteCase(string Family, Instruction Instruction, ulong[] Gpr, ulong Flags, Xmm128[] Xmm, int MemorySeed, Placement Placement)
{
    public override string ToString() => WriteCaseText.Describe(this);
}
