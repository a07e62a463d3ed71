using FsCheck;
using FsCheck.Fluent;

namespace HvSim.Tests.Checkpoint;

/// <summary>
/// FsCheck generators of transaction programs: CDAs of 1 to 4 pages, up to 4 transactions of up
/// to 8 writes, every write form of txprog, destinations biased towards page ends so that writes
/// straddle two pages (one or both protected) and string writes run past the CDA's end. Shrinking
/// drops transactions, then writes, then moves offsets to 0.
/// </summary>
public static class TxScriptGenerators
{
    /// <summary>Forms every technique can run (the CDA-stack forms 67 and 68 kill PT and Emul's handlers).</summary>
    public static readonly int[] CommonForms = Enumerable.Range(0, TxForms.Count).Where(f => f is not (TxForms.PushIntoCda or TxForms.CallIntoCda)).ToArray();

    public static Arbitrary<TxScript> Scripts() => Arb.From(Script(CommonForms), Shrink);

    /// <summary>With the CDA-stack forms too, for the techniques that run no signal handler.</summary>
    internal static Arbitrary<TxScript> ScriptsWithStackForms() => Arb.From(Script(Enumerable.Range(0, TxForms.Count).ToArray()), Shrink);

    private static Gen<TxScript> Script(int[] forms) =>
        from pages in Gen.Choose(1, 4)
        from transactions in Gen.ListOf(Transaction(forms, (ulong)pages)).Resize(4)
        select new TxScript((ulong)pages, transactions.Select(t => (IReadOnlyList<TxWrite>)t.ToArray()).ToArray());

    private static Gen<List<TxWrite>> Transaction(int[] forms, ulong pages) =>
        Gen.ListOf(Write(forms, pages)).Resize(8).Select(l => l.ToList());

    private static Gen<TxWrite> Write(int[] forms, ulong pages) =>
        from form in Gen.Elements(forms)
        from offset in Offset(pages)
        from value in Value()
        select new TxWrite(form, offset, value);

    private static Gen<ulong> Offset(ulong pages) => Gen.OneOf(
        Gen.Choose(0, (int)(pages * 4096) - 1).Select(o => (ulong)o),
        // Near a page end: the write straddles into the next page (or past the CDA's end).
        from page in Gen.Choose(0, (int)pages - 1)
        from back in Gen.Choose(1, 16)
        select ((ulong)page * 4096) + 4096 - (ulong)back);

    private static Gen<ulong> Value() => Gen.OneOf(
        Gen.Choose(0, 300).Select(v => (ulong)v),
        ArbMap.Default.GeneratorFor<ulong>());

    private static IEnumerable<TxScript> Shrink(TxScript script)
    {
        for (int t = 0; t < script.Transactions.Count; t++)
        {
            yield return script with { Transactions = script.Transactions.Where((_, i) => i != t).ToArray() };
        }
        for (int t = 0; t < script.Transactions.Count; t++)
        {
            IReadOnlyList<TxWrite> writes = script.Transactions[t];
            for (int w = 0; w < writes.Count; w++)
            {
                IReadOnlyList<TxWrite> fewer = writes.Where((_, i) => i != w).ToArray();
                yield return script with { Transactions = script.Transactions.Select((x, i) => i == t ? fewer : x).ToArray() };
            }
        }
        for (int t = 0; t < script.Transactions.Count; t++)
        {
            IReadOnlyList<TxWrite> writes = script.Transactions[t];
            for (int w = 0; w < writes.Count; w++)
            {
                if (writes[w].Offset != 0)
                {
                    IReadOnlyList<TxWrite> moved = writes.Select((x, i) => i == w ? x with { Offset = 0 } : x).ToArray();
                    yield return script with { Transactions = script.Transactions.Select((x, i) => i == t ? moved : x).ToArray() };
                }
            }
        }
    }
}
