using System.Reflection;
using System.Reflection.Emit;
using HvSim.Cpu.Decode;

namespace HvSim.Cpu.Jit;

/// <summary>
/// A compiled region: runs its entry block's ops exactly as <c>Cpu.RunOps</c> would run all of
/// them and, where a block ends in a direct transfer to another block of the region, goes on
/// into it exactly when the run loop would enter that block compiled (see
/// <see cref="BlockCompiler"/>). Returns what <c>RunOps</c> returns for the block it left from
/// (how many of its ops completed before one left it, and that op's status), which it leaves in
/// <see cref="Cpu._block"/>, so the run loop's accounting of RIP and retired instructions is
/// unchanged.
/// </summary>
/// <remarks>
/// One method serves every block of its region: <c>entry</c> is the index of the block to start
/// at (<see cref="Block.CompiledEntry"/>). Every block the method completes before the one it
/// leaves from is added to
/// <see cref="Cpu.InstructionsRetired"/> before the next begins, so the count is what the run
/// loop would have reached running those blocks one by one.
/// </remarks>
internal delegate int CompiledBlock(Cpu cpu, int entry, long limit, out int status);

/// <summary>
/// Translates a hot block, and the blocks it reaches by direct transfers (a region: loops that
/// span several blocks, calls, fallthroughs), into one <see cref="DynamicMethod"/>. Guest
/// registers live in IL locals (loaded at entry, stored back before anything that can observe
/// them: an exit, a call to an interpreter handler); the lazy flags of the last flag-writing op
/// live in locals with their kind and size known at compile time, so a following jcc/setcc/cmov
/// folds into a compare; memory operands take the TLB fast path inline and, when it cannot serve
/// them, the whole instruction is run by its interpreter handler on the spilled state — the one
/// path that can fault, which therefore sees exactly the interpreter's state at that instruction.
/// </summary>
/// <remarks>
/// An edge from one block of the region to another is taken only when the run loop would, after
/// the block just completed, find exactly that block and run it compiled: the budget covers the
/// whole of it and the fetch at its start hits the TLB's fast path and the frame's decoded code
/// still holds it (<see cref="JitRuntime.Refetches"/>, the run loop's <c>FindBlock</c> without its
/// slow paths). Otherwise the method leaves as the block would alone, and the run loop takes over.
/// Code overwritten since compilation drops the frame's decoded code, so every edge into it fails
/// that test: the block cache's invalidation rule covers the region too.
/// </remarks>
internal sealed unsafe partial class BlockCompiler
{
    /// <summary>Interpreted runs of a block before it is compiled.</summary>
    public const int Threshold = 32;

    private static readonly FieldInfo s_registers = Field(nameof(Cpu._r));
    private static readonly FieldInfo s_tlbField = Field(nameof(Cpu._tlb));
    private static readonly FieldInfo s_attention = Field(nameof(Cpu._attention));
    private static readonly FieldInfo s_currentBlock = Field(nameof(Cpu._block));
    private static readonly FieldInfo s_flagOp = Field(nameof(Cpu._flagOp));
    private static readonly FieldInfo s_flagSignShift = Field(nameof(Cpu._flagSignShift));
    private static readonly FieldInfo s_flagDst = Field(nameof(Cpu._flagDst));
    private static readonly FieldInfo s_flagSrc = Field(nameof(Cpu._flagSrc));
    private static readonly FieldInfo s_flagRes = Field(nameof(Cpu._flagRes));
    private static readonly FieldInfo s_flagAux = Field(nameof(Cpu._flagAux));
    private static readonly FieldInfo s_handler = typeof(DecodedOp).GetField(nameof(DecodedOp.Handler))!;
    private static readonly MethodInfo s_blockOps = typeof(Block).GetProperty(nameof(Block.Ops))!.GetMethod!;
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
    private static readonly MethodInfo s_refetches = Runtime(nameof(JitRuntime.Refetches));
    private static readonly MethodInfo s_shift = typeof(Ops.ShiftOps).GetMethod(nameof(Ops.ShiftOps.Compute), BindingFlags.Static | BindingFlags.Public)!;
    private static readonly MethodInfo s_multiply = typeof(Ops.MulDivOps).GetMethod(nameof(Ops.MulDivOps.Truncating), BindingFlags.Static | BindingFlags.NonPublic)!;

