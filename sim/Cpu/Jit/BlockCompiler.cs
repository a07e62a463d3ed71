using System.Reflection;
using System.Reflection.Emit;
using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// A compiled block: runs the block's ops exactly as <c>Cpu.RunOps</c> would run all of them,
/// and returns what it returns (how many ops completed before one left the block, and that
/// op's status), so the run loop's accounting of RIP and retired instructions is unchanged.
/// </summary>
/// <remarks>
/// A block whose last op branches back to its own start runs further iterations inside the
/// method while <paramref name="limit"/> covers a whole one; each completed iteration but the
/// last is added to <see cref="Cpu.InstructionsRetired"/> before the next begins, so the count
/// is what the run loop would have reached running the block that many times.
/// </remarks>
internal delegate int CompiledBlock(Cpu cpu, DecodedOp[] ops, long limit, out int status);

/// <summary>
/// Translates a hot block into a <see cref="DynamicMethod"/>. Guest registers live in IL locals
/// (loaded at entry, stored back before anything that can observe them: an exit, a call to an
/// interpreter handler); the lazy flags of the last flag-writing op live in locals with their
/// kind and size known at compile time, so a following jcc/setcc/cmov folds into a compare;
/// memory operands take the TLB fast path inline and, when it cannot serve them, the whole
/// instruction is run by its interpreter handler on the spilled state — the one path that can
/// fault, which therefore sees exactly the interpreter's state at that instruction.
/// </summary>
internal sealed unsafe partial class BlockCompiler
{
    /// <summary>Interpreted runs of a block before it is compiled.</summary>
    public const int Threshold = 32;

    private static readonly FieldInfo s_registers = Field(nameof(Cpu._r));
    private static readonly FieldInfo s_tlbField = Field(nameof(Cpu._tlb));
    private static readonly FieldInfo s_attention = Field(nameof(Cpu._attention));
    private static readonly FieldInfo s_flagOp = Field(nameof(Cpu._flagOp));
    private static readonly FieldInfo s_flagSignShift = Field(nameof(Cpu._flagSignShift));
    private static readonly FieldInfo s_flagDst = Field(nameof(Cpu._flagDst));
    private static readonly FieldInfo s_flagSrc = Field(nameof(Cpu._flagSrc));
    private static readonly FieldInfo s_flagRes = Field(nameof(Cpu._flagRes));
    private static readonly FieldInfo s_flagAux = Field(nameof(Cpu._flagAux));
    private static readonly FieldInfo s_handler = typeof(DecodedOp).GetField(nameof(DecodedOp.Handler))!;
    private static readonly MethodInfo s_setRip = typeof(Cpu).GetProperty(nameof(Cpu.Rip))!.SetMethod!;
    private static readonly MethodInfo s_getRetired = typeof(Cpu).GetProperty(nameof(Cpu.InstructionsRetired))!.GetMethod!;
    private static readonly MethodInfo s_setRetired = typeof(Cpu).GetProperty(nameof(Cpu.InstructionsRetired))!.GetSetMethod(nonPublic: true)!;
    private static readonly MethodInfo s_cpuCondition = typeof(Cpu).GetMethod(nameof(Cpu.Condition))!;
    private static readonly MethodInfo s_cpuCarry = typeof(Cpu).GetProperty(nameof(Cpu.CF))!.GetMethod!;
    private static readonly MethodInfo s_readPointer = Runtime(nameof(JitRuntime.ReadPointer));
    private static readonly MethodInfo s_writePointer = Runtime(nameof(JitRuntime.WritePointer));
    private static readonly MethodInfo s_load = Runtime(nameof(JitRuntime.Load));
    private static readonly MethodInfo s_store = Runtime(nameof(JitRuntime.Store));
    private static readonly MethodInfo s_condition = Runtime(nameof(JitRuntime.Condition));
    private static readonly MethodInfo s_carry = Runtime(nameof(JitRuntime.Carry));
    private static readonly MethodInfo s_refetches = Runtime(nameof(JitRuntime.RefetchesItself));
    private static readonly MethodInfo s_shift = typeof(Ops.ShiftOps).GetMethod(nameof(Ops.ShiftOps.Compute), BindingFlags.Static | BindingFlags.Public)!;
    private static readonly MethodInfo s_multiply = typeof(Ops.MulDivOps).GetMethod(nameof(Ops.MulDivOps.Truncating), BindingFlags.Static | BindingFlags.NonPublic)!;

    private readonly Block _block;
    private readonly DecodedOp[] _ops;
    private readonly OpShape[] _shapes;
    private readonly ILGenerator _il;
    private readonly LocalBuilder[] _reg = new LocalBuilder[16];
    private readonly LocalBuilder _tlb, _fDst, _fSrc, _fRes, _fAux, _va, _ptr, _value, _status;
    private readonly List<SlowPath> _slowPaths = [];
    private readonly Label _head;

