using HvSim.Core;
using HvSim.Mmu;
using Iced.Intel;

namespace HvSim.Hypervisor;

/// <summary>
/// Emulates a guest kernel's trapped store to a page-table page, as Xen's ptwr and shadow code
/// do with x86_emulate: decode the faulting instruction, check it is a plain store of a whole
/// entry, perform it. The simulated kernel's PTE store is the instruction Linux uses for
/// set_pte, mov [rdi], rsi; the hypervisor decodes it at every trap (an InstructionDecode event
/// each time). Its bytes never change, so the host decodes them with Iced once: a decoder object
/// per trapped PTE write was 2 KiB of garbage per PT fault cycle under shadow paging (issue 15).
/// </summary>
public sealed class PageTableWriteEmulator
{
    private static readonly byte[] s_setPte = { 0x48, 0x89, 0x37 }; // mov qword ptr [rdi], rsi

    private static readonly Instruction s_setPteInstruction = Decode(s_setPte);

    private readonly Machine _machine;

    public PageTableWriteEmulator(Machine machine)
    {
        _machine = machine;
    }

    public void EmulateStore(GuestPhysical entryAddress, ulong value, ulong virtualAddress)
    {
        Instruction instruction = s_setPteInstruction;
        if (instruction.Mnemonic != Mnemonic.Mov || instruction.Op0Kind != OpKind.Memory || instruction.MemorySize.GetSize() != 8)
        {
            throw new InvalidOperationException("page-table write emulation only handles whole-entry stores");
        }
        EventLedger ledger = _machine.Ledger;
        ledger.Add(EventKind.InstructionDecode, Layer.Hypervisor, !ledger.IsTracing ? null
            : new TraceData("decoded the trapped store with Iced: {instruction} ({size} bytes)") { Instruction = instruction.ToString(), Size = 8 });
        ulong? before = ledger.IsTracing ? _machine.Memory.ReadU64(entryAddress) : null;
        _machine.Memory.WriteU64(entryAddress, value);
        ledger.Add(EventKind.PtWriteEmulated, Layer.Hypervisor, !ledger.IsTracing ? null
            : new TraceData("emulated: PTE for {page} := {pte_after}") { Page = virtualAddress, PteAddress = entryAddress.Value, PteBefore = before, PteAfter = value });
    }

    private static Instruction Decode(byte[] bytes)
    {
        Decoder.Create(64, new ByteArrayCodeReader(bytes)).Decode(out Instruction instruction);
        return instruction;
    }
}
