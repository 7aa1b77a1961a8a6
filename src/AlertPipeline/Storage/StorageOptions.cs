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

    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
