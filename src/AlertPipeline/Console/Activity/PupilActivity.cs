using AlertPipeline.Detection;
using AlertPipeline.Events;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.ConsoleUi.Activity;

/// <summary>One thing the pupil did near an alert: a search, a page, what they typed.</summary>
internal sealed record ActivityItem(DateTimeOffset OccurredAt, string Source, string Text, string? App, string? Url, bool IsAlertEvent);

/// <summary>The pupil's activity around an alert, or why there is none to show.</summary>
internal sealed record ActivityWindow(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ActivityItem> Items, string? Unavailable, bool Truncated);

/// <summary>
/// The pupil's own events in the minutes before and after an alert, read from the retained events of the embedded
/// queue (<c>queue.db</c>, kept <c>Queue:RetentionDays</c>), so a DSL judges a concern in context: what they searched
/// for, which pages, what they typed. Read only; the caller audits each view. With a Kafka transport there is no
/// <c>queue.db</c> and the page says so.
/// </summary>
internal sealed class PupilActivity(IOptions<StorageOptions> storage, IOptions<ConsoleOptions> options)
{
    /// <summary>Most events shown around one alert; a pupil's busy minutes beyond this are cut, and that is said.</summary>
    public const int MaxItems = 300;

    private readonly string _queuePath = Path.Combine(storage.Value.FullDataDirectory, "queue.db");

    public ActivityWindow Around(string schoolId, string login, string eventId, DateTimeOffset at)
    {
        var window = options.Value.ActivityWindow;
        var (from, to) = (at - window, at + window);
        if (!File.Exists(_queuePath))
        {
            return new ActivityWindow(from, to, [], "Activity is read from the embedded queue's retained events; this installation has none (a Kafka transport).", false);
        }

        // Agents send in batches, so an event is accepted a little after it happened: the search by acceptance time
        // is widened, and what is shown is chosen by when it happened.
        var slack = TimeSpan.FromMinutes(5);
        var database = new SqliteDatabase(_queuePath, storage.Value.Synchronous);
        using var connection = database.Open();
        var first = FirstSeqAcceptedAtOrAfter(connection, (from - slack).ToUnixTimeMilliseconds());
        var last = FirstSeqAcceptedAtOrAfter(connection, (to + slack).ToUnixTimeMilliseconds());
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT payload FROM events
            WHERE seq >= $first AND seq < $last AND school_id = $school AND user_login = $login
            ORDER BY seq
            """;
        command.Parameters.AddWithValue("$first", first);
        command.Parameters.AddWithValue("$last", last);
        command.Parameters.AddWithValue("$school", schoolId);
        command.Parameters.AddWithValue("$login", login);
        var items = new List<ActivityItem>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var e = DeviceEventReader.TryRead((byte[])reader.GetValue(0), DateTimeOffset.MaxValue, out _);
                if (e is not null && e.OccurredAt >= from && e.OccurredAt <= to)
                {
                    items.Add(new ActivityItem(e.OccurredAt, e.Source.ToName(), e.Text, e.App, e.Url, e.EventId == eventId));
                }
            }
        }

        var ordered = items.OrderBy(i => i.OccurredAt).ToList();
        return new ActivityWindow(from, to, ordered.Count > MaxItems ? Nearest(ordered, at) : ordered,
            ordered.Count == 0 ? "No retained events of this pupil in this window (events are kept for the queue's retention period)." : null,
            ordered.Count > MaxItems);
    }

    /// <summary>The <see cref="MaxItems"/> events closest in time to the alert, in time order.</summary>
    private static List<ActivityItem> Nearest(List<ActivityItem> items, DateTimeOffset at) =>
        [.. items.OrderBy(i => (i.OccurredAt - at).Duration()).Take(MaxItems).OrderBy(i => i.OccurredAt)];

    /// <summary>
    /// The first sequence number accepted at or after a time. The queue has no index on acceptance time, but one
    /// writer appends in order, so acceptance time never decreases with the sequence number: a binary search of
    /// point lookups (about 25 for millions of events) finds it without scanning.
    /// </summary>
    private static long FirstSeqAcceptedAtOrAfter(SqliteConnection connection, long at)
    {
        using var bounds = connection.CreateCommand();
        bounds.CommandText = "SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) FROM events";
        long low, high;
        using (var reader = bounds.ExecuteReader())
        {
            reader.Read();
            (low, high) = (reader.GetInt64(0), reader.GetInt64(1) + 1);
        }

        using var probe = connection.CreateCommand();
        probe.CommandText = "SELECT accepted_at FROM events WHERE seq >= $seq ORDER BY seq LIMIT 1";
        var seq = probe.Parameters.Add("$seq", SqliteType.Integer);
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            seq.Value = middle;
            if (probe.ExecuteScalar() is long accepted && accepted < at)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
