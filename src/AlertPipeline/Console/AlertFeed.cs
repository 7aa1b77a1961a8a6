using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi;

/// <summary>
/// Tells open consoles about new and changed alerts. It polls <c>alerts.db</c> rather than hooking the detection
/// worker, so it works the same when detection runs in another process on the same data.
/// </summary>
internal sealed partial class AlertFeed(AlertQueries queries, IOptions<ConsoleOptions> options, TimeProvider clock, ILogger<AlertFeed> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, Channel<AlertSummary>> _subscribers = new();

    /// <summary>
    /// Each subscriber gets a bounded buffer. A browser that stops reading (a laptop lid closed) must not make the
    /// server hold every alert for it: when its buffer is full its stream is ended, and the page reconnects and
    /// reloads the queue from the database, which is the record. Nothing is lost; only that live view restarts.
    /// </summary>
    private const int SubscriberBuffer = 256;

    public int Subscribers => _subscribers.Count;

    public async IAsyncEnumerable<AlertSummary> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var channel = Channel.CreateBounded<AlertSummary>(new BoundedChannelOptions(SubscriberBuffer) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _subscribers[id] = channel;
        try
        {
            await foreach (var alert in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return alert;
            }
        }
        finally
        {
            _subscribers.TryRemove(id, out _);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        (long Row, long Updated)? position = null;
        var (row, updated) = (0L, 0L);
        // Rows changed in the millisecond we last saw, already sent: the next poll asks for updated_at >= that ms.
        var sentAtUpdated = new HashSet<string>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(options.Value.FeedPollInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            IReadOnlyList<(long Row, AlertSummary Alert)> changes;
            try
            {
                // Any store error (a SQLite file busy, PostgreSQL restarting or out of reach: both are DbExceptions) is
                // waited out here. Before, only SQLite's were, and a PostgreSQL restart stopped every process's host.
                if (position is null)
                {
                    position = queries.Position();
                    (row, updated) = position.Value;
                    continue;
                }

                changes = queries.Changes(row, updated);
            }
            catch (System.Data.Common.DbException ex) when (position is not null || ex is not Microsoft.Data.Sqlite.SqliteException)
            {
                // Not the first read of a SQLite file: a damaged alerts.db found at start stops the host as before, so
                // serve names the file (exit 2) instead of running on with a console that can show nothing.
                LogPollFailed(ex.Message);
                continue;
            }

            foreach (var (r, alert) in changes)
            {
                var ms = alert.UpdatedAt.ToUnixTimeMilliseconds();
                if (r <= row && ms == updated && sentAtUpdated.Contains(alert.AlertId))
                {
                    continue;
                }

                row = Math.Max(row, r);
                if (ms > updated)
                {
                    updated = ms;
                    sentAtUpdated.Clear();
                }

                if (ms == updated)
                {
                    sentAtUpdated.Add(alert.AlertId);
                }

                Publish(alert);
            }
        }
    }

    private void Publish(AlertSummary alert)
    {
        foreach (var (id, channel) in _subscribers)
        {
            if (!channel.Writer.TryWrite(alert))
            {
                channel.Writer.TryComplete();
                _subscribers.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live alert feed could not read alerts.db this time: {Problem}")]
    private partial void LogPollFailed(string problem);
}
