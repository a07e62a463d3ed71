using System.Reflection;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Jit;

/// <summary>The forms the block compiler turns into IL; anything else calls its interpreter handler.</summary>
internal enum OpShape : byte
{
    Handler,
    MovRR, MovRM, MovMR, MovMI, MovRI,
    ExtendRR, ExtendRM,
    Lea,
    AluRR, AluRI, AluRM, AluMR, AluMI,
    UnaryR, UnaryM,
    CmovRR, CmovRM, SetccR, SetccM,
    Jcc, Jmp, JmpR, Call, Ret,
    PushR, PushI, PopR,
    Nop,
    ShlRI, ShrRI, SarRI,
    ImulRR, ImulRRI,
    XmmRR, XmmRM,
}

/// <summary>
/// Recognises an op by its handler, the identity the decoder gave it: the compiled form then
/// reads the same <see cref="DecodedOp"/> fields the handler reads, so it cannot disagree with
/// the decoder about what the fields mean.
/// </summary>
internal static unsafe class OpShapes
{
    /// <summary>
    /// The instantiations of <see cref="SseOps.RR{T}"/> and <see cref="SseOps.RRI{T}"/> by their
    /// handler pointers: each is a pure function of two XMM registers (and the imm8) that reads
    /// no general register, flag or memory and cannot fault, so the compiled code calls it
    /// directly (the .NET JIT inlines it) without storing its locals or checking a status.
    /// </summary>
    private static readonly Dictionary<nint, MethodInfo> s_xmmRegister = BuildXmmRegister();

    /// <summary>
    /// The instantiations of <see cref="SseOps.RM64{T}"/> and <see cref="SseOps.RM32{T}"/> by their
    /// handler pointers, with the access size and the <see cref="XmmCalls.ApplyLow{T}"/> of the same
    /// operation: the compiled code reads the operand on the TLB's fast path (the handler on the
    /// slow one) and applies the operation as the handler does.
    /// </summary>
    private static readonly Dictionary<nint, (MethodInfo Apply, int Size)> s_xmmMemory = BuildXmmMemory();

    // After s_xmmRegister and s_xmmMemory: Build reads it (static fields initialize in textual order).
    private static readonly Dictionary<nint, OpShape> s_byHandler = Build();

    /// <summary>The method behind an op of shape <see cref="OpShape.XmmRR"/>.</summary>
    public static MethodInfo XmmMethod(in DecodedOp op) => s_xmmRegister[(nint)op.Handler];

    /// <summary>The access size and the applying method of an op of shape <see cref="OpShape.XmmRM"/>.</summary>
    public static (MethodInfo Apply, int Size) XmmMemory(in DecodedOp op) => s_xmmMemory[(nint)op.Handler];

    public static OpShape Of(in DecodedOp op)
    {
        if ((op.Flags & (OpFlags.Lock | OpFlags.Rep | OpFlags.RepNe)) != 0)
        {
            return OpShape.Handler;
        }
        if (!s_byHandler.TryGetValue((nint)op.Handler, out OpShape shape))
        {
            return OpShape.Handler;
        }
        // adc and sbb read CF at run time; they stay with the interpreter.
        if (shape is >= OpShape.AluRR and <= OpShape.AluMI && op.Sub is AluOps.Adc or AluOps.Sbb)
        {
            return OpShape.Handler;
        }
        return shape;
    }

