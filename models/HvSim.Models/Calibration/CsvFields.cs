using System.Text;

namespace HvSim.Models.Calibration;

/// <summary>Splits one CSV line into fields (RFC 4180 quoting: "a, b" and "say ""x""" on one line); null on an unterminated quote. Shared by every CSV reader of the project.</summary>
public static class CsvFields
{
    public static List<string>? Split(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.ToString().Trim().Length == 0)
            {
                field.Clear();
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString().Trim());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            return null; // an unterminated quote
        }
        fields.Add(field.ToString().Trim());
        return fields;
    }
}