    // Which guest registers the block's compiled ops touch (loaded at entry), and which locals
    // hold values the CPU's register file does not have yet.
    private readonly int _used;
    private int _dirty;

    // Where the status flags are: in the CPU's fields (unknown kind) or in the flag locals with
    // a kind and size known here.
    private FlagState _flags = FlagState.InCpu;

    private BlockCompiler(Block block, OpShape[] shapes, ILGenerator il)
    {
        _block = block;
        _ops = block.Ops;
        _shapes = shapes;
        _il = il;
        for (int r = 0; r < 16; r++)
        {
            _reg[r] = il.DeclareLocal(typeof(ulong));
        }
        _tlb = il.DeclareLocal(typeof(HvSim.Mmu.Tlb));
        _fDst = il.DeclareLocal(typeof(ulong));
        _fSrc = il.DeclareLocal(typeof(ulong));
        _fRes = il.DeclareLocal(typeof(ulong));
        _fAux = il.DeclareLocal(typeof(ulong));
        _va = il.DeclareLocal(typeof(ulong));
        _ptr = il.DeclareLocal(typeof(byte*));
        _value = il.DeclareLocal(typeof(ulong));
        _status = il.DeclareLocal(typeof(int));
        _used = UsedRegisters(_ops, shapes);
        _head = il.DefineLabel();
    }

    /// <summary>Compiles <paramref name="block"/>, or null when it has nothing the compiler does better than the interpreter.</summary>
    public static CompiledBlock? TryCompile(Block block)
    {
        var shapes = new OpShape[block.Ops.Length];
        int compiled = 0;
        for (int i = 0; i < shapes.Length; i++)
        {
            shapes[i] = OpShapes.Of(block.Ops[i]);
            compiled += shapes[i] == OpShape.Handler ? 0 : 1;
        }
        if (compiled == 0)
        {
            return null;
        }
        var method = new DynamicMethod($"block_{block.StartIp:x}", typeof(int),
            [typeof(Cpu), typeof(DecodedOp[]), typeof(long), typeof(int).MakeByRefType()], typeof(Cpu), skipVisibility: true);
        new BlockCompiler(block, shapes, method.GetILGenerator()).EmitBlock();
        return method.CreateDelegate<CompiledBlock>();
    }

