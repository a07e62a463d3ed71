using System.Reflection.Emit;

namespace HvSim.Cpu.Jit;

/// <summary>Where the status flags are at a point of a compiled block (see <see cref="BlockCompiler"/>).</summary>
/// <param name="InLocals">The flag locals hold the lazy state of an op compiled in this block; otherwise the CPU's fields hold it.</param>
/// <param name="Kind">The lazy kind the locals hold.</param>
/// <param name="Shift">Operand bits - 1 of that op.</param>
/// <param name="AuxValid">The aux local holds the carry an inc/dec preserved (written back with the rest).</param>
/// <param name="Dirty">The locals differ from the CPU's fields.</param>
internal readonly record struct FlagState(bool InLocals, FlagOp Kind, int Shift, bool AuxValid, bool Dirty)
{
    public static readonly FlagState InCpu = default;
}

/// <summary>
/// The out-of-line path of a compiled memory op whose access the TLB fast path cannot serve: the
/// state as it was before the op is stored back, the interpreter's handler runs the whole
/// instruction (and may fault), and the locals are reloaded to what the fast path leaves.
/// </summary>
internal sealed record SlowPath(int Index, Label Entry, Label Resume, int DirtyBefore, FlagState FlagsBefore, FlagState FlagsAfter);

internal sealed unsafe partial class BlockCompiler
{
    // True when the register locals may be older than the register file (after a handler ran).
    private bool _stale = true;

    /// <summary>Reloads the register locals if a handler ran since they were last loaded.</summary>
    private void EnsureLoaded()
    {
        if (_stale)
        {
            LoadRegisters();
            _stale = false;
        }
    }

    /// <summary>Stores the flag locals into the CPU's lazy-flag fields, as the op that set them would have.</summary>
    private void SpillFlags(FlagState flags)
    {
        if (!flags.InLocals || !flags.Dirty)
        {
            return;
        }
        EmitStoreField(s_flagOp, () => _il.Emit(OpCodes.Ldc_I4, (int)flags.Kind), OpCodes.Stfld);
        EmitStoreField(s_flagSignShift, () => _il.Emit(OpCodes.Ldc_I4, flags.Shift), OpCodes.Stfld);
        EmitStoreField(s_flagDst, () => _il.Emit(OpCodes.Ldloc, _fDst), OpCodes.Stfld);
        EmitStoreField(s_flagSrc, () => _il.Emit(OpCodes.Ldloc, _fSrc), OpCodes.Stfld);
        EmitStoreField(s_flagRes, () => _il.Emit(OpCodes.Ldloc, _fRes), OpCodes.Stfld);
        if (flags.AuxValid)
        {
            EmitStoreField(s_flagAux, () => _il.Emit(OpCodes.Ldloc, _fAux), OpCodes.Stfld);
        }
    }

    private void EmitStoreField(System.Reflection.FieldInfo field, Action pushValue, OpCode store)
    {
        _il.Emit(OpCodes.Ldarg_0);
        pushValue();
        _il.Emit(store, field);
    }

    private void ReloadFlags(FlagState flags)
    {
        if (!flags.InLocals)
        {
            return;
        }
        ReloadField(s_flagDst, _fDst);
        ReloadField(s_flagSrc, _fSrc);
        ReloadField(s_flagRes, _fRes);
        if (flags.AuxValid)
        {
            ReloadField(s_flagAux, _fAux);
        }
    }

