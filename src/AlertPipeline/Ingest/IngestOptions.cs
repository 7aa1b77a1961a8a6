using AlertPipeline.Events;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Ingest;

/// <summary>What ingest accepts (section <c>Ingest</c>); the contract in docs/events.md.</summary>
internal sealed class IngestOptions
{
    public const string Section = "Ingest";

    /// <summary>
    /// How far in the past <c>occurredAt</c> may be. Agents upload late (a laptop offline over half term), so this is
    /// generous; an event older than the queue's retention could not be de-duplicated anyway.
    /// </summary>
    public TimeSpan MaxEventAge { get; set; } = OccurredWindow.Default.MaxAge;

    /// <summary>How far in the future <c>occurredAt</c> may be: device clocks drift.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = OccurredWindow.Default.MaxFutureSkew;

    public OccurredWindow Window => new(MaxEventAge, MaxFutureSkew);
}

internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new List<string>();
        if (options.MaxEventAge < TimeSpan.FromHours(1) || options.MaxEventAge > TimeSpan.FromDays(3650))
        {
            failures.Add($"Ingest:MaxEventAge must be between 01:00:00 and 3650.00:00:00 (was {options.MaxEventAge}).");
        }

        if (options.MaxFutureSkew < TimeSpan.Zero || options.MaxFutureSkew > TimeSpan.FromDays(1))
        {
            failures.Add($"Ingest:MaxFutureSkew must be between 00:00:00 and 1.00:00:00 (was {options.MaxFutureSkew}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
