namespace HvSim.Cpu.Ops;

/// <summary>A condition code 0..15 as a type, so each jcc handler evaluates one fixed condition.</summary>
internal interface ICondition
{
    static abstract int Code { get; }
}

internal struct CondO : ICondition { public static int Code => 0; }
internal struct CondNo : ICondition { public static int Code => 1; }
internal struct CondB : ICondition { public static int Code => 2; }
internal struct CondAe : ICondition { public static int Code => 3; }
internal struct CondE : ICondition { public static int Code => 4; }
internal struct CondNe : ICondition { public static int Code => 5; }
internal struct CondBe : ICondition { public static int Code => 6; }
internal struct CondA : ICondition { public static int Code => 7; }
internal struct CondS : ICondition { public static int Code => 8; }
internal struct CondNs : ICondition { public static int Code => 9; }
internal struct CondP : ICondition { public static int Code => 10; }
internal struct CondNp : ICondition { public static int Code => 11; }
internal struct CondL : ICondition { public static int Code => 12; }
internal struct CondGe : ICondition { public static int Code => 13; }
internal struct CondLe : ICondition { public static int Code => 14; }
internal struct CondG : ICondition { public static int Code => 15; }

/// <summary>jcc specialised per condition: the condition switch folds away at JIT time.</summary>
internal static unsafe class BranchFast
{
    public static delegate*<Cpu, ref DecodedOp, int> Jcc(int cc) => s_jcc[cc];

    private static readonly delegate*<Cpu, ref DecodedOp, int>[] s_jcc =
    {
        &Jcc<CondO>, &Jcc<CondNo>, &Jcc<CondB>, &Jcc<CondAe>, &Jcc<CondE>, &Jcc<CondNe>, &Jcc<CondBe>, &Jcc<CondA>,
        &Jcc<CondS>, &Jcc<CondNs>, &Jcc<CondP>, &Jcc<CondNp>, &Jcc<CondL>, &Jcc<CondGe>, &Jcc<CondLe>, &Jcc<CondG>,
    };

    private static int Jcc<TCondition>(Cpu c, ref DecodedOp op)
        where TCondition : struct, ICondition
    {
        c.Rip = c.Condition(TCondition.Code) ? op.Imm : op.NextIp;
        return Exec.Jump;
    }
}