    private void ReloadField(System.Reflection.FieldInfo field, LocalBuilder local)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, field);
        _il.Emit(OpCodes.Stloc, local);
    }

    /// <summary>
    /// Calls op <paramref name="index"/>'s interpreter handler on the spilled state and leaves the
    /// block as <c>RunOps</c> does when it returns a non-Next status or raises attention.
    /// </summary>
    private void EmitHandlerCall(int index)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I4, index);
        _il.Emit(OpCodes.Ldelema, typeof(DecodedOp));
        _il.Emit(OpCodes.Ldc_I8, (long)(nint)_ops[index].Handler);
        _il.Emit(OpCodes.Conv_I);
        _il.EmitCalli(OpCodes.Calli, System.Reflection.CallingConventions.Standard, typeof(int),
            [typeof(Cpu), typeof(DecodedOp).MakeByRefType()], null);
        _il.Emit(OpCodes.Stloc, _status);
        Label next = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _status);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldfld, s_attention);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Brfalse, next);
        _il.Emit(OpCodes.Ldarg_3);
        _il.Emit(OpCodes.Ldloc, _status);
        _il.Emit(OpCodes.Stind_I4);
        _il.Emit(OpCodes.Ldc_I4, index);
        _il.Emit(OpCodes.Ret);
        _il.MarkLabel(next);
    }

    /// <summary>An op the compiler leaves to the interpreter: state stored, handler called, locals stale.</summary>
    private void EmitInterpreted(int index)
    {
        if (!_stale)
        {
            StoreRegisters(_dirty);
        }
        SpillFlags(_flags);
        EmitHandlerCall(index);
        _dirty = 0;
        _stale = true;
        _flags = FlagState.InCpu;
    }

    /// <summary>Branches to a new slow path when the pointer in <c>_ptr</c> is null; returns it so the caller can finish it after the fast path.</summary>
    private (Label Entry, Label Resume, int Dirty, FlagState Flags) BeginFast()
    {
        Label entry = _il.DefineLabel();
        Label resume = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _ptr);
        _il.Emit(OpCodes.Brfalse, entry);
        return (entry, resume, _dirty, _flags);
    }

    /// <summary>Ends a fast path begun by <see cref="BeginFast"/>: its slow path resumes here.</summary>
    private void EndFast(int index, (Label Entry, Label Resume, int Dirty, FlagState Flags) begun)
    {
        _slowPaths.Add(new SlowPath(index, begun.Entry, begun.Resume, begun.Dirty, begun.Flags, _flags));
        _il.MarkLabel(begun.Resume);
    }

    private void EmitSlowPath(SlowPath slow)
    {
        _il.MarkLabel(slow.Entry);
        StoreRegisters(slow.DirtyBefore);
        SpillFlags(slow.FlagsBefore);
        EmitHandlerCall(slow.Index);
        LoadRegisters();
        ReloadFlags(slow.FlagsAfter);
        _il.Emit(OpCodes.Br, slow.Resume);
    }

    /// <summary>Leaves the block: state stored back, RIP set from <c>_va</c> when asked, <paramref name="status"/> out, <paramref name="completed"/> returned.</summary>
    private void EmitExit(int completed, int status, bool setRip)
    {
        if (!_stale)
        {
            StoreRegisters(_dirty);
        }
        SpillFlags(_flags);
        if (setRip)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldloc, _va);
            _il.Emit(OpCodes.Call, s_setRip);
        }
        _il.Emit(OpCodes.Ldarg_3);
        _il.Emit(OpCodes.Ldc_I4, status);
        _il.Emit(OpCodes.Stind_I4);
        _il.Emit(OpCodes.Ldc_I4, completed);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>
    /// The back edge of a block that loops to itself: when the budget covers this iteration and
    /// a whole next one, count this one and go round again with the flags stored; otherwise fall
    /// through to the exit, which leaves this iteration for the run loop to count.
    /// </summary>
    private void EmitBackEdge()
    {
        Label exit = _il.DefineLabel();
        FlagState flags = _flags;
        SpillFlags(flags);
        _il.Emit(OpCodes.Ldarg_2);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, s_getRetired);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Ldc_I8, 2L * _ops.Length);
        _il.Emit(OpCodes.Blt, exit);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, s_refetches);
        _il.Emit(OpCodes.Brfalse, exit);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Call, s_getRetired);
        _il.Emit(OpCodes.Ldc_I8, (long)_ops.Length);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Call, s_setRetired);
        _il.Emit(OpCodes.Br, _head);
        _il.MarkLabel(exit);
        // The flags are stored already: the exit need not store them again.
        _flags = flags with { Dirty = false };
    }

    /// <summary>Pushes condition <paramref name="cc"/> (0 or 1) of the current flag state.</summary>
    private void EmitCondition(int cc)
    {
        if (!_flags.InLocals)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Ldc_I4, cc);
            _il.Emit(OpCodes.Call, s_cpuCondition);
            return;
        }
        _il.Emit(OpCodes.Ldc_I4, (int)_flags.Kind);
        _il.Emit(OpCodes.Ldc_I4, _flags.Shift);
        _il.Emit(OpCodes.Ldloc, _fDst);
        _il.Emit(OpCodes.Ldloc, _fSrc);
        _il.Emit(OpCodes.Ldloc, _fRes);
        _il.Emit(OpCodes.Ldloc, _fAux);
        _il.Emit(OpCodes.Ldc_I4, cc);
        _il.Emit(OpCodes.Call, s_condition);
    }

    /// <summary>Pushes CF (0 or 1) of the current flag state.</summary>
    private void EmitCarry()
    {
        if (!_flags.InLocals)
        {
            _il.Emit(OpCodes.Ldarg_0);
            _il.Emit(OpCodes.Call, s_cpuCarry);
            return;
        }
        _il.Emit(OpCodes.Ldc_I4, (int)_flags.Kind);
        _il.Emit(OpCodes.Ldloc, _fDst);
        _il.Emit(OpCodes.Ldloc, _fSrc);
        _il.Emit(OpCodes.Ldloc, _fRes);
        _il.Emit(OpCodes.Ldloc, _fAux);
        _il.Emit(OpCodes.Call, s_carry);
    }
}
