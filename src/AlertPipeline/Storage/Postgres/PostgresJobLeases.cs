using AlertPipeline.Kernel;
using AlertPipeline.Storage.Migrations;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage.Postgres;

/// <summary>
/// Job leases in the trust's PostgreSQL (ADR 0023): a row per (job, due time) in <c>job_leases</c>, claimed by one
/// <c>INSERT … ON CONFLICT … DO UPDATE … WHERE</c>, so of any number of responders firing for the same due time
/// exactly one gets a row back. A claim whose holder died (lease past, run not complete) can be taken over once.
/// </summary>
internal sealed class PostgresJobLeases : IJobLeases
{
    public const string Store = "jobs";

    /// <summary>How long finished runs' rows are kept (for an operator asking who ran what); older ones are deleted.</summary>
    private static readonly TimeSpan Kept = TimeSpan.FromDays(7);

    public static readonly IReadOnlyList<Migration> Postgres =
    [
        new(1, "job leases", (connection, transaction) => SchemaMigrator.Execute(connection, transaction, """
            CREATE TABLE job_leases (
                job TEXT NOT NULL,
                due_at BIGINT NOT NULL,
                holder TEXT NOT NULL,
                lease_until BIGINT NOT NULL,
                completed INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (job, due_at));
            """)),
    ];

    private readonly PostgresDatabase _database;
    private readonly string _holder;

    public PostgresJobLeases(PostgresDatabase database, IOptions<StorageOptions> options, TimeProvider clock)
    {
        _database = database;
        // The same identity the outbox claims use: this machine and data directory, stable across restarts.
        _holder = $"{Environment.MachineName}:{options.Value.FullDataDirectory}";
        using var connection = database.Open();
        SchemaVersion = SchemaMigrator.Migrate(connection, Store, Postgres, clock);
    }

    public int SchemaVersion { get; }

    public bool TryClaim(string job, DateTimeOffset due, DateTimeOffset now, DateTimeOffset until)
    {
        using var connection = _database.Open();
        var won = connection.Command("""
                INSERT INTO job_leases(job, due_at, holder, lease_until) VALUES (@job, @due, @holder, @until)
                ON CONFLICT (job, due_at) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
                WHERE job_leases.completed = 0 AND job_leases.lease_until < @now
                """)
            .With("@job", job).With("@due", due.ToUnixTimeMilliseconds()).With("@holder", _holder)
            .With("@until", until.ToUnixTimeMilliseconds()).With("@now", now.ToUnixTimeMilliseconds()).Run() == 1;
        if (won)
        {
            connection.Command("DELETE FROM job_leases WHERE job = @job AND due_at < @old")
                .With("@job", job).With("@old", (now - Kept).ToUnixTimeMilliseconds()).Run();
        }

        return won;
    }

    public void Complete(string job, DateTimeOffset due)
    {
        using var connection = _database.Open();
        connection.Command("UPDATE job_leases SET completed = 1 WHERE job = @job AND due_at = @due AND holder = @holder")
            .With("@job", job).With("@due", due.ToUnixTimeMilliseconds()).With("@holder", _holder).Run();
    }
}
