namespace HvSim.Validation.Reproduce;

/// <summary>Writes a reproduction into a directory: per figure ID.csv and ID.png, table2.csv, claims.csv, then report.md.</summary>
public static class ReproduceOutput
{
    /// <summary>Creates <paramref name="directory"/> if needed and writes every file; returns their paths in the order written.</summary>
    /// <param name="ran">How the measurements were made (report.md's "ran" line), asked for when report.md is written, after the PNGs.</param>
    public static IReadOnlyList<string> Write(ReproduceResult r, string directory, Func<string> ran)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        void Text(string name, string content)
        {
            string path = Path.Combine(directory, name);
            File.WriteAllText(path, content);
            files.Add(path);
        }
        foreach (FigureData figure in r.Figures)
        {
            Text(figure.Id + ".csv", FigureCsv.Text(figure));
        }
        // The PNGs are independent: render them on every core.
        string[] pngs = r.Figures.Select(f => Path.Combine(directory, f.Id + ".png")).ToArray();
        Parallel.For(0, pngs.Length, i => FigurePlot.SavePng(r.Figures[i], pngs[i]));
        files.AddRange(pngs);
        Text("table2.csv", TableCsv.Table2([.. r.Table2, .. r.ContrastTable2]));
        Text("claims.csv", TableCsv.Claims(r.Claims));
        Text("report.md", ReportMarkdown.Text(r, ran()));
        return files;
    }

    /// <summary>report.md's "ran" line for a reproduction made in this process.</summary>
    public static string InOneProcess(TimeSpan wall) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"in one process on {Environment.ProcessorCount} cores, {wall.TotalSeconds:0.0} s wall time");
}
