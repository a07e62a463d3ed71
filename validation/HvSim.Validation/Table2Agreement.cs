using System.Globalization;

namespace HvSim.Validation;

/// <summary>One cell of Table 2 as the issue counts them: a (structure, operation, OPT) with its writes and pages, ours and the paper's.</summary>
public readonly record struct Table2Cell(double Writes, double PaperWrites, double Pages, double PaperPages);

/// <summary>
/// How many of Table 2's 40 cells (20 rows, OPT 1 and 5) lie within a factor of the paper's: a cell
/// does when both its writes and its pages are within the factor either way.
/// </summary>
public static class Table2Agreement
{
    public static bool Within(Table2Cell cell, double factor) =>
        Close(cell.Writes, cell.PaperWrites, factor) && Close(cell.Pages, cell.PaperPages, factor);

    public static int Within(IEnumerable<Table2Cell> cells, double factor) => cells.Count(c => Within(c, factor));

    /// <summary>"cells within 2.5x of the paper's (writes and pages both): 40 of 40; within 1.5x: 39".</summary>
    public static string Summary(IEnumerable<Table2Cell> cells)
    {
        Table2Cell[] all = cells.ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"cells within 2.5x of the paper's (writes and pages both): {Within(all, 2.5)} of {all.Length}; within 1.5x: {Within(all, 1.5)}");
    }

    private static bool Close(double ours, double paper, double factor) => paper > 0 && ours / paper <= factor && ours / paper >= 1 / factor;
}
