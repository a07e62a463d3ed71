using System.Reflection.Emit;
using HvSim.Cpu.Ops;

namespace HvSim.Cpu.Jit;

/// <summary>
/// The compiled forms, one per <see cref="OpShape"/>; each does what its interpreter handler does
/// (sim/Cpu/Ops: MovFast, MovOps, AluOps, AluFast, BranchOps, BranchFast, StackOps), in the same
/// order of reads, checks and writes, so a fast path that cannot be taken leaves nothing changed.
/// </summary>
internal sealed unsafe partial class BlockCompiler
{
    private void EmitOp(int i)
    {
        ref DecodedOp op = ref _ops[i];
        OpShape shape = _shapes[i];
        if (shape == OpShape.Handler)
        {
            EmitInterpreted(i);
            return;
        }
        if (shape == OpShape.Nop)
        {
            return;
        }
        if (shape == OpShape.XmmRR)
        {
            EmitXmmRegister(i);
            return;
        }
        EnsureLoaded();
        int size = op.Size;
        switch (shape)
        {
            case OpShape.MovRR:
                EmitReadReg(op.Src, size);
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.MovRI:
                _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.MovRM:
            {
                var fast = BeginAccess(op, size, write: false);
                EmitLoadPointer(size);
                EmitWriteReg(op.Dst, size);
                EndFast(i, fast);
                break;
            }
            case OpShape.MovMR:
            case OpShape.MovMI:
            {
                var fast = BeginAccess(op, size, write: true);
                _il.Emit(OpCodes.Ldloc, _ptr);
                _il.Emit(OpCodes.Ldc_I4, size);
                if (shape == OpShape.MovMR)
                {
                    EmitReadReg(op.Src, size);
                }
                else
                {
                    _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                }
                _il.Emit(OpCodes.Call, s_store);
                EndFast(i, fast);
                break;
            }
            case OpShape.ExtendRR:
                EmitReadReg(op.Src, op.Sub & 0x7F);
                EmitExtend(op.Sub);
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.ExtendRM:
            {
                var fast = BeginAccess(op, op.Sub & 0x7F, write: false);
                EmitLoadPointer(op.Sub & 0x7F);
                EmitExtend(op.Sub);
                EmitWriteReg(op.Dst, size);
                EndFast(i, fast);
                break;
            }
            case OpShape.Lea:
                EmitEa(op);
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.AluRR:
            case OpShape.AluRI:
                EmitReadReg(op.Dst, size);
                if (shape == OpShape.AluRR)
                {
                    EmitReadReg(op.Src, size);
                }
                else
                {
                    _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                }
                EmitAlu(op.Sub, size);
                if (op.Sub < AluOps.Cmp)
                {
                    _il.Emit(OpCodes.Ldloc, _fRes);
                    EmitWriteReg(op.Dst, size);
                }
                break;
            case OpShape.AluRM:
            {
                var fast = BeginAccess(op, size, write: false);
                EmitReadReg(op.Dst, size);
                EmitLoadPointer(size);
                EmitAlu(op.Sub, size);
                if (op.Sub < AluOps.Cmp)
                {
                    _il.Emit(OpCodes.Ldloc, _fRes);
                    EmitWriteReg(op.Dst, size);
                }
                EndFast(i, fast);
                break;
            }
            case OpShape.AluMR:
            case OpShape.AluMI:
            {
                // cmp/test only read; the others check write permission before reading (RmwRead).
                var fast = BeginAccess(op, size, write: op.Sub < AluOps.Cmp);
                EmitLoadPointer(size);
                if (shape == OpShape.AluMR)
                {
                    EmitReadReg(op.Src, size);
                }
                else
                {
                    _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                }
                EmitAlu(op.Sub, size);
                if (op.Sub < AluOps.Cmp)
                {
                    EmitStorePointer(size, _fRes);
                }
                EndFast(i, fast);
                break;
            }
            case OpShape.UnaryR:
                EmitReadReg(op.Dst, size);
                EmitUnary(op.Sub, size);
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.UnaryM:
            {
                var fast = BeginAccess(op, size, write: true);
                EmitLoadPointer(size);
                EmitUnary(op.Sub, size);
                _il.Emit(OpCodes.Stloc, _value);
                EmitStorePointer(size, _value);
                EndFast(i, fast);
                break;
            }
            case OpShape.CmovRR:
            {
                // A 32-bit cmov writes (and so zero-extends) its destination even when false.
                Label no = _il.DefineLabel();
                Label done = _il.DefineLabel();
                EmitCondition(op.Sub);
                _il.Emit(OpCodes.Brfalse, no);
                EmitReadReg(op.Src, size);
                _il.Emit(OpCodes.Br, done);
                _il.MarkLabel(no);
                EmitReadReg(op.Dst, size);
                _il.MarkLabel(done);
                EmitWriteReg(op.Dst, size);
                break;
            }
            case OpShape.CmovRM:
            {
                var fast = BeginAccess(op, size, write: false);
                EmitLoadPointer(size);
                _il.Emit(OpCodes.Stloc, _va);
                Label no = _il.DefineLabel();
                Label done = _il.DefineLabel();
                EmitCondition(op.Sub);
                _il.Emit(OpCodes.Brfalse, no);
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Br, done);
                _il.MarkLabel(no);
                EmitReadReg(op.Dst, size);
                _il.MarkLabel(done);
                EmitWriteReg(op.Dst, size);
                EndFast(i, fast);
                break;
            }
            case OpShape.SetccR:
                EmitCondition(op.Sub);
                _il.Emit(OpCodes.Conv_U8);
                EmitWriteReg(op.Dst, 1);
                break;
            case OpShape.SetccM:
            {
                var fast = BeginAccess(op, 1, write: true);
                _il.Emit(OpCodes.Ldloc, _ptr);
                _il.Emit(OpCodes.Ldc_I4_1);
                EmitCondition(op.Sub);
                _il.Emit(OpCodes.Conv_U8);
                _il.Emit(OpCodes.Call, s_store);
                EndFast(i, fast);
                break;
            }
            case OpShape.PushR:
            case OpShape.PushI:
            {
                // The value is read before RSP moves (push rsp pushes the old value).
                if (shape == OpShape.PushR)
                {
                    EmitReadReg(op.Src, size);
                }
                else
                {
                    _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                }
                _il.Emit(OpCodes.Stloc, _value);
                EmitStackAccess(-size, size, write: true);
                var fast = BeginFast();
                EmitStorePointer(size, _value);
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Stloc, _reg[Reg.Rsp]);
                _dirty |= 1 << Reg.Rsp;
                EndFast(i, fast);
                break;
            }
            case OpShape.PopR:
            {
                EmitStackAccess(0, size, write: false);
                var fast = BeginFast();
                EmitLoadPointer(size);
                _il.Emit(OpCodes.Stloc, _value);
                // pop rsp loads the value read (the increment happens first and is overwritten).
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Ldc_I8, (long)size);
                _il.Emit(OpCodes.Add);
                _il.Emit(OpCodes.Stloc, _reg[Reg.Rsp]);
                _dirty |= 1 << Reg.Rsp;
                _il.Emit(OpCodes.Ldloc, _value);
                EmitWriteReg(op.Dst, size);
                EndFast(i, fast);
                break;
            }
            case OpShape.Jcc:
            {
                Label notTaken = _il.DefineLabel();
                EmitCondition(op.Sub);
                _il.Emit(OpCodes.Brfalse, notTaken);
                FlagState flags = _flags;
                EmitLeave(op.Imm, i);
                _il.MarkLabel(notTaken);
                _flags = flags;
                EmitLeave(op.NextIp, i);
                break;
            }
            case OpShape.Jmp:
                EmitLeave(op.Imm, i);
                break;
            case OpShape.JmpR:
                _il.Emit(OpCodes.Ldloc, _reg[op.Src]);
                _il.Emit(OpCodes.Stloc, _va);
                EmitExit(i, Exec.Jump);
                break;
            case OpShape.Call:
            {
                EmitStackAccess(-8, 8, write: true);
                var fast = BeginFast();
                _il.Emit(OpCodes.Ldloc, _ptr);
                _il.Emit(OpCodes.Ldc_I4_8);
                _il.Emit(OpCodes.Ldc_I8, (long)op.NextIp);
                _il.Emit(OpCodes.Call, s_store);
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Stloc, _reg[Reg.Rsp]);
                _dirty |= 1 << Reg.Rsp;
                EndFast(i, fast);
                EmitLeave(op.Imm, i);
                break;
            }
            case OpShape.Ret:
            {
                EmitStackAccess(0, 8, write: false);
                var fast = BeginFast();
                _il.Emit(OpCodes.Ldloc, _va);
                _il.Emit(OpCodes.Ldc_I8, (long)(8 + op.Imm));
                _il.Emit(OpCodes.Add);
                _il.Emit(OpCodes.Stloc, _reg[Reg.Rsp]);
                _dirty |= 1 << Reg.Rsp;
                EmitLoadPointer(8);
                _il.Emit(OpCodes.Stloc, _va);
                EndFast(i, fast);
                EmitReturn(i);
                break;
            }
            case OpShape.ShlRI:
            case OpShape.ShrRI:
            case OpShape.SarRI:
                // A zero count changes no flag, but the register is still written (zero-extended).
                if (op.Imm == 0)
                {
                    EmitReadReg(op.Dst, size);
                    EmitWriteReg(op.Dst, size);
                    break;
                }
                // The interpreter's routine materializes the flags in the CPU's fields; registers stay in locals.
                SpillFlags(_flags);
                {
                    _il.Emit(OpCodes.Ldarg_1);
                    _il.Emit(OpCodes.Ldc_I4, shape switch { OpShape.ShlRI => (int)ShiftOps.Shl, OpShape.ShrRI => ShiftOps.Shr, _ => ShiftOps.Sar });
                    _il.Emit(OpCodes.Ldc_I4, size);
                    EmitReadReg(op.Dst, size);
                    _il.Emit(OpCodes.Ldc_I4, (int)op.Imm);
                    _il.Emit(OpCodes.Call, s_shift);
                }
                _flags = FlagState.InCpu;
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.ImulRR:
            case OpShape.ImulRRI:
                // The interpreter's routine materializes the flags in the CPU's fields; registers stay in locals.
                SpillFlags(_flags);
                {
                    _il.Emit(OpCodes.Ldarg_1);
                    _il.Emit(OpCodes.Ldc_I4, size);
                    if (shape == OpShape.ImulRR)
                    {
                        EmitReadReg(op.Dst, size);
                        EmitReadReg(op.Src, size);
                    }
                    else
                    {
                        EmitReadReg(op.Src, size);
                        _il.Emit(OpCodes.Ldc_I8, (long)op.Imm);
                    }
                    _il.Emit(OpCodes.Call, s_multiply);
                }
                _flags = FlagState.InCpu;
                EmitWriteReg(op.Dst, size);
                break;
            case OpShape.XmmRM:
            {
                // SseOps.RM64/RM32: the read, then the operation on the destination (nothing else).
                (System.Reflection.MethodInfo apply, int accessSize) = OpShapes.XmmMemory(op);
                var fast = BeginAccess(op, accessSize, write: false);
                EmitLoadPointer(accessSize);
                _il.Emit(OpCodes.Stloc, _value);
                _il.Emit(OpCodes.Ldarg_1);
                _il.Emit(OpCodes.Ldc_I4, (int)op.Dst);
                _il.Emit(OpCodes.Ldloc, _value);
                _il.Emit(OpCodes.Call, apply);
                EndFast(i, fast);
                break;
            }
            default:
                throw new InvalidOperationException($"no compiled form for {shape}");
        }
    }

    /// <summary>
    /// SseOps.RR/RRI called directly: it reads and writes XMM registers only, cannot fault and
    /// returns Exec.Next (see <see cref="OpShapes"/>), so the guest registers stay where they are
    /// (in locals, or in the CPU if stale) and the flags stay lazy.
    /// </summary>
    private void EmitXmmRegister(int i)
    {
        _il.Emit(OpCodes.Ldarg_1);
        EmitRegionBlock(_current);
        _il.Emit(OpCodes.Call, s_blockOps);
        _il.Emit(OpCodes.Ldc_I4, i);
        _il.Emit(OpCodes.Ldelema, typeof(DecodedOp));
        _il.Emit(OpCodes.Call, OpShapes.XmmMethod(_ops[i]));
        _il.Emit(OpCodes.Pop);
    }

    /// <summary>Computes the op's effective address into <c>_va</c>, its fast-path pointer into <c>_ptr</c>, and branches to the slow path when there is none.</summary>
    private (Label Entry, Label Resume, int Dirty, FlagState Flags) BeginAccess(in DecodedOp op, int size, bool write)
    {
        EmitEa(op);
        _il.Emit(OpCodes.Stloc, _va);
        EmitPointer(size, write);
        return BeginFast();
    }

    /// <summary>The stack slot at RSP + <paramref name="offset"/> into <c>_va</c>, and its pointer into <c>_ptr</c>.</summary>
    private void EmitStackAccess(int offset, int size, bool write)
    {
        _il.Emit(OpCodes.Ldloc, _reg[Reg.Rsp]);
        if (offset != 0)
        {
            _il.Emit(OpCodes.Ldc_I8, (long)offset);
            _il.Emit(OpCodes.Add);
        }
        _il.Emit(OpCodes.Stloc, _va);
        EmitPointer(size, write);
    }

    private void EmitPointer(int size, bool write)
    {
        _il.Emit(OpCodes.Ldloc, _tlb);
        _il.Emit(OpCodes.Ldloc, _va);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Call, write ? s_writePointer : s_readPointer);
        _il.Emit(OpCodes.Stloc, _ptr);
    }

    private void EmitLoadPointer(int size)
    {
        _il.Emit(OpCodes.Ldloc, _ptr);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Call, s_load);
    }

    private void EmitStorePointer(int size, LocalBuilder value)
    {
        _il.Emit(OpCodes.Ldloc, _ptr);
        _il.Emit(OpCodes.Ldc_I4, size);
        _il.Emit(OpCodes.Ldloc, value);
        _il.Emit(OpCodes.Call, s_store);
    }

    /// <summary>movzx/movsx/movsxd of the value on the stack (as MovOps.Extend).</summary>
    private void EmitExtend(byte sub)
    {
        if ((sub & MovOps.SignExtendFlag) == 0)
        {
            return;
        }
        switch (sub & 0x7F)
        {
            case 1: _il.Emit(OpCodes.Conv_I1); break;
            case 2: _il.Emit(OpCodes.Conv_I2); break;
            case 4: _il.Emit(OpCodes.Conv_I4); break;
            default: return;
        }
        _il.Emit(OpCodes.Conv_I8);
    }

    /// <summary>
    /// A binary ALU op (not adc/sbb) of the two values on the stack, as AluOps.Compute: the
    /// operands go to the flag locals, the masked result to <c>_fRes</c>.
    /// </summary>
    private void EmitAlu(byte kind, int size)
    {
        _il.Emit(OpCodes.Stloc, _fSrc);
        _il.Emit(OpCodes.Stloc, _fDst);
        _il.Emit(OpCodes.Ldloc, _fDst);
        _il.Emit(OpCodes.Ldloc, _fSrc);
        FlagOp flagKind;
        switch (kind)
        {
            case AluOps.Add:
                _il.Emit(OpCodes.Add);
                EmitMask(size);
                flagKind = FlagOp.Add;
                break;
            case AluOps.Sub:
            case AluOps.Cmp:
                _il.Emit(OpCodes.Sub);
                EmitMask(size);
                flagKind = FlagOp.Sub;
                break;
            case AluOps.Or:
                _il.Emit(OpCodes.Or);
                flagKind = FlagOp.Logic;
                break;
            case AluOps.Xor:
                _il.Emit(OpCodes.Xor);
                flagKind = FlagOp.Logic;
                break;
            case AluOps.And:
            case AluOps.Test:
                _il.Emit(OpCodes.And);
                flagKind = FlagOp.Logic;
                break;
            default:
                throw new InvalidOperationException($"ALU kind {kind} is not compiled");
        }
        _il.Emit(OpCodes.Stloc, _fRes);
        _flags = _flags with { InLocals = true, Kind = flagKind, Shift = (size * 8) - 1, Dirty = true };
    }

    /// <summary>inc/dec/neg/not of the value on the stack (as AluOps.ComputeUnary); leaves the result on the stack.</summary>
    private void EmitUnary(byte kind, int size)
    {
        if (kind == AluOps.Not)
        {
            _il.Emit(OpCodes.Not);
            EmitMask(size);
            return;
        }
        _il.Emit(OpCodes.Stloc, _value);
        if (kind is AluOps.Inc or AluOps.Dec)
        {
            // inc and dec keep CF: it is read from the state before them.
            EmitCarry();
            _il.Emit(OpCodes.Conv_U8);
            _il.Emit(OpCodes.Stloc, _fAux);
        }
        _il.Emit(OpCodes.Ldloc, _value);
        _il.Emit(OpCodes.Stloc, _fDst);
        _il.Emit(OpCodes.Ldc_I8, kind == AluOps.Neg ? 0L : 1L);
        _il.Emit(OpCodes.Stloc, _fSrc);
        FlagOp flagKind;
        switch (kind)
        {
            case AluOps.Inc:
                _il.Emit(OpCodes.Ldloc, _fDst);
                _il.Emit(OpCodes.Ldc_I8, 1L);
                _il.Emit(OpCodes.Add);
                flagKind = FlagOp.Inc;
                break;
            case AluOps.Dec:
                _il.Emit(OpCodes.Ldloc, _fDst);
                _il.Emit(OpCodes.Ldc_I8, 1L);
                _il.Emit(OpCodes.Sub);
                flagKind = FlagOp.Dec;
                break;
            default:
                _il.Emit(OpCodes.Ldc_I8, 0L);
                _il.Emit(OpCodes.Ldloc, _fDst);
                _il.Emit(OpCodes.Sub);
                flagKind = FlagOp.Neg;
                break;
        }
        EmitMask(size);
        _il.Emit(OpCodes.Stloc, _fRes);
        _il.Emit(OpCodes.Ldloc, _fRes);
        bool aux = flagKind is FlagOp.Inc or FlagOp.Dec || (_flags.InLocals && _flags.AuxValid);
        _flags = new FlagState(true, flagKind, (size * 8) - 1, aux, true);
    }
}
