using System.Security.Claims;

namespace AlertPipeline.Kernel;

/// <summary>
/// The console's roles. Each is the least a job needs: a DSL sees pupils of their own school(s) only; IT tunes
/// lists and devices and never sees a pupil; a governor sees anonymised counts; an administrator manages
/// accounts and sees no alert at all.
/// </summary>
internal static class ConsoleRoles
{
    public const string Dsl = "dsl";
    public const string TrustDsl = "trust-dsl";
    public const string It = "it";
    public const string Governor = "governor";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Dsl, TrustDsl, It, Governor, Admin];

    /// <summary>Roles that may see pupil identities, text and screenshots.</summary>
    public static bool SeesPupils(string role) => role is Dsl or TrustDsl;
}

/// <summary>
/// The claims a console principal carries, whatever signed it in (a local account today, an OpenID Connect
/// provider later: see docs/decisions/0006-console-accounts-and-oidc.md). Authorisation reads only these.
/// </summary>
internal static class ConsoleClaims
{
    public const string UserId = "ap:user";
    public const string Name = "ap:name";
    public const string Role = "ap:role";
    public const string School = "ap:school";

    /// <summary>The account's security stamp when the session began (the account's SecurityStamp).</summary>
    public const string Stamp = "ap:stamp";
}

/// <summary>The signed-in console user as authorisation sees it.</summary>
internal sealed record ConsoleUser(string UserId, string Name, string Role, IReadOnlyList<string> Schools)
{
    public static ConsoleUser? From(ClaimsPrincipal principal)
    {
        var id = principal.FindFirst(ConsoleClaims.UserId)?.Value;
        var role = principal.FindFirst(ConsoleClaims.Role)?.Value;
        if (id is null || role is null)
        {
            return null;
        }

        return new ConsoleUser(id, principal.FindFirst(ConsoleClaims.Name)?.Value ?? id, role,
            [.. principal.FindAll(ConsoleClaims.School).Select(c => c.Value)])
        {
            Stamp = principal.FindFirst(ConsoleClaims.Stamp)?.Value,
        };
    }

    /// <summary>The security stamp the session was issued with (null for a session from before stamps).</summary>
    public string? Stamp { get; init; }

    public bool SeesPupils => ConsoleRoles.SeesPupils(Role);

    /// <summary>Null: every school (trust-wide). Otherwise the schools whose alerts this user may see.</summary>
    public IReadOnlyList<string>? SchoolScope => Role == ConsoleRoles.TrustDsl ? null : Schools;

    public bool CanSee(string schoolId) => SeesPupils && (SchoolScope is null || SchoolScope.Contains(schoolId, StringComparer.Ordinal));
}

internal static class ConsoleUserExtensions
{
    /// <summary>The signed-in console user of a request that passed a console policy.</summary>
    public static ConsoleUser ConsoleUserOf(this HttpContext context) =>
        ConsoleUser.From(context.User) ?? throw new InvalidOperationException("a console endpoint ran without a console user; its policy is missing");
}
