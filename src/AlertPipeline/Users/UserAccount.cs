namespace AlertPipeline.Users;

/// <summary>A local console account. <see cref="Schools"/> matters for <c>dsl</c> (and is empty for trust-wide roles).</summary>
internal sealed record UserAccount(
    string UserId,
    string Name,
    string Role,
    IReadOnlyList<string> Schools,
    bool Disabled,
    bool MustChangePassword,
    int FailedAttempts,
    DateTimeOffset? LockedUntil,
    DateTimeOffset CreatedAt)
{
    /// <summary>Changes whenever the password, role, schools or state change; a session with an older one ends.</summary>
    public string SecurityStamp { get; init; } = "";
}

internal enum SignInOutcome
{
    Success,
    /// <summary>Right password, but it was a one-time password: the user must choose a new one first.</summary>
    MustChangePassword,
    Invalid,
    LockedOut,
}
