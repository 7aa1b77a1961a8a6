namespace AlertPipeline.Kernel;

/// <summary>The console's authorisation policies. Each names the roles allowed; nothing else grants access.</summary>
internal static class ConsolePolicies
{
    public const string Scheme = "Console";

    /// <summary>Pupil identities, text and screenshots (further limited to the user's schools in each query).</summary>
    public const string PupilData = "console:pupil-data";
    public const string Lists = "console:lists";
    public const string Aggregates = "console:aggregates";
    public const string Accounts = "console:accounts";
    public const string AuditReader = "console:audit";
    public const string SignedIn = "console:signed-in";

    /// <summary>The pipeline's own health (dead letters): counts and reasons, never a pupil's text.</summary>
    public const string Pipeline = "console:pipeline";

    public static readonly IReadOnlyDictionary<string, string[]> Roles = new Dictionary<string, string[]>
    {
        [PupilData] = [ConsoleRoles.Dsl, ConsoleRoles.TrustDsl],
        [Lists] = [ConsoleRoles.It],
        [Aggregates] = [ConsoleRoles.Governor, ConsoleRoles.TrustDsl],
        [Accounts] = [ConsoleRoles.Admin],
        [AuditReader] = [ConsoleRoles.TrustDsl, ConsoleRoles.Admin],
        [SignedIn] = [.. ConsoleRoles.All],
        [Pipeline] = [ConsoleRoles.It, ConsoleRoles.TrustDsl],
    };
}
