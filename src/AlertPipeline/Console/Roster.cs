using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// Who a login belongs to: the school's MIS export (<c>Console:RosterFiles:&lt;schoolId&gt;</c>) and/or a file in our
/// own columns (<c>Console:RosterFile</c>; <c>seeds/roster/pupils.csv</c> for the demo). Re-read without a restart
/// when a file changes (<see cref="RosterReloadService"/>), because schools re-export after every admission and
/// leaver, not once a term. The swap is one reference write: a page being built keeps the roster it started with.
/// </summary>
internal sealed partial class Roster
{
    private readonly ConsoleOptions _options;
    private readonly ILogger<Roster> _logger;
    private volatile Snapshot _current;

    public Roster(IOptions<ConsoleOptions> options, ILogger<Roster>? logger = null)
    {
        _options = options.Value;
        _logger = logger ?? NullLogger<Roster>.Instance;
        _current = Load(Stamp(), starting: true)!;
    }

    public int Count => _current.Pupils.Count;

    /// <summary>Rows of the roster files in force that could not be used, one line each with file and line.</summary>
    public IReadOnlyList<string> Problems => _current.Problems;

    public Pupil? Find(string login) => _current.Pupils.GetValueOrDefault(login);

    /// <summary>Re-reads the files if any changed since the last read. Returns true when a new roster is in force.</summary>
    public bool ReloadIfChanged()
    {
        var stamp = Stamp();
        if (stamp.SequenceEqual(_current.Stamp))
        {
            return false;
        }

        if (Load(stamp, starting: false) is not { } loaded)
        {
            return false;
        }

        _current = loaded;
        LogReloaded(loaded.Pupils.Count, loaded.Problems.Count);
        return true;
    }

    /// <summary>The files to read: the school's own exports, then the file with a school column.</summary>
    internal IEnumerable<(string Path, string? School)> Sources()
    {
        foreach (var (school, file) in _options.RosterFiles.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            yield return (ConsoleOptions.Resolve(file) ?? file, school);
        }

        if (!string.IsNullOrWhiteSpace(_options.RosterFile) && _options.ResolvedRosterFile is { } path)
        {
            yield return (path, null);
        }
    }

    private List<string> Stamp() =>
        Sources().Select(s => File.Exists(s.Path) ? $"{s.Path}|{File.GetLastWriteTimeUtc(s.Path).Ticks}|{new FileInfo(s.Path).Length}" : $"{s.Path}|missing").ToList();

    private Snapshot? Load(List<string> stamp, bool starting)
    {
        var pupils = new Dictionary<string, Pupil>(StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        var from = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (path, school) in Sources())
        {
            RosterFileResult file;
            try
            {
                file = RosterCsv.Read(path, school);
            }
            catch (Exception ex) when (ex is RosterFormatException or IOException or UnauthorizedAccessException)
            {
                // A file that cannot be read at all (half-copied, the wrong export) must not empty the roster DSLs rely
                // on: after start the roster in force stays; at start the other files still load.
                LogUnreadable(path, ex.Message);
                if (!starting)
                {
                    return null;
                }

                problems.Add(ex.Message);
                continue;
            }

            problems.AddRange(file.Problems);
            foreach (var pupil in file.Pupils)
            {
                if (from.TryGetValue(pupil.Login, out var other))
                {
                    problems.Add($"{path}: login '{pupil.Login}' is also in {other}; the first is kept");
                    continue;
                }

                from[pupil.Login] = path;
                pupils[pupil.Login] = pupil;
            }
        }

        foreach (var problem in problems)
        {
            LogRowProblem(problem);
        }

        return new Snapshot(pupils, problems, stamp);
    }

    private sealed record Snapshot(Dictionary<string, Pupil> Pupils, IReadOnlyList<string> Problems, List<string> Stamp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pupil roster reloaded: {Pupils} pupils, {Problems} rows with problems")]
    private partial void LogReloaded(int pupils, int problems);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pupil roster: {Problem}")]
    private partial void LogRowProblem(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pupil roster {Path} cannot be read, the roster in force is kept: {Problem}")]
    private partial void LogUnreadable(string path, string problem);
}

/// <summary>
/// Looks for changed roster files every <c>Console:RosterReloadInterval</c>. A file replaced while it is looked at
/// (an export script deleting and rewriting it) is looked at again next time: an exception out of this loop would stop
/// the host, and detection with it, over the console's pupil names.
/// </summary>
internal sealed partial class RosterReloadService(Roster roster, IOptions<ConsoleOptions> options, TimeProvider clock, ILogger<RosterReloadService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RosterReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                roster.ReloadIfChanged();
            }
            catch (IOException ex)
            {
                LogNotChecked(ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                LogNotChecked(ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pupil roster not checked for changes this time, the roster in force is kept: {Problem}")]
    private partial void LogNotChecked(string problem);
}
