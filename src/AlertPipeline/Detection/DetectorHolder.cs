using AlertPipeline.Audit;
using AlertPipeline.Detection.Lists;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>
/// The detector in force. Compiling happens off to the side; the swap is one reference write, so a scan in flight
/// finishes on the version it started with and the next scan uses the new one. No restart, no lock on the hot path.
/// <para>
/// On a trust (<c>Storage:Provider=postgres</c>) the lists are the trust's: the latest version recorded in the database,
/// whose files are kept there too (<see cref="KeywordSnapshots"/>). Each process's list folder is its mirror: at start
/// and at every reload the process writes the trust's version into its folder when it differs, so an edit made in the
/// console of one respond process reaches every detect process within <c>Detection:ReloadInterval</c>. A change to a
/// process's own folder (the <c>keywords import</c> command, an edit by hand) is published as the trust's next version.
/// </para>
/// </summary>
internal sealed partial class DetectorHolder
{
    private readonly ILogger<DetectorHolder> _logger;
    private readonly KeywordVersionStore _versions;
    private readonly KeywordSnapshots _snapshots;
    private readonly TimeSpan _regexTimeout;
    private readonly AuditLog? _audit;
    private readonly Lock _reloadLock = new();
    private volatile Detector _current;

    /// <param name="audit">Absent only where no audit log is registered (benchmarks of the detection stage alone).</param>
    public DetectorHolder(IOptions<DetectionOptions> options, IOptions<Storage.StorageOptions> storage, KeywordVersionStore versions,
        KeywordSnapshots snapshots, ILogger<DetectorHolder> logger, AuditLog? audit = null)
    {
        _logger = logger;
        _versions = versions;
        _snapshots = snapshots;
        _audit = audit;
        _regexTimeout = options.Value.RegexTimeout;
        // On a trust the configured folder is only the first seed: the mirror is always the data directory's copy,
        // which this process may rewrite (a folder mounted read-only, as in the compose file, could not be).
        Directory = KeywordDirectory.ResolveEditable(options.Value.KeywordsDirectory, storage.Value.FullDataDirectory, alwaysCopy: versions.IsShared)
                    ?? throw new KeywordListException($"keyword list directory '{options.Value.KeywordsDirectory}' does not exist");
        var (files, local) = ReadFolder();
        if (versions.IsShared && versions.Latest() is { } trust && trust != local.Version && snapshots.Load(trust) is { } trustFiles
            && TryParse(trustFiles) is { } trustSet)
        {
            // This process was stopped while the trust's lists changed (or its folder is a fresh seed): the trust's win.
            Mirror(trustFiles);
            _current = Detector.Compile(trustSet, _regexTimeout);
            LogMirroredAtStart(trust, local.Version, Directory);
        }
        else
        {
            _current = Detector.Compile(local, _regexTimeout);
            Publish(files, local, "loaded at start (changed on disk since the last recorded version)");
        }

        LogLoaded(_current.Version, _current.Set.Entries.Count, Directory);
    }

    public string Directory { get; }

    public Detector Current => _current;

    /// <summary>
    /// Re-reads the folder and swaps in the new version if it changed and is valid; on a trust, then writes the trust's
    /// latest version into the folder if another process recorded one. Returns true on a swap.
    /// </summary>
    public bool Reload()
    {
        lock (_reloadLock)
        {
            return ReloadFromDisk() || (_versions.IsShared && ReloadFromTrust());
        }
    }

