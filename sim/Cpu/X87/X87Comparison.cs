namespace HvSim.Cpu.X87;

/// <summary>The outcome of FCOM/FUCOM: the relation and the exceptions raised.</summary>
public readonly record struct X87Comparison(X87Relation Relation, X87Exceptions Exceptions)
{
    /// <summary>C3, C2 and C0 in their status-word positions (bits 14, 10, 8): SDM Vol. 2A FCOM, Table 3-21.</summary>
    public ushort ConditionCodes => Relation switch
    {
        X87Relation.Greater => 0,
        X87Relation.Less => 0x0100,
        X87Relation.Equal => 0x4000,
        _ => 0x4500,
    };
}

public enum X87Relation
{
    Greater,
    Less,
    Equal,
    Unordered,
}
