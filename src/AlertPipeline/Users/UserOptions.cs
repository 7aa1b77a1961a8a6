using Microsoft.Extensions.Options;

namespace AlertPipeline.Users;

/// <summary>Console sign-in settings (section <c>Users</c>).</summary>
internal sealed class UserOptions
{
    public const string Section = "Users";

    /// <summary>Failed passwords in a row that lock an account.</summary>
    public int LockoutThreshold { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A session ends after this long without a request (sliding).</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(8);

    public int MinimumPasswordLength { get; set; } = 12;

    /// <summary>
    /// How often an open live stream re-reads its account, so a disabled account or a changed password, role or
    /// school ends the stream within this long even when no alert arrives (each alert is checked as well).
    /// </summary>
    public TimeSpan StreamRecheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sign-in attempts one network address may make per minute, whatever the accounts: lockout protects one account,
    /// this stops one machine trying many (or locking many out).
    /// </summary>
    public int SignInAttemptsPerMinute { get; set; } = 10;
}

internal sealed class UserOptionsValidator : IValidateOptions<UserOptions>
{
    public ValidateOptionsResult Validate(string? name, UserOptions options)
    {
        var failures = new List<string>();
        if (options.SignInAttemptsPerMinute is < 1 or > 100_000)
        {
            failures.Add($"Users:SignInAttemptsPerMinute must be from 1 to 100000 (was {options.SignInAttemptsPerMinute}).");
        }

        if (options.LockoutThreshold is < 1 or > 100)
        {
            failures.Add($"Users:LockoutThreshold must be from 1 to 100 failed attempts (was {options.LockoutThreshold}).");
        }

        if (options.LockoutDuration <= TimeSpan.Zero)
        {
            failures.Add($"Users:LockoutDuration must be a positive duration such as 00:15:00 (was '{options.LockoutDuration}').");
        }

        if (options.SessionIdleTimeout < TimeSpan.FromMinutes(1) || options.SessionIdleTimeout > TimeSpan.FromDays(1))
        {
            failures.Add($"Users:SessionIdleTimeout must be from 00:01:00 to 1.00:00:00 (was '{options.SessionIdleTimeout}').");
        }

        if (options.StreamRecheckInterval < TimeSpan.FromMilliseconds(100) || options.StreamRecheckInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Users:StreamRecheckInterval must be from 00:00:00.100 to 00:05:00 (was '{options.StreamRecheckInterval}').");
        }

        if (options.MinimumPasswordLength is < 8 or > 128)
        {
            failures.Add($"Users:MinimumPasswordLength must be from 8 to 128 (was {options.MinimumPasswordLength}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
