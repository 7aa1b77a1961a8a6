using AlertPipeline.Detection.Lists;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Detection;

/// <summary>
/// The detector in force. Compiling happens off to the side; the swap is one reference write, so a scan in flight
/// finishes on the version it started with and the next scan uses the new one. No restart, no lock on the hot path.
/// </summary>
internal sealed partial class DetectorHolder
{
    private readonly ILogger<DetectorHolder> _logger;
    private readonly KeywordVersionStore _versions;
    private readonly TimeSpan _regexTimeout;
    private volatile Detector _current;

    public DetectorHolder(IOptions<DetectionOptions> options, IOptions<Storage.StorageOptions> storage, KeywordVersionStore versions, ILogger<DetectorHolder> logger)
    {
        _logger = logger;
        _versions = versions;
        _regexTimeout = options.Value.RegexTimeout;
        Directory = KeywordDirectory.ResolveEditable(options.Value.KeywordsDirectory, storage.Value.FullDataDirectory)
                    ?? throw new KeywordListException($"keyword list directory '{options.Value.KeywordsDirectory}' does not exist");
        _current = Detector.Compile(KeywordSetParser.Parse(KeywordDirectory.ReadFiles(Directory)), _regexTimeout);
        LogLoaded(_current.Version, _current.Set.Entries.Count, Directory);
        _versions.RecordIfNew(_current.Version, "system", "loaded at start (changed on disk since the last recorded version)", _current.Set.Entries.Count);
    }

    public string Directory { get; }

    public Detector Current => _current;

    /// <summary>Re-reads the directory; swaps in the new version if it changed and is valid. Returns true on a swap.</summary>
    public bool Reload()
    {
        KeywordSet set;
        try
        {
            set = KeywordSetParser.Parse(KeywordDirectory.ReadFiles(Directory));
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
        _current = Detector.Compile(set, _regexTimeout);
        _versions.RecordIfNew(set.Version, "system", $"changed on disk, replacing {previous}", set.Entries.Count);
        LogSwapped(previous, set.Version, set.Entries.Count);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Keyword lists {Version} loaded: {Entries} entries from {Directory}")]
    private partial void LogLoaded(string version, int entries, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Keyword lists changed: {Previous} -> {Version} ({Entries} entries), now in force")]
    private partial void LogSwapped(string previous, string version, int entries);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keyword lists not reloaded, version {Version} stays in force: {Problem}")]
    private partial void LogInvalid(string problem, string version);
}

/// <summary>Polls the list directory and swaps in changed lists.</summary>
internal sealed class KeywordReloadService(DetectorHolder holder, IOptions<DetectionOptions> options, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            holder.Reload();
        }
    }
}