    private static Dictionary<nint, OpShape> Build()
    {
        var table = new Dictionary<nint, OpShape>();
        void Add(delegate*<Cpu, ref DecodedOp, int> handler, OpShape shape)
        {
            if (handler != null)
            {
                table[(nint)handler] = shape;
            }
        }
        foreach (int size in new[] { 1, 2, 4, 8 })
        {
            Add(MovFast.RegisterRegister(size), OpShape.MovRR);
            Add(MovFast.RegisterMemory(size), OpShape.MovRM);
            Add(MovFast.MemoryRegister(size), OpShape.MovMR);
            Add(MovFast.MemoryImmediate(size), OpShape.MovMI);
            for (byte kind = AluOps.Add; kind <= AluOps.Test; kind++)
            {
                Add(AluFast.RegisterForm(kind, size), OpShape.AluRR);
                Add(AluFast.ImmediateForm(kind, size), OpShape.AluRI);
            }
        }
        for (int cc = 0; cc < 16; cc++)
        {
            Add(BranchFast.Jcc(cc), OpShape.Jcc);
        }
        Add(&MovOps.MovRI, OpShape.MovRI);
        Add(&MovOps.ExtendRR, OpShape.ExtendRR);
        Add(&MovOps.ExtendRM, OpShape.ExtendRM);
        Add(&MovOps.Lea, OpShape.Lea);
        Add(&AluOps.BinaryRR, OpShape.AluRR);
        Add(&AluOps.BinaryRI, OpShape.AluRI);
        Add(&AluOps.BinaryRM, OpShape.AluRM);
        Add(&AluOps.BinaryMR, OpShape.AluMR);
        Add(&AluOps.BinaryMI, OpShape.AluMI);
        Add(&AluOps.UnaryR, OpShape.UnaryR);
        Add(&AluOps.UnaryM, OpShape.UnaryM);
        Add(&MovOps.CmovRR, OpShape.CmovRR);
        Add(&MovOps.CmovRM, OpShape.CmovRM);
        Add(&MovOps.SetccR, OpShape.SetccR);
        Add(&MovOps.SetccM, OpShape.SetccM);
        Add(&BranchOps.Jmp, OpShape.Jmp);
        Add(&BranchOps.JmpR, OpShape.JmpR);
        Add(&BranchOps.Call, OpShape.Call);
        Add(&BranchOps.Ret, OpShape.Ret);
        Add(&StackOps.PushR, OpShape.PushR);
        Add(&StackOps.PushI, OpShape.PushI);
        Add(&StackOps.PopR, OpShape.PopR);
        Add(&MovOps.Nop, OpShape.Nop);
        Add(&ShiftOps.ShlRI, OpShape.ShlRI);
        Add(&ShiftOps.ShrRI, OpShape.ShrRI);
        Add(&ShiftOps.SarRI, OpShape.SarRI);
        Add(&MulDivOps.ImulRR, OpShape.ImulRR);
        Add(&MulDivOps.ImulRRI, OpShape.ImulRRI);
        foreach (nint handler in s_xmmRegister.Keys)
        {
            table[handler] = OpShape.XmmRR;
        }
        foreach (nint handler in s_xmmMemory.Keys)
        {
            table[handler] = OpShape.XmmRM;
        }
        return table;
    }

    private static Dictionary<nint, MethodInfo> BuildXmmRegister()
    {
        var table = new Dictionary<nint, MethodInfo>();
        MethodInfo rr = typeof(SseOps).GetMethod(nameof(SseOps.RR), BindingFlags.Static | BindingFlags.Public)!;
        MethodInfo rri = typeof(SseOps).GetMethod(nameof(SseOps.RRI), BindingFlags.Static | BindingFlags.Public)!;
        foreach (Type type in XmmOpTypes(typeof(IXmmOp)).Concat(XmmOpTypes(typeof(IXmmImmOp))))
        {
            foreach (Type face in type.GetInterfaces())
            {
                MethodInfo? shape = face == typeof(IXmmOp) ? rr : face == typeof(IXmmImmOp) ? rri : null;
                if (shape is not null)
                {
                    MethodInfo method = shape.MakeGenericMethod(type);
                    table[method.MethodHandle.GetFunctionPointer()] = method;
                }
            }
        }
        return table;
    }

    private static Dictionary<nint, (MethodInfo Apply, int Size)> BuildXmmMemory()
    {
        var table = new Dictionary<nint, (MethodInfo, int)>();
        MethodInfo apply = typeof(XmmCalls).GetMethod(nameof(XmmCalls.ApplyLow), BindingFlags.Static | BindingFlags.Public)!;
        foreach (Type type in XmmOpTypes(typeof(IXmmOp)))
        {
            foreach ((string name, int size) in new[] { (nameof(SseOps.RM64), 8), (nameof(SseOps.RM32), 4) })
            {
                MethodInfo handler = typeof(SseOps).GetMethod(name, BindingFlags.Static | BindingFlags.Public)!.MakeGenericMethod(type);
                table[handler.MethodHandle.GetFunctionPointer()] = (apply.MakeGenericMethod(type), size);
            }
        }
        return table;
    }

    /// <summary>The operation structs implementing <paramref name="face"/>.</summary>
    private static IEnumerable<Type> XmmOpTypes(Type face) =>
        typeof(SseOps).Assembly.GetTypes().Where(t => t.IsValueType && !t.IsGenericTypeDefinition && t.GetInterfaces().Contains(face));
}
