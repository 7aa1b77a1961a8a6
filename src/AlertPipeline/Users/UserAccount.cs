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

    /// <summary>The OpenID Connect provider this account signs in through (<c>Users:Oidc:Providers</c>); empty for a local account with a password.</summary>
    public string Provider { get; init; } = "";

    /// <summary>Whether the role came from the provider's groups or e-mail entry in configuration (true) or from an administrator.</summary>
    public bool Mapped { get; init; }

    public bool IsLocal => Provider.Length == 0;
}

internal enum SignInOutcome
{
    Success,
    /// <summary>Right password, but it was a one-time password: the user must choose a new one first.</summary>
    MustChangePassword,
    Invalid,
    LockedOut,
}
