using System.Net.Mail;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Schools;

/// <summary>One school of the trust (section <c>Schools:&lt;schoolId&gt;</c>).</summary>
internal sealed class SchoolOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>The Designated Safeguarding Lead's address: urgent alerts go here at once.</summary>
    public string DslEmail { get; set; } = string.Empty;
}

/// <summary>The trust's schools and who is told when a school has no DSL configured (section <c>Trust</c>).</summary>
internal sealed class TrustOptions
{
    public const string Section = "Trust";

    public string Name { get; set; } = "Trust";

    /// <summary>
    /// The trust-level DSL. Alerts from a school that is not configured (or has no DSL address) go here, so an
    /// alert is never left without a recipient.
    /// </summary>
    public string DslEmail { get; set; } = string.Empty;

    public Dictionary<string, SchoolOptions> Schools { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class TrustOptionsValidator : IValidateOptions<TrustOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustOptions options)
    {
        var failures = new List<string>();
        if (!IsEmail(options.DslEmail))
        {
            failures.Add($"Trust:DslEmail must be an email address: the trust DSL receives alerts of schools without one (was '{options.DslEmail}').");
        }

        foreach (var (id, school) in options.Schools)
        {
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                failures.Add($"Trust:Schools:{id} is not a valid school id (letters, digits, '.', '_', '-').");
            }

            if (school.DslEmail.Length > 0 && !IsEmail(school.DslEmail))
            {
                failures.Add($"Trust:Schools:{id}:DslEmail is not an email address (was '{school.DslEmail}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsEmail(string value) =>
        !string.IsNullOrWhiteSpace(value) && MailAddress.TryCreate(value, out var address) && address.Address == value.Trim();
}
