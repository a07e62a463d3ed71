using System.Runtime.Intrinsics;

namespace HvSim.Cpu.Ops;

// The VEX compares: the legacy structs' element rule with the VEX predicate field imm8[4:0] (32
// predicates, SDM Vol. 2 CMPPS, Table 3-1; see ScalarFloat.ComparePredicate). Everything else VEX
// adds to the float arithmetic is operand shape, in AvxFloatHandlers.

internal struct VexCmpps : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Cmpps.Compare(a, b, imm & 0x1F, m, ref r);
}

internal struct VexCmppd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Cmppd.Compare(a, b, imm & 0x1F, m, ref r);
}

internal struct VexCmpss : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Cmpss.Compare(a, b, imm & 0x1F, m, ref r);
}

internal struct VexCmpsd : IFloatXmmImmOp
{
    public static Vector128<byte> Apply(Vector128<byte> a, Vector128<byte> b, byte imm, uint m, ref uint r) => Cmpsd.Compare(a, b, imm & 0x1F, m, ref r);
}
