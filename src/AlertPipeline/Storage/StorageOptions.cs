using Microsoft.Extensions.Options;

namespace AlertPipeline.Storage;

/// <summary>Where AlertPipeline keeps its data (section <c>Storage</c>).</summary>
internal sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Data directory: SQLite files, screenshots, outbox, logs. Relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// SQLite <c>synchronous</c> level for the queue and alert store. <c>FULL</c> (default) survives power loss
    /// after an acknowledgement; <c>NORMAL</c> survives a process crash only (faster; see ADR 0001).
    /// </summary>
    public string Synchronous { get; set; } = "FULL";

    /// <summary>
    /// <c>sqlite</c> (default: files in the data directory, one machine) or <c>postgres</c> (a trust's shared
    /// PostgreSQL, so detect and respond processes on several machines share alerts and the outbox; ADR 0022).
    /// </summary>
    public string Provider { get; set; } = StorageProviders.Sqlite;

    /// <summary>The Npgsql connection string when <see cref="Provider"/> is <c>postgres</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => Provider == StorageProviders.Postgres;

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}

internal static class StorageProviders
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Storage:DataDirectory must not be empty.");
        }
        else if (File.Exists(options.FullDataDirectory))
        {
            // Otherwise the first store to open fails deep inside with "the file already exists" (exit 70).
            failures.Add($"Storage:DataDirectory must be a directory, but '{options.FullDataDirectory}' is a file.");
        }

        if (options.Synchronous is not ("FULL" or "NORMAL"))
        {
            failures.Add($"Storage:Synchronous must be FULL or NORMAL (was '{options.Synchronous}').");
        }

        if (options.Provider is not (StorageProviders.Sqlite or StorageProviders.Postgres))
        {
            failures.Add($"Storage:Provider must be {StorageProviders.Sqlite} or {StorageProviders.Postgres} (was '{options.Provider}').");
        }
        else if (options.IsPostgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Storage:ConnectionString must be set when Storage:Provider is postgres (an Npgsql connection string, e.g. 'Host=db;Database=alertpipeline;Username=alertpipeline').");
        }
        else if (options.IsPostgres && Postgres.PostgresDatabase.ConnectionStringProblem(options.ConnectionString!) is { } problem)
        {
            failures.Add($"Storage:ConnectionString is not a usable Npgsql connection string ({problem}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
