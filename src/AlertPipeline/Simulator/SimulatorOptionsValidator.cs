using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

/// <summary>
/// Checks <see cref="SimulatorOptions"/> on start. Every message names the key and the bad value so a
/// mistyped appsettings.json gives one clear line.
/// </summary>
internal sealed partial class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    private const string S = SimulatorOptions.SectionName;

    /// <summary>Caps the pupil table the generator holds in memory.</summary>
    internal const long MaxPupils = 1_000_000;

    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (options.SchoolIds.Count == 0)
        {
            Range(failures, nameof(options.SchoolCount), options.SchoolCount, 1, 1000);
        }
        else
        {
            for (var i = 0; i < options.SchoolIds.Count; i++)
            {
                var id = options.SchoolIds[i];
                if (id is null || !IdPattern().IsMatch(id))
                {
                    failures.Add($"{S}:{nameof(options.SchoolIds)}:{i} must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-' (was '{id}')");
                }
            }

            var duplicate = options.SchoolIds.GroupBy(id => id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                failures.Add($"{S}:{nameof(options.SchoolIds)} must not repeat a school (was '{duplicate.Key}' {duplicate.Count()} times)");
            }
        }

        Range(failures, nameof(options.PupilsPerSchool), options.PupilsPerSchool, 1, 100_000);
        Range(failures, nameof(options.DevicesPerSchool), options.DevicesPerSchool, 1, 100_000);
        var schools = options.SchoolIds.Count > 0 ? options.SchoolIds.Count : options.SchoolCount;
        if ((long)schools * options.PupilsPerSchool > MaxPupils)
        {
            failures.Add($"{S}:{nameof(options.PupilsPerSchool)} × schools must be at most {MaxPupils} (was {options.PupilsPerSchool} × {schools})");
        }

        if (!(options.EventsPerSecond >= 1 && options.EventsPerSecond <= 1_000_000))
        {
            failures.Add($"{S}:{nameof(options.EventsPerSecond)} must be between 1 and 1000000 (was {Format(options.EventsPerSecond)})");
        }

        if (!(options.ConcerningShare >= 0 && options.ConcerningShare <= 1))
        {
            failures.Add($"{S}:{nameof(options.ConcerningShare)} must be between 0 and 1 (was {Format(options.ConcerningShare)})");
        }

        Range(failures, nameof(options.BatchSize), options.BatchSize, 1, 5000);
        Range(failures, nameof(options.MaxConcurrentBatches), options.MaxConcurrentBatches, 1, 64);
        Range(failures, nameof(options.MaxAttempts), options.MaxAttempts, 1, 100);

        if (options.RunId is { Length: > 0 } runId && !IdPattern().IsMatch(runId))
        {
            failures.Add($"{S}:{nameof(options.RunId)} must be 1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-' (was '{runId}')");
        }

        if (options.Duration is { } duration && duration <= TimeSpan.Zero)
        {
            failures.Add($"{S}:{nameof(options.Duration)} must be positive (was {duration})");
        }

        if (options.MaxEvents is { } max && max < 1)
        {
            failures.Add($"{S}:{nameof(options.MaxEvents)} must be at least 1 (was {max})");
        }

        Positive(failures, nameof(options.InitialBackoff), options.InitialBackoff);
        Positive(failures, nameof(options.MaxBackoff), options.MaxBackoff);
        Positive(failures, nameof(options.RequestTimeout), options.RequestTimeout);
        if (options.MaxBackoff < options.InitialBackoff)
        {
            failures.Add($"{S}:{nameof(options.MaxBackoff)} must not be less than {S}:{nameof(options.InitialBackoff)} (was {options.MaxBackoff} < {options.InitialBackoff})");
        }

        if (options.TargetBaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{S}:{nameof(options.TargetBaseUrl)} must be an absolute http or https URL (was '{url.OriginalString}')");
        }

        if (options.Sink is not ("http" or "kafka"))
        {
            failures.Add($"{S}:{nameof(options.Sink)} must be http or kafka (was '{options.Sink}')");
        }

        if (failures.Count == 0 && options.Sink == "http")
        {
            // Only meaningful once the school list is known to be valid; Kafka needs no API key.
            var missing = options.ResolveSchoolIds().Where(id => options.ApiKeyFor(id) is null).ToList();
            if (missing.Count > 0)
            {
                failures.Add($"{S}:{nameof(options.ApiKey)} (or {S}:{nameof(options.ApiKeys)}:<school>) is required; no key for '{string.Join("', '", missing)}'");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string key, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{S}:{key} must be between {min} and {max} (was {value})");
        }
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"{S}:{key} must be positive (was {value})");
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The contract's schoolId rule; run ids follow it too so event ids stay printable ASCII.</summary>
    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex IdPattern();
}