    private readonly Block[] _region;
    private readonly OpShape[][] _regionShapes;
    private readonly Label[] _starts, _heads, _exitStores, _exitBlocks, _exitHandlers, _slowStubs;
    private readonly ILGenerator _il;
    private readonly LocalBuilder[] _reg = new LocalBuilder[16];
    private readonly LocalBuilder _tlb, _fDst, _fSrc, _fRes, _fAux, _va, _ptr, _value, _status, _exitIndex, _slowId, _opRef, _verified;
    private readonly Label _exitRip, _exitReturn;
    private readonly List<SlowPath> _slowPaths = [];

    // The block being emitted: its index in the region, its ops and their shapes.
    private int _current;
    private Block _block;
    private DecodedOp[] _ops;
    private OpShape[] _shapes;

    // Which guest registers each block's compiled ops touch (loaded at its start), those of the
    // block being emitted, and which locals hold values the CPU's register file does not have yet.
    private readonly int[] _usedBy;
    private int _used;
    private int _dirty;

    // Where the status flags are: in the CPU's fields (unknown kind) or in the flag locals with
    // a kind and size known here.
    private FlagState _flags = FlagState.InCpu;

    private BlockCompiler(Block[] region, OpShape[][] shapes, ILGenerator il)
    {
        _region = region;
        _regionShapes = shapes;
        _block = region[0];
        _ops = _block.Ops;
        _shapes = shapes[0];
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
        _exitIndex = il.DeclareLocal(typeof(int));
        _slowId = il.DeclareLocal(typeof(int));
        _verified = il.DeclareLocal(typeof(int));
        _opRef = il.DeclareLocal(typeof(DecodedOp).MakeByRefType());
        _exitRip = il.DefineLabel();
        _exitReturn = il.DefineLabel();
        _starts = new Label[region.Length];
        _heads = new Label[region.Length];
        _exitStores = new Label[region.Length];
        _exitBlocks = new Label[region.Length];
        _exitHandlers = new Label[region.Length];
        _slowStubs = new Label[region.Length];
        _usedBy = new int[region.Length];
        for (int k = 0; k < region.Length; k++)
        {
            _starts[k] = il.DefineLabel();
            _heads[k] = il.DefineLabel();
            _exitStores[k] = il.DefineLabel();
            _exitBlocks[k] = il.DefineLabel();
            _exitHandlers[k] = il.DefineLabel();
            _slowStubs[k] = il.DefineLabel();
            _usedBy[k] = UsedRegisters(region[k].Ops, shapes[k]);
        }
    }

    /// <summary>
    /// Translates the region of <paramref name="entry"/> as <paramref name="cpu"/>'s block cache
    /// holds it now, or null when the entry block has nothing the compiler does better than the
    /// interpreter. The IL is built here; the .NET JIT compiles it at the region's first call
    /// (<see cref="CompiledRegion.Prepare"/> makes that call on another thread).
    /// </summary>
    public static CompiledRegion? TryCompile(Cpu cpu, Block entry)
    {
        if (!HasCompiledOps(entry))
        {
            return null;
        }
        Block[] region = Region.Select(cpu, entry, Math.Max(1, cpu.JitThreshold / 4));
        DynamicMethod method = TranslationCache.GetOrEmit(region, Emit);
        // Closed over this machine's region: the blocks' ops for handler calls, and what each edge enters.
        return new CompiledRegion(region, (CompiledBlock)method.CreateDelegate(typeof(CompiledBlock), region));
    }

    /// <summary>The IL of <paramref name="region"/>, a pure function of its blocks' bounds and ops (<see cref="TranslationCache"/> shares it between machines).</summary>
    private static DynamicMethod Emit(Block[] region)
    {
        var shapes = new OpShape[region.Length][];
        for (int k = 0; k < region.Length; k++)
        {
            shapes[k] = ShapesOf(region[k]);
        }
        var method = new DynamicMethod($"block_{region[0].StartIp:x}", typeof(int),
            [typeof(Block[]), typeof(Cpu), typeof(int), typeof(long), typeof(int).MakeByRefType()], typeof(Cpu), skipVisibility: true);
        new BlockCompiler(region, shapes, method.GetILGenerator()).EmitRegion();
        return method;
    }

