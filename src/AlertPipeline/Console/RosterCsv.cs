using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.ConsoleUi;

/// <summary>A pupil as the DSL sees them: from the school's MIS export.</summary>
/// <param name="Send">Special educational needs as the MIS states it ("SEN support", "EHC plan"), or null for none.</param>
internal sealed record Pupil(string Login, string SchoolId, string DisplayName, string YearGroup, string? Form = null, string? Send = null, bool LookedAfter = false, bool Eal = false);

/// <summary>What one roster file gave: the pupils, what could not be read (one line per row), and which columns were used.</summary>
internal sealed record RosterFileResult(string Path, IReadOnlyList<Pupil> Pupils, IReadOnlyList<string> Problems, string Columns);

/// <summary>
/// Reads a pupil roster CSV: our own columns (<c>login,school,display_name,year_group</c>) or an MIS export with the
/// column names SIMS, Arbor and Bromcom reports use (docs/roster.md). Through CsvHelper, so a quoted
/// <c>"Smith, John"</c> is one field. A row that cannot be used is reported with its line and skipped; the rest load.
/// </summary>
internal static class RosterCsv
{
    // Each field the console shows, and the header names that carry it in the exports we know, in order of preference.
    private static readonly string[] LoginColumns = ["login", "username", "user name", "network login", "email", "email address", "school email", "student email", "pupil email"];
    private static readonly string[] SchoolColumns = ["school", "school id"];
    private static readonly string[] NameColumns = ["display_name", "display name", "name", "full name", "student name", "pupil name"];
    private static readonly string[] ForenameColumns = ["preferred forename", "preferred first name", "preferred name", "forename", "first name", "legal forename", "legal first name"];
    private static readonly string[] SurnameColumns = ["preferred surname", "surname", "last name", "legal surname", "legal last name"];
    private static readonly string[] YearColumns = ["year_group", "year group", "year", "nc year", "curriculum year", "national curriculum year"];
    private static readonly string[] FormColumns = ["form", "reg", "reg group", "registration group", "registration form", "form group", "tutor group", "tutor"];
    private static readonly string[] SendColumns = ["send", "sen", "sen status", "send status", "sen need", "sen provision", "senprovision"];
    private static readonly string[] LookedAfterColumns = ["looked_after", "looked after", "in care", "cla", "lac", "child looked after"];
    private static readonly string[] EalColumns = ["eal", "english as an additional language", "english additional language"];