    /// <summary>
    /// Runs a change of the folder's files (the console's editor) with reloads held off, after taking in any newer
    /// version first, so an edit starts from the lists in force for the trust and no mirror swaps the folder under it.
    /// </summary>
    public T Change<T>(Func<T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_reloadLock)
        {
            Reload(); // Lock is re-entrant: the change's own Reload at its end takes it again on this thread.
            return change();
        }
    }

    private bool ReloadFromDisk()
    {
        IReadOnlyList<KeywordSourceFile> files;
        KeywordSet set;
        try
        {
            (files, set) = ReadFolder();
        }
        catch (KeywordListException ex)
        {
            LogInvalid(ex.Message, _current.Version);
            return false;
        }

        if (set.Version == _current.Version)
        {
            return false;
        }

        var previous = _current.Version;
        // Published before it is swapped in: if the trust's database is unreachable this throws, the version in force
        // stays, and the next tick, still seeing the change on disk, tries again; nothing in force goes unrecorded.
        Publish(files, set, $"changed on disk, replacing {previous}");
        _current = Detector.Compile(set, _regexTimeout);
        // A reload changes what is detected for every pupil, whoever edited the files (console, CLI, an editor on the
        // server): the audit log records when it took effect, beside the edit itself where that came through us.
        _audit?.Append("system", "system", AuditActions.KeywordChange, detail: $"keyword lists reloaded from {Directory}: {previous} -> {set.Version} ({set.Entries.Count} entries) now in force");
        LogSwapped(previous, set.Version, set.Entries.Count);
        return true;
    }

    private bool ReloadFromTrust()
    {
        if (_versions.Latest() is not { } trust || trust == _current.Version)
        {
            return false;
        }

        if (_snapshots.Load(trust) is not { } files)
        {
            LogTrustVersionWithoutFiles(trust, _current.Version);
            return false;
        }

        if (TryParse(files) is not { } set)
        {
            return false;
        }

        var previous = _current.Version;
        Mirror(files);
        _current = Detector.Compile(set, _regexTimeout);
        _audit?.Append("system", "system", AuditActions.KeywordChange, detail: $"keyword lists {previous} -> {set.Version} ({set.Entries.Count} entries) now in force here, written to {Directory} from the trust's database");
        LogMirrored(previous, set.Version, set.Entries.Count);
        return true;
    }

    /// <summary>Records the version (once) and, on a trust, keeps its files in the database so every process can mirror it.</summary>
    private void Publish(IReadOnlyList<KeywordSourceFile> files, KeywordSet set, string reason)
    {
        if (_versions.IsShared)
        {
            _snapshots.Save(set.Version, files);
        }

        _versions.RecordIfNew(set.Version, "system", reason, set.Entries.Count);
    }

    /// <exception cref="KeywordListException">A list file in the folder is invalid.</exception>
    private (IReadOnlyList<KeywordSourceFile> Files, KeywordSet Set) ReadFolder()
    {
        var files = KeywordDirectory.ReadFiles(Directory);
        return (files, KeywordSetParser.Parse(files));
    }

    private KeywordSet? TryParse(IReadOnlyList<KeywordSourceFile> files)
    {
        try
        {
            return KeywordSetParser.Parse(files);
        }
        catch (KeywordListException ex)
        {
            LogInvalid(ex.Message, _current?.Version ?? "(none)");
            return null;
        }
    }

    /// <summary>
    /// Replaces the folder with one holding exactly <paramref name="files"/>, written beside it and swapped in whole, so
    /// no reader (and no later reload, which would publish what it read) ever sees half of one version and half of another.
    /// </summary>
    private void Mirror(IReadOnlyList<KeywordSourceFile> files)
    {
        var staging = KeywordDirectory.Stage(Directory, files);

        // Two renames: a crash between them leaves no folder, which the next start seeds and then mirrors again.
        var old = Directory.TrimEnd(Path.DirectorySeparatorChar) + "." + Guid.NewGuid().ToString("N") + ".old";
        System.IO.Directory.Move(Directory, old);
        System.IO.Directory.Move(staging, Directory);
        System.IO.Directory.Delete(old, recursive: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Keyword lists {Version} loaded: {Entries} entries from {Directory}")]
    private partial void LogLoaded(string version, int entries, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Keyword lists changed: {Previous} -> {Version} ({Entries} entries), now in force")]
    private partial void LogSwapped(string previous, string version, int entries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Keyword lists changed in the trust's database: {Previous} -> {Version} ({Entries} entries), now in force here")]
    private partial void LogMirrored(string previous, string version, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keyword lists: the trust's version {Trust} replaced this process's folder {Directory}, which held {Local} (stale, or edited by hand while the process was stopped; the trust's database keeps every published version)")]
    private partial void LogMirroredAtStart(string trust, string local, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keyword lists: the trust's latest version {Trust} has no files in the database, so {Version} stays in force here")]
    private partial void LogTrustVersionWithoutFiles(string trust, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keyword lists not reloaded, version {Version} stays in force: {Problem}")]
    private partial void LogInvalid(string problem, string version);
}

/// <summary>
/// Polls the list directory (and, on a trust, the trust's latest version) and swaps in changed lists. A tick that
/// cannot reach the trust's database or write the folder changes nothing and is retried at the next tick: it must
/// never stop the service, since an unhandled exception here would stop the host, and detection with it.
/// </summary>
internal sealed partial class KeywordReloadService(DetectorHolder holder, IOptions<DetectionOptions> options, TimeProvider clock, ILogger<KeywordReloadService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                holder.Reload();
            }
            catch (System.Data.Common.DbException ex)
            {
                LogNotChecked(holder.Current.Version, ex.Message);
            }
            catch (IOException ex)
            {
                LogNotChecked(holder.Current.Version, ex.Message);
            }
            catch (UnauthorizedAccessException ex)
            {
                LogNotChecked(holder.Current.Version, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keyword lists not checked for changes this time, version {Version} stays in force: {Problem}")]
    private partial void LogNotChecked(string version, string problem);
}