    internal static bool HasCompiledOps(Block block)
    {
        foreach (ref DecodedOp op in block.Ops.AsSpan())
        {
            if (OpShapes.Of(op) != OpShape.Handler)
            {
                return true;
            }
        }
        return false;
    }

    private static OpShape[] ShapesOf(Block block)
    {
        var shapes = new OpShape[block.Ops.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            shapes[i] = OpShapes.Of(block.Ops[i]);
        }
        return shapes;
    }

    private void EmitRegion()
    {
        // Entry -1 returns at once: CompiledRegion.Prepare's call, which only gets the method compiled.
        Label run = _il.DefineLabel();
        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Ldc_I4_M1);
        _il.Emit(OpCodes.Bne_Un, run);
        _il.Emit(OpCodes.Ldarg_S, (byte)4);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stind_I4);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(run);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldfld, s_tlbField);
        _il.Emit(OpCodes.Stloc, _tlb);
        // Bit k: region block k is found by the fetch's fast path, as tested since the last call
        // out of compiled code. None at entry: the run loop may have found the entry block by a
        // walk, which the next fetch would repeat.
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _verified);
        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Switch, _starts);
        for (int k = 0; k < _region.Length; k++)
        {
            EmitBlock(k);
        }
        var reloads = new Label[_slowPaths.Count];
        for (int id = 0; id < reloads.Length; id++)
        {
            reloads[id] = _il.DefineLabel();
            EmitSlowPath(_slowPaths[id], id, reloads[id]);
        }
        for (int k = 0; k < _region.Length; k++)
        {
            int first = _slowPaths.FindIndex(slow => slow.Block == k);
            if (first >= 0)
            {
                int last = _slowPaths.FindLastIndex(slow => slow.Block == k);
                EmitSlowStub(k, first, reloads[first..(last + 1)]);
            }
        }
        EmitExits();
    }

    /// <summary>
    /// Block <paramref name="k"/> of the region. Its start is entered with the registers in the
    /// register file and the flags in the CPU's fields (edges store both), and loads the
    /// registers it uses. A block that loops to itself goes round from just after that load
    /// (its head), with the registers possibly newer in the locals than in the register file.
    /// </summary>
    private void EmitBlock(int k)
    {
        _current = k;
        _block = _region[k];
        _ops = _block.Ops;
        _shapes = _regionShapes[k];
        _used = _usedBy[k];
        _il.MarkLabel(_starts[k]);
        _stale = true;
        EnsureLoaded();
        _il.MarkLabel(_heads[k]);
        _dirty = LoopsToItself ? _used : 0;
        _flags = FlagState.InCpu;
        for (int i = 0; i < _ops.Length; i++)
        {
            EmitOp(i);
        }
        if (!EndsWithTransfer())
        {
            // Reached only when the last op did not leave the block (a handler's Next).
            EmitLeave(_block.EndIp, _ops.Length);
        }
    }

    /// <summary>
    /// Whether region block <paramref name="k"/> overwrites every status flag before anything
    /// can observe them: its first ops neither read nor write flags nor can fault or call out
    /// (register moves, lea), and the next is a register-form ALU op, which sets them all (SDM
    /// Vol. 1, 3.4.3.1; the compiler never compiles adc/sbb, which read CF). An edge into it then
    /// need not store the flags (an exit on the edge still does).
    /// </summary>
    private bool FlagsDeadAtStart(int k)
    {
        foreach (OpShape shape in _regionShapes[k])
        {
            switch (shape)
            {
                case OpShape.MovRR or OpShape.MovRI or OpShape.Lea or OpShape.ExtendRR or OpShape.Nop or OpShape.XmmRR:
                    continue;
                case OpShape.AluRR or OpShape.AluRI:
                    return true;
                default:
                    return false;
            }
        }
        return false;
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
            // An XmmRR op's Dst and Src are XMM numbers; an XmmRM's Dst is one.
            if (shapes[i] is OpShape.Handler or OpShape.XmmRR)
            {
                continue;
            }
            if (shapes[i] == OpShape.XmmRM)
            {
                used |= Bit(ops[i].Base) | Bit(ops[i].Index);
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
        _il.Emit(OpCodes.Ldarg_1);
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
