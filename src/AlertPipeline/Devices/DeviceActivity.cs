using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Devices;

internal sealed record DeviceSeen(string DeviceId, string SchoolId, DateTimeOffset LastSeen);

/// <summary>
/// When each device last sent an event, kept in <c>system.db</c> and brought up to date from the embedded queue
/// (<c>queue.db</c>) each time it is asked: it reads only events after the last one it counted, so the cost is
/// the new events, not the whole queue. With a Kafka transport there is no queue.db and the list stays empty
/// (a known limit, said on the page). Device ids only: never a pupil login.
/// </summary>
internal sealed class DeviceActivity
{
    private readonly SqliteDatabase _system;
    private readonly string _queuePath;
    private readonly string _synchronous;
    private readonly Lock _lock = new();

    public DeviceActivity(SystemDatabase system, IOptions<StorageOptions> storage)
    {
        _system = system.Database;
        _queuePath = Path.Combine(storage.Value.FullDataDirectory, "queue.db");
        _synchronous = storage.Value.Synchronous;
        using var connection = _system.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS device_last_seen (device_id TEXT NOT NULL, school_id TEXT NOT NULL, last_seen INTEGER NOT NULL,
                PRIMARY KEY (school_id, device_id));
            CREATE TABLE IF NOT EXISTS console_positions (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
            """);
    }

    public bool HasQueue => File.Exists(_queuePath);

    public IReadOnlyList<DeviceSeen> Silent(DateTimeOffset before)
    {
        CatchUp();
        using var connection = _system.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT device_id, school_id, last_seen FROM device_last_seen WHERE last_seen < $before ORDER BY last_seen";
        command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var result = new List<DeviceSeen>();
        while (reader.Read())
        {
            result.Add(new DeviceSeen(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        }

        return result;
    }

    public long Known()
    {
        using var connection = _system.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM device_last_seen";
        return (long)command.ExecuteScalar()!;
    }

    private void CatchUp()
    {
        if (!HasQueue)
        {
            return;
        }

        lock (_lock)
        {
            var queue = new SqliteDatabase(_queuePath, _synchronous, verify: false); // The queue's owner verified it at start.
            using var system = _system.Open();
            using var position = system.CreateCommand();
            position.CommandText = "SELECT COALESCE((SELECT position FROM console_positions WHERE name = 'devices'), 0)";
            var after = (long)position.ExecuteScalar()!;
            using var source = queue.Open();
            while (true)
            {
                using var read = source.CreateCommand();
                read.CommandText = """
                    SELECT MAX(seq), json_extract(CAST(payload AS TEXT), '$.deviceId') AS device, school_id, MAX(accepted_at)
                    FROM (SELECT seq, payload, school_id, accepted_at FROM events WHERE seq > $after ORDER BY seq LIMIT 20000)
                    GROUP BY device, school_id
                    """;
                read.Parameters.AddWithValue("$after", after);
                var batch = new List<(long Seq, string? Device, string School, long At)>();
                using (var reader = read.ExecuteReader())
                {
                    while (reader.Read())
                    {
                        batch.Add((reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
                    }
                }

                if (batch.Count == 0)
                {
                    return;
                }

                using var transaction = system.BeginTransaction();
                foreach (var (_, device, school, at) in batch.Where(b => b.Device is not null))
                {
                    using var upsert = system.CreateCommand();
                    upsert.Transaction = transaction;
                    upsert.CommandText = """
                        INSERT INTO device_last_seen(device_id, school_id, last_seen) VALUES ($d, $s, $at)
                        ON CONFLICT(school_id, device_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)
                        """;
                    upsert.Parameters.AddWithValue("$d", device);
                    upsert.Parameters.AddWithValue("$s", school);
                    upsert.Parameters.AddWithValue("$at", at);
                    upsert.ExecuteNonQuery();
                }

                after = batch.Max(b => b.Seq);
                using var save = system.CreateCommand();
                save.Transaction = transaction;
                save.CommandText = "INSERT INTO console_positions(name, position) VALUES ('devices', $p) ON CONFLICT(name) DO UPDATE SET position = excluded.position";
                save.Parameters.AddWithValue("$p", after);
                save.ExecuteNonQuery();
                transaction.Commit();
            }
        }
    }
}
