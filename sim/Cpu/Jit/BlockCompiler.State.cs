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
internal sealed record SlowPath(int Block, int Index, Label Entry, Label Resume, FlagState FlagsBefore, FlagState FlagsAfter);

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
        _il.Emit(OpCodes.Ldarg_1);
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
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldfld, field);
        _il.Emit(OpCodes.Stloc, local);
    }

    /// <summary>
    /// Calls op <paramref name="index"/>'s interpreter handler on the spilled state and leaves the
    /// block as <c>RunOps</c> does when it returns a non-Next status or raises attention.
    /// </summary>
    private void EmitHandlerCall(int index)
    {
        EmitSetCurrentBlock(_current);
        _il.Emit(OpCodes.Ldarg_1);
        EmitRegionBlock(_current);
        _il.Emit(OpCodes.Call, s_blockOps);
        _il.Emit(OpCodes.Ldc_I4, index);
        _il.Emit(OpCodes.Ldelema, typeof(DecodedOp));
        _il.Emit(OpCodes.Ldc_I8, (long)(nint)_ops[index].Handler);
        _il.Emit(OpCodes.Conv_I);
        _il.EmitCalli(OpCodes.Calli, System.Reflection.CallingConventions.Standard, typeof(int),
            [typeof(Cpu), typeof(DecodedOp).MakeByRefType()], null);
        _il.Emit(OpCodes.Stloc, _status);
        Label next = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _status);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldfld, s_attention);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Brfalse, next);
        _il.Emit(OpCodes.Ldc_I4, index);
        _il.Emit(OpCodes.Stloc, _exitIndex);
        _il.Emit(OpCodes.Br, _exitHandlers[_current]);
        _il.MarkLabel(next);
        EmitForgetVerified();
    }

    /// <summary>
    /// Makes region block <paramref name="k"/> the CPU's current block, as the run loop does
    /// before running it: done where something can observe it (before a call out of compiled
    /// code, at an exit), not on every edge, to spare the reference store's write barrier.
    /// </summary>
    private void EmitSetCurrentBlock(int k)
    {
        _il.Emit(OpCodes.Ldarg_1);
        EmitRegionBlock(k);
        _il.Emit(OpCodes.Stfld, s_currentBlock);
    }

    /// <summary>
    /// After a call into the interpreter (a handler, the MMU's slow path), which may have changed
    /// the TLB or dropped decoded code: no block of the region is known to be found by the fetch.
    /// </summary>
    private void EmitForgetVerified()
    {
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Stloc, _verified);
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
        _slowPaths.Add(new SlowPath(_current, index, begun.Entry, begun.Resume, begun.Flags, _flags));
        _il.MarkLabel(begun.Resume);
    }

    /// <summary>
    /// A slow path's own part: the flags as they were before the op stored, which op it is noted,
    /// and the shared stub (<see cref="EmitSlowStub"/>) called; the stub comes back to
    /// <paramref name="slow"/>'s reload, which restores the flag locals the fast path would have
    /// left, and resumes after the op.
    /// </summary>
    private void EmitSlowPath(SlowPath slow, int id, Label reload)
    {
        _il.MarkLabel(slow.Entry);
        SpillFlags(slow.FlagsBefore);
        _il.Emit(OpCodes.Ldc_I4, slow.Index);
        _il.Emit(OpCodes.Stloc, _exitIndex);
        _il.Emit(OpCodes.Ldc_I4, id);
        _il.Emit(OpCodes.Stloc, _slowId);
        _il.Emit(OpCodes.Br, _slowStubs[slow.Block]);
        _il.MarkLabel(reload);
        ReloadFlags(slow.FlagsAfter);
        _il.Emit(OpCodes.Br, slow.Resume);
    }

    /// <summary>
    /// The slow paths' shared stub: every register local stored (a fast path runs with none
    /// stale, so those not dirty hold what the register file holds), the op's handler run on that
    /// state (it may fault: it then sees exactly the interpreter's state at the op), the block
    /// left as <c>RunOps</c> would if it does not return Next, and otherwise the locals reloaded
    /// and the op's own reload entered (<paramref name="reloads"/>, by its id).
    /// </summary>
    private void EmitSlowStub(int k, int firstId, Label[] reloads)
    {
        _il.MarkLabel(_slowStubs[k]);
        StoreRegisters(_usedBy[k]);
        EmitSetCurrentBlock(k);
        _il.Emit(OpCodes.Ldarg_1);
        EmitRegionBlock(k);
        _il.Emit(OpCodes.Call, s_blockOps);
        _il.Emit(OpCodes.Ldloc, _exitIndex);
        _il.Emit(OpCodes.Ldelema, typeof(DecodedOp));
        _il.Emit(OpCodes.Stloc, _opRef);
        _il.Emit(OpCodes.Ldloc, _opRef);
        _il.Emit(OpCodes.Ldloc, _opRef);
        _il.Emit(OpCodes.Ldfld, s_handler);
        _il.EmitCalli(OpCodes.Calli, System.Reflection.CallingConventions.Standard, typeof(int),
            [typeof(Cpu), typeof(DecodedOp).MakeByRefType()], null);
        _il.Emit(OpCodes.Stloc, _status);
        _il.Emit(OpCodes.Ldloc, _status);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldfld, s_attention);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Brtrue, _exitHandlers[k]);
        EmitForgetVerified();
        _used = _usedBy[k];
        LoadRegisters();
        _il.Emit(OpCodes.Ldloc, _slowId);
        _il.Emit(OpCodes.Ldc_I4, firstId);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Switch, reloads);
        _il.Emit(OpCodes.Br, reloads[0]);
    }

    /// <summary>Leaves the block: flags stored, <paramref name="completed"/> and <paramref name="status"/> noted, and the shared exit taken (which stores the registers and sets RIP from <c>_va</c>).</summary>
    private void EmitExit(int completed, int status)
    {
        SpillFlags(_flags);
        _il.Emit(OpCodes.Ldc_I4, completed);
        _il.Emit(OpCodes.Stloc, _exitIndex);
        _il.Emit(OpCodes.Ldc_I4, status);
        _il.Emit(OpCodes.Stloc, _status);
        _il.Emit(OpCodes.Br, _stale ? _exitBlocks[_current] : _exitStores[_current]);
    }

    /// <summary>
    /// The shared exits, one falling into the next: store every register local (none is stale
    /// there, so those not dirty hold what the register file holds); set RIP from <c>_va</c>;
    /// return <c>_exitIndex</c> with <c>_status</c> out.
    /// </summary>
    private void EmitExits()
    {
        for (int k = 0; k < _region.Length; k++)
        {
            _il.MarkLabel(_exitStores[k]);
            StoreRegisters(_usedBy[k]);
            _il.MarkLabel(_exitBlocks[k]);
            EmitSetCurrentBlock(k);
            _il.Emit(OpCodes.Br, _exitRip);
            // After a handler left the block (RIP is its to set); set again in case it changed it.
            _il.MarkLabel(_exitHandlers[k]);
            EmitSetCurrentBlock(k);
            _il.Emit(OpCodes.Br, _exitReturn);
        }
        _il.MarkLabel(_exitRip);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldloc, _va);
        _il.Emit(OpCodes.Call, s_setRip);
        _il.MarkLabel(_exitReturn);
        _il.Emit(OpCodes.Ldarg_S, (byte)4);
        _il.Emit(OpCodes.Ldloc, _status);
        _il.Emit(OpCodes.Stind_I4);
        _il.Emit(OpCodes.Ldloc, _exitIndex);
        _il.Emit(OpCodes.Ret);
    }

    /// <summary>Pushes region block <paramref name="k"/> (the method is closed over the region's array).</summary>
    private void EmitRegionBlock(int k)
    {
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I4, k);
        _il.Emit(OpCodes.Ldelem_Ref);
    }

    /// <summary>
    /// Leaves the current block for <paramref name="target"/> after op <paramref name="index"/>
    /// (the block's length: it fell through its last op): straight into the target block when
    /// that op is the block's last, the target is in the region and the run loop would enter it
    /// compiled next (see <see cref="BlockCompiler"/>); otherwise back to the run loop as the
    /// block alone would leave (fallthrough: all ops completed, RIP for the run loop to set; a
    /// transfer: op <paramref name="index"/> left with RIP set).
    /// </summary>
    private void EmitLeave(ulong target, int index)
    {
        int k = Array.FindIndex(_region, b => b.StartIp == target);
        if (k >= 0 && index >= _ops.Length - 1)
        {
            EmitEdge(k);
        }
        // A fallthrough's RIP is the run loop's to set (to the block's end, the same value).
        _il.Emit(OpCodes.Ldc_I8, (long)target);
        _il.Emit(OpCodes.Stloc, _va);
        EmitExit(index, index == _ops.Length ? Exec.Next : Exec.Jump);
    }

    /// <summary>
    /// Leaves the current block by its ret (op <paramref name="index"/>, the address popped in
    /// <c>_va</c>): into a block of the region that follows a call of the region when that is
    /// where it returns to (an edge as any other), otherwise back to the run loop.
    /// </summary>
    private void EmitReturn(int index)
    {
        FlagState before = _flags;
        for (int k = 0; k < _region.Length; k++)
        {
            if (index < _ops.Length - 1 || !IsReturnSite(_region[k].StartIp))
            {
                continue;
            }
            Label next = _il.DefineLabel();
            _il.Emit(OpCodes.Ldloc, _va);
            _il.Emit(OpCodes.Ldc_I8, (long)_region[k].StartIp);
            _il.Emit(OpCodes.Bne_Un, next);
            _flags = before;
            EmitEdge(k);
            EmitExit(index, Exec.Jump);
            _il.MarkLabel(next);
        }
        _flags = before;
        EmitExit(index, Exec.Jump);
    }

    private bool IsReturnSite(ulong ip) => Array.Exists(_region, b => OpShapes.Of(b.Ops[^1]) == OpShape.Call && b.Ops[^1].NextIp == ip);

    /// <summary>
    /// The edge to region block <paramref name="k"/>: when the budget covers this block and the
    /// whole of that one, and the fetch would find it, count this block, make that one current
    /// (RIP and <see cref="Cpu._block"/> as the run loop sets them) and go to its start with the
    /// flags stored; otherwise fall through to the exit, which leaves this block for the run loop
    /// to count.
    /// </summary>
    private void EmitEdge(int k)
    {
        Label exit = _il.DefineLabel();
        FlagState flags = _flags;
        bool dead = FlagsDeadAtStart(k);
        if (!dead)
        {
            SpillFlags(flags);
        }
        _il.Emit(OpCodes.Ldarg_3);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, s_getRetired);
        _il.Emit(OpCodes.Sub);
        _il.Emit(OpCodes.Ldc_I8, (long)(_ops.Length + _region[k].Ops.Length));
        _il.Emit(OpCodes.Blt, exit);
        // The fetch's test is needed once after each call out of compiled code: nothing compiled
        // changes the TLB or the decoded code, so a block found since is still found.
        Label verified = _il.DefineLabel();
        _il.Emit(OpCodes.Ldloc, _verified);
        _il.Emit(OpCodes.Ldc_I4, 1 << k);
        _il.Emit(OpCodes.And);
        _il.Emit(OpCodes.Brtrue, verified);
        _il.Emit(OpCodes.Ldarg_1);
        EmitRegionBlock(k);
        _il.Emit(OpCodes.Call, s_refetches);
        _il.Emit(OpCodes.Brfalse, exit);
        _il.Emit(OpCodes.Ldloc, _verified);
        _il.Emit(OpCodes.Ldc_I4, 1 << k);
        _il.Emit(OpCodes.Or);
        _il.Emit(OpCodes.Stloc, _verified);
        _il.MarkLabel(verified);
        bool loop = k == _current && LoopsToItself;
        if (!loop && !_stale)
        {
            StoreRegisters(_dirty);
        }
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Call, s_getRetired);
        _il.Emit(OpCodes.Ldc_I8, (long)_ops.Length);
        _il.Emit(OpCodes.Add);
        _il.Emit(OpCodes.Call, s_setRetired);
        _il.Emit(OpCodes.Ldarg_1);
        _il.Emit(OpCodes.Ldc_I8, (long)_region[k].StartIp);
        _il.Emit(OpCodes.Call, s_setRip);
        // Round a loop from its head with the registers still in the locals; to another block
        // (or this one's start, when it is entered from a jcc in its middle) through the start.
        _il.Emit(OpCodes.Br, loop ? _heads[k] : _starts[k]);
        _il.MarkLabel(exit);
        // The flags are stored already (unless dead on the edge): the exit need not store them again.
        _flags = dead ? flags : flags with { Dirty = false };
    }

    /// <summary>Pushes condition <paramref name="cc"/> (0 or 1) of the current flag state.</summary>
    private void EmitCondition(int cc)
    {
        if (!_flags.InLocals)
        {
            _il.Emit(OpCodes.Ldarg_1);
            _il.Emit(OpCodes.Ldc_I4, cc);
            _il.Emit(OpCodes.Call, s_cpuCondition);
            return;
        }
        if (EmitDirectCondition(cc >> 1))
        {
            if ((cc & 1) != 0)
            {
                _il.Emit(OpCodes.Ldc_I4_1);
                _il.Emit(OpCodes.Xor);
            }
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

    /// <summary>
    /// The common conditions of a flag state in the locals as IL of their own (what
    /// <see cref="JitRuntime.Condition"/> computes for them, without its body for the .NET JIT
    /// to import and fold at every jcc): after a subtraction the orders are the comparisons
    /// themselves (SDM Vol. 1, B.1), ZF and SF read the result, and a logic op clears CF and OF
    /// (SDM Vol. 2, AND/OR/XOR/TEST). Pushes the condition without its negation bit; false
    /// (nothing pushed) for the others.
    /// </summary>
    private bool EmitDirectCondition(int test)
    {
        FlagOp kind = _flags.Kind;
        switch (test)
        {
            case 1 or 3 or 6 or 7 when kind == FlagOp.Sub:
                bool signed = test >= 6;
                EmitOperand(_fDst, signed);
                EmitOperand(_fSrc, signed);
                // below: a < b; below or equal: !(a > b).
                if (test is 1 or 6)
                {
                    _il.Emit(signed ? OpCodes.Clt : OpCodes.Clt_Un);
                }
                else
                {
                    _il.Emit(signed ? OpCodes.Cgt : OpCodes.Cgt_Un);
                    _il.Emit(OpCodes.Ldc_I4_0);
                    _il.Emit(OpCodes.Ceq);
                }
                return true;
            case 2:
                EmitZero();
                return true;
            case 4:
                EmitSign();
                return true;
            case 0 or 1 when kind == FlagOp.Logic:
                _il.Emit(OpCodes.Ldc_I4_0);
                return true;
            case 3 when kind == FlagOp.Logic:
                EmitZero();
                return true;
            case 6 when kind == FlagOp.Logic:
                EmitSign();
                return true;
            case 7 when kind == FlagOp.Logic:
                EmitZero();
                EmitSign();
                _il.Emit(OpCodes.Or);
                return true;
            default:
                return false;
        }
    }

    private void EmitZero()
    {
        _il.Emit(OpCodes.Ldloc, _fRes);
        _il.Emit(OpCodes.Ldc_I4_0);
        _il.Emit(OpCodes.Conv_U8);
        _il.Emit(OpCodes.Ceq);
    }

    private void EmitSign()
    {
        _il.Emit(OpCodes.Ldloc, _fRes);
        _il.Emit(OpCodes.Ldc_I4, _flags.Shift);
        _il.Emit(OpCodes.Shr_Un);
        _il.Emit(OpCodes.Conv_I4);
        _il.Emit(OpCodes.Ldc_I4_1);
        _il.Emit(OpCodes.And);
    }

    /// <summary>A flag operand local, sign-extended from the op's size for a signed comparison.</summary>
    private void EmitOperand(LocalBuilder local, bool signed)
    {
        _il.Emit(OpCodes.Ldloc, local);
        if (!signed)
        {
            return;
        }
        switch (_flags.Shift)
        {
            case 7: _il.Emit(OpCodes.Conv_I1); break;
            case 15: _il.Emit(OpCodes.Conv_I2); break;
            case 31: _il.Emit(OpCodes.Conv_I4); break;
            default: return;
        }
        _il.Emit(OpCodes.Conv_I8);
    }

    /// <summary>Pushes CF (0 or 1) of the current flag state.</summary>
    private void EmitCarry()
    {
        if (!_flags.InLocals)
        {
            _il.Emit(OpCodes.Ldarg_1);
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
