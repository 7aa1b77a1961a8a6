using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

internal sealed record Pupil(string Login, string SchoolId, string DisplayName, string YearGroup);

/// <summary>
/// Who a login belongs to (the school's MIS export in real life; <c>seeds/roster/pupils.csv</c> for the demo).
/// Read once at start: a roster changes termly, and a restart picks it up.
/// </summary>
internal sealed class Roster
{
    private readonly Dictionary<string, Pupil> _pupils = new(StringComparer.OrdinalIgnoreCase);

    public Roster(IOptions<ConsoleOptions> options)
    {
        var path = options.Value.ResolvedRosterFile;
        if (path is null)
        {
            return; // The options validator has already said which setting is wrong.
        }

        var lines = File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var header = lines.Length > 0 ? lines[0].Split(',') : [];
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0
            ? i : throw new InvalidOperationException($"{path}: the header has no '{name}' column (needs login,school,display_name,year_group)");
        var (login, school, display, year) = (Column("login"), Column("school"), Column("display_name"), Column("year_group"));
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            _pupils[f[login]] = new Pupil(f[login], f[school], f[display], f[year]);
        }
    }

    public int Count => _pupils.Count;

    public Pupil? Find(string login) => _pupils.GetValueOrDefault(login);
}
