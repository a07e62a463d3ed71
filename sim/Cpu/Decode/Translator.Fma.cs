using Iced.Intel;
using HvSim.Cpu.Ops;
using HvSim.Cpu.SimdFloat;

namespace HvSim.Cpu.Decode;

/// <summary>
/// FMA (CPUID.1:ECX.FMA): vfmadd, vfmsub, vfnmadd, vfnmsub in ps/pd/ss/sd and vfmaddsub, vfmsubadd
/// in ps/pd, each in the 132, 213 and 231 operand orders, 128 and 256 bits. Element semantics in
/// SimdFloat/FusedFloat.cs and SoftFloat.Fused.cs; shapes in Ops/FmaOps.cs.
/// </summary>
internal static unsafe partial class Translator
{
    private static void RegisterFma(Dictionary<Mnemonic, TranslateFn> table)
    {
        AddFmaFamily<FmaddElement>(table,
            [Mnemonic.Vfmadd132ps, Mnemonic.Vfmadd213ps, Mnemonic.Vfmadd231ps], [Mnemonic.Vfmadd132pd, Mnemonic.Vfmadd213pd, Mnemonic.Vfmadd231pd],
            [Mnemonic.Vfmadd132ss, Mnemonic.Vfmadd213ss, Mnemonic.Vfmadd231ss], [Mnemonic.Vfmadd132sd, Mnemonic.Vfmadd213sd, Mnemonic.Vfmadd231sd]);
        AddFmaFamily<FmsubElement>(table,
            [Mnemonic.Vfmsub132ps, Mnemonic.Vfmsub213ps, Mnemonic.Vfmsub231ps], [Mnemonic.Vfmsub132pd, Mnemonic.Vfmsub213pd, Mnemonic.Vfmsub231pd],
            [Mnemonic.Vfmsub132ss, Mnemonic.Vfmsub213ss, Mnemonic.Vfmsub231ss], [Mnemonic.Vfmsub132sd, Mnemonic.Vfmsub213sd, Mnemonic.Vfmsub231sd]);
        AddFmaFamily<FnmaddElement>(table,
            [Mnemonic.Vfnmadd132ps, Mnemonic.Vfnmadd213ps, Mnemonic.Vfnmadd231ps], [Mnemonic.Vfnmadd132pd, Mnemonic.Vfnmadd213pd, Mnemonic.Vfnmadd231pd],
            [Mnemonic.Vfnmadd132ss, Mnemonic.Vfnmadd213ss, Mnemonic.Vfnmadd231ss], [Mnemonic.Vfnmadd132sd, Mnemonic.Vfnmadd213sd, Mnemonic.Vfnmadd231sd]);
        AddFmaFamily<FnmsubElement>(table,
            [Mnemonic.Vfnmsub132ps, Mnemonic.Vfnmsub213ps, Mnemonic.Vfnmsub231ps], [Mnemonic.Vfnmsub132pd, Mnemonic.Vfnmsub213pd, Mnemonic.Vfnmsub231pd],
            [Mnemonic.Vfnmsub132ss, Mnemonic.Vfnmsub213ss, Mnemonic.Vfnmsub231ss], [Mnemonic.Vfnmsub132sd, Mnemonic.Vfnmsub213sd, Mnemonic.Vfnmsub231sd]);
        AddFmaFamily<FmaddsubElement>(table,
            [Mnemonic.Vfmaddsub132ps, Mnemonic.Vfmaddsub213ps, Mnemonic.Vfmaddsub231ps], [Mnemonic.Vfmaddsub132pd, Mnemonic.Vfmaddsub213pd, Mnemonic.Vfmaddsub231pd], [], []);
        AddFmaFamily<FmsubaddElement>(table,
            [Mnemonic.Vfmsubadd132ps, Mnemonic.Vfmsubadd213ps, Mnemonic.Vfmsubadd231ps], [Mnemonic.Vfmsubadd132pd, Mnemonic.Vfmsubadd213pd, Mnemonic.Vfmsubadd231pd], [], []);
    }

    /// <summary>One operation's mnemonics, each list in the order 132, 213, 231 (empty for the packed-only operations).</summary>
    private static void AddFmaFamily<TElement>(Dictionary<Mnemonic, TranslateFn> table, Mnemonic[] ps, Mnemonic[] pd, Mnemonic[] ss, Mnemonic[] sd)
        where TElement : struct, IFusedElementOp
    {
        AddFmaOrders<FmaPs<TElement, Order132>, FmaPs<TElement, Order213>, FmaPs<TElement, Order231>>(table, ps);
        AddFmaOrders<FmaPd<TElement, Order132>, FmaPd<TElement, Order213>, FmaPd<TElement, Order231>>(table, pd);
        AddFmaOrders<FmaSs<TElement, Order132>, FmaSs<TElement, Order213>, FmaSs<TElement, Order231>>(table, ss);
        AddFmaOrders<FmaSd<TElement, Order132>, FmaSd<TElement, Order213>, FmaSd<TElement, Order231>>(table, sd);
    }

    private static void AddFmaOrders<T132, T213, T231>(Dictionary<Mnemonic, TranslateFn> table, Mnemonic[] mnemonics)
        where T132 : struct, IFmaXmmOp where T213 : struct, IFmaXmmOp where T231 : struct, IFmaXmmOp
    {
        if (mnemonics.Length == 0)
        {
            return;
        }
        Add(table, FmaForm<T132>, mnemonics[0]);
        Add(table, FmaForm<T213>, mnemonics[1]);
        Add(table, FmaForm<T231>, mnemonics[2]);
    }

    /// <summary>dst, vvvv, rm at 128 or 256 bits (the scalar forms only at 128).</summary>
    private static bool FmaForm<T>(in Instruction instruction, ref DecodedOp op) where T : struct, IFmaXmmOp
    {
        return instruction.OpCount == 3
            && VexForm(instruction, ref op, &FmaHandlers.F128R<T>, &FmaHandlers.F128M<T>, &FmaHandlers.F256R<T>, &FmaHandlers.F256M<T>);
    }
}
