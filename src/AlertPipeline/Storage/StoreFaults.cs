using System.Collections.Concurrent;

namespace AlertPipeline.Storage;

/// <summary>
/// Stores found damaged while running (SQLite reported corruption). Detection reports here; ingest refuses events
/// while any is listed (they could not be turned into alerts), and the watchdog raises a system alert.
/// </summary>
internal sealed class StoreFaults
{
    /// <summary>The watchdog check that reports these.</summary>
    public const string Check = "stores";

    private readonly ConcurrentDictionary<string, string> _damaged = new(StringComparer.Ordinal);

    public bool Any => !_damaged.IsEmpty;

    public void Damaged(string store, string error) => _damaged[store] = error;

    /// <summary>The store worked again (restored, or the damage was in pages since rewritten).</summary>
    public void Working(string store) => _damaged.TryRemove(store, out _);

    public string Describe() => string.Join("; ", _damaged.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}: {d.Value}"));
}