    /// <summary>Reads <paramref name="path"/>; <paramref name="school"/> is the school of an export with no school column.</summary>
    /// <exception cref="RosterFormatException">The file has no header naming a login column, or no school at all.</exception>
    public static RosterFileResult Read(string path, string? school = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path, school);
    }

    public static RosterFileResult Read(TextReader text, string path, string? school = null)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            AllowComments = true,
            Comment = '#',
            TrimOptions = TrimOptions.Trim,
            BadDataFound = null, // a stray quote is kept as text, not a failed file; the row is still checked below
            MissingFieldFound = null,
            IgnoreBlankLines = true,
            DetectDelimiter = false,
        };
        using var csv = new CsvReader(text, configuration);
        if (!csv.Read() || !csv.ReadHeader() || csv.HeaderRecord is not { Length: > 0 } header)
        {
            throw new RosterFormatException($"{path}: empty: expected a header row");
        }

        int? Find(string[] names)
        {
            foreach (var name in names)
            {
                var i = Array.FindIndex(header, h => string.Equals(h.Trim(), name, StringComparison.OrdinalIgnoreCase));
                if (i >= 0)
                {
                    return i;
                }
            }

            return null;
        }

        var login = Find(LoginColumns) ?? throw new RosterFormatException(
            $"{path}: no login column: the header must name one of {string.Join(", ", LoginColumns)} (was: {string.Join(",", header)})");
        var schoolColumn = Find(SchoolColumns);
        if (schoolColumn is null && school is null)
        {
            throw new RosterFormatException($"{path}: no school column; an MIS export of one school is configured under Console:RosterFiles:<schoolId>");
        }

        // Every forename and surname column present, preferred first: a pupil without a preferred name in the
        // export has an empty "Preferred Forename" and is shown by the legal one.
        int[] FindAll(string[] names) => names
            .Select(n => Array.FindIndex(header, h => string.Equals(h.Trim(), n, StringComparison.OrdinalIgnoreCase)))
            .Where(i => i >= 0).Distinct().ToArray();
        var (name, forenames, surnames) = (Find(NameColumns), FindAll(ForenameColumns), FindAll(SurnameColumns));
        var (year, form, send, lookedAfter, eal) = (Find(YearColumns), Find(FormColumns), Find(SendColumns), Find(LookedAfterColumns), Find(EalColumns));
        string Column(int? i) => i is { } c ? header[c] : "-";
        var columns = $"login={Column(login)}, school={(schoolColumn is null ? school : Column(schoolColumn))}, name={(name is not null ? Column(name) : $"{string.Join('/', forenames.Select(i => header[i]))}+{string.Join('/', surnames.Select(i => header[i]))}")}, year={Column(year)}, form={Column(form)}, SEND={Column(send)}, looked-after={Column(lookedAfter)}, EAL={Column(eal)}";

        var pupils = new List<Pupil>();
        var problems = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        while (csv.Read())
        {
            var line = csv.Parser.RawRow;
            string? Field(int? i) => i is { } c && c < csv.Parser.Count && csv.GetField(c) is { Length: > 0 } v ? v : null;
            var id = Field(login);
            if (id is null)
            {
                problems.Add($"{path} line {line}: no login in column '{header[login]}': row skipped");
                continue;
            }

            if (seen.TryGetValue(id, out var first))
            {
                problems.Add($"{path} line {line}: login '{id}' is already on line {first}: row skipped");
                continue;
            }

            var pupilSchool = Field(schoolColumn) ?? school;
            if (pupilSchool is null)
            {
                problems.Add($"{path} line {line}: no school in column '{header[schoolColumn!.Value]}': row skipped");
                continue;
            }

            var display = Field(name) ?? string.Join(' ', new[] { forenames.Select(i => Field(i)).FirstOrDefault(v => v is not null), surnames.Select(i => Field(i)).FirstOrDefault(v => v is not null) }.Where(p => p is not null));
            var yearText = Field(year);
            var yearGroup = yearText is null ? null : YearGroup(yearText);
            if (yearText is not null && yearGroup is null)
            {
                problems.Add($"{path} line {line}: year '{yearText}' is not a year group (Nursery, Reception, 1 to 14, 'Year 9' or 'Y9'): loaded without one");
            }

            var lookedAfterText = Field(lookedAfter);
            var looked = Flag(lookedAfterText);
            var ealText = Field(eal);
            var isEal = Flag(ealText);
            foreach (var (column, value, flag) in new[] { (lookedAfter, lookedAfterText, looked), (eal, ealText, isEal) })
            {
                if (value is not null && flag is null)
                {
                    problems.Add($"{path} line {line}: '{value}' in column '{header[column!.Value]}' is not yes or no (Y/N, Yes/No, True/False, 1/0): read as no");
                }
            }

            seen[id] = line;
            pupils.Add(new Pupil(id, pupilSchool, display.Length > 0 ? display : id, yearGroup ?? "", Field(form), Send(Field(send)), looked ?? false, isEal ?? false));
        }

        return new RosterFileResult(path, pupils, problems, columns);
    }

    /// <summary>"7", "Y7", "Year 7", "R", "Reception", "N1" -> "Year 7", "Reception", "Nursery"; null if not a year group.</summary>
    internal static string? YearGroup(string text)
    {
        var t = text.Trim();
        if (t.Equals("R", StringComparison.OrdinalIgnoreCase) || t.Equals("Reception", StringComparison.OrdinalIgnoreCase) || t.Equals("YR", StringComparison.OrdinalIgnoreCase))
        {
            return "Reception";
        }

        if (t.StartsWith('N') && (t.Length == 1 || t.Equals("Nursery", StringComparison.OrdinalIgnoreCase) || t is "N1" or "N2"))
        {
            return "Nursery";
        }

        foreach (var prefix in new[] { "Year ", "Year", "Y" })
        {
            if (t.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                t = t[prefix.Length..].Trim();
                break;
            }
        }

        return int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 14
            ? string.Create(CultureInfo.InvariantCulture, $"Year {n}")
            : null;
    }

    // SIMS and Bromcom give the SEN provision as a code (N none, K SEN support, E EHC plan; S and A from the old
    // code of practice); Arbor and hand-made files give words. Anything meaning "none" is no SEND.
    private static string? Send(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" or "N" or "NO" or "NONE" or "FALSE" or "0" => null,
        "K" => "SEN support",
        "E" => "EHC plan",
        "S" => "statement",
        "A" => "School Action",
        "P" => "School Action Plus",
        "Y" or "YES" or "TRUE" or "1" => "yes",
        _ => value.Trim(),
    };

    private static bool? Flag(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null => null,
        "Y" or "YES" or "TRUE" or "1" or "T" => true,
        "N" or "NO" or "FALSE" or "0" or "F" or "" => false,
        _ => null,
    };
}

/// <summary>A roster file that cannot be read at all (no header, no login column): the previous roster stays in force.</summary>
internal sealed class RosterFormatException(string message) : Exception(message);