    private void EmitBlock()
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, s_tlbField);
        _il.Emit(OpCodes.Stloc, _tlb);
        if (LoopsToItself)
        {
            // The loop head: registers loaded, and possibly newer than the register file (the back
            // edge does not store them), flags in the CPU's fields (the back edge stores them).
            EnsureLoaded();
            _dirty = _used;
            _il.MarkLabel(_head);
        }
        for (int i = 0; i < _ops.Length; i++)
        {
            EmitOp(i);
        }
        if (!EndsWithTransfer())
        {
            EmitExit(_ops.Length, Exec.Next, setRip: false);
        }
        foreach (SlowPath slow in _slowPaths)
        {
            EmitSlowPath(slow);
        }
    }

    /// <summary>The last op is a compiled jcc or jmp to the block's own start.</summary>
    private bool LoopsToItself => _shapes[^1] is OpShape.Jcc or OpShape.Jmp && _ops[^1].Imm == _block.StartIp;

    private bool EndsWithTransfer() => _shapes[^1] is OpShape.Jcc or OpShape.Jmp or OpShape.JmpR or OpShape.Call or OpShape.Ret;

    // ---- registers ----

    private static int UsedRegisters(DecodedOp[] ops, OpShape[] shapes)
    {
        int used = 1 << Reg.Rsp;
        for (int i = 0; i < ops.Length; i++)
        {
            if (shapes[i] == OpShape.Handler)
            {
                continue;
            }
            used |= Bit(ops[i].Dst) | Bit(ops[i].Src) | Bit(ops[i].Base) | Bit(ops[i].Index);
        }
        return used;
    }

    private static int Bit(byte slot) => slot < 16 ? 1 << slot : slot >= Reg.HighByte ? 1 << (slot - Reg.HighByte) : 0;

    private void LoadRegisters()
    {
        for (int r = 0; r < 16; r++)
        {
            if ((_used & (1 << r)) != 0)
            {
                EmitCpuSlotAddress(r);
                _il.Emit(OpCodes.Ldind_I8);
                _il.Emit(OpCodes.Stloc, _reg[r]);
            }
        }
        _dirty = 0;
    }

    private void StoreRegisters(int dirty)
    {
        for (int r = 0; r < 16; r++)
        {
            if ((dirty & (1 << r)) != 0)
            {
                EmitCpuSlotAddress(r);
                _il.Emit(OpCodes.Ldloc, _reg[r]);
                _il.Emit(OpCodes.Stind_I8);
            }
        }
    }

    /// <summary>Pushes the address of register-file slot <paramref name="slot"/> (a GPR or the FS/GS base).</summary>
    private void EmitCpuSlotAddress(int slot)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldflda, s_registers);
        if (slot != 0)
        {
            _il.Emit(OpCodes.Ldc_I4, slot * 8);
            _il.Emit(OpCodes.Conv_I);
            _il.Emit(OpCodes.Add);
        }
    }

    /// <summary>Pushes a GPR operand as the interpreter's ReadReg reads it (zero-extended to 64 bits).</summary>
    private void EmitReadReg(int slot, int size)
    {
        if (slot >= Reg.HighByte)
        {
            _il.Emit(OpCodes.Ldloc, _reg[slot - Reg.HighByte]);
            _il.Emit(OpCodes.Ldc_I4_8);
            _il.Emit(OpCodes.Shr_Un);
            _il.Emit(OpCodes.Conv_U1);
            _il.Emit(OpCodes.Conv_U8);
            return;
        }
        _il.Emit(OpCodes.Ldloc, _reg[slot]);
        EmitTruncate(size);
    }

    /// <summary>Zero-extends the low <paramref name="size"/> bytes of the value on the stack.</summary>
    private void EmitTruncate(int size)
    {
        switch (size)
        {
            case 8: return;
            case 4: _il.Emit(OpCodes.Conv_U4); break;
            case 2: _il.Emit(OpCodes.Conv_U2); break;
            default: _il.Emit(OpCodes.Conv_U1); break;
        }
        _il.Emit(OpCodes.Conv_U8);
    }

    /// <summary>Writes the value on the stack to a GPR operand as WriteReg does (32-bit writes zero the upper half, 8/16-bit writes merge).</summary>
    private void EmitWriteReg(int slot, int size)
    {
        int r = slot >= Reg.HighByte ? slot - Reg.HighByte : slot;
        _dirty |= 1 << r;
        switch (size)
        {
            case 8:
                _il.Emit(OpCodes.Stloc, _reg[r]);
                return;
            case 4:
                _il.Emit(OpCodes.Conv_U4);
                _il.Emit(OpCodes.Conv_U8);
                _il.Emit(OpCodes.Stloc, _reg[r]);
                return;
        }
        // Merge: (r & ~mask) | (value truncated, shifted into place).
        _il.Emit(OpCodes.Stloc, _value);
        _il.Emit(OpCodes.Ldloc, _reg[r]);
        ulong keep = size == 2 ? ~0xFFFFUL : slot >= Reg.HighByte ? ~0xFF00UL : ~0xFFUL;
        _il.Emit(OpCodes.Ldc_I8, (long)keep);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Ldloc, _value);
        EmitTruncate(size);
        if (slot >= Reg.HighByte)
        {
            _il.Emit(OpCodes.Ldc_I4_8);
            _il.Emit(OpCodes.Shl);
        }
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _reg[r]);
    }

    /// <summary>Pushes the op's effective address as <c>Cpu.Ea</c> computes it.</summary>
    private void EmitEa(in DecodedOp op)
    {
        _il.Emit(OpCodes.Ldc_I8, (long)op.Disp);
        if (op.Base != Reg.Zero)
        {
            _il.Emit(OpCodes.Ldloc, _reg[op.Base]);
            _il.Emit(OpCodes.Add);
        }
        if (op.Index != Reg.Zero)
        {
            _il.Emit(OpCodes.Ldloc, _reg[op.Index]);
            if (op.Scale != 0)
            {
                _il.Emit(OpCodes.Ldc_I4, (int)op.Scale);
                _il.Emit(OpCodes.Shl);
            }
            _il.Emit(OpCodes.Add);
        }
        if ((op.Flags & OpFlags.Addr32) != 0)
        {
            _il.Emit(OpCodes.Conv_U4);
            _il.Emit(OpCodes.Conv_U8);
        }
        if (op.Seg != Reg.Zero)
        {
            // FS/GS bases are never cached in locals: only handlers change them, and they read memory.
            EmitCpuSlotAddress(op.Seg);
            _il.Emit(OpCodes.Ldind_I8);
            _il.Emit(OpCodes.Add);
        }
    }

    private void EmitMask(int size)
    {
        if (size < 8)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)((1UL << (size * 8)) - 1));
            _il.Emit(OpCodes.And);
        }
    }

    private static FieldInfo Field(string name) =>
        typeof(Cpu).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
        ?? throw new MissingFieldException(nameof(Cpu), name);

    private static MethodInfo Runtime(string name) =>
        typeof(JitRuntime).GetMethod(name, BindingFlags.Static | BindingFlags.Public)
        ?? throw new MissingMethodException(nameof(JitRuntime), name);
}
