using System.Security.Claims;

namespace AlertPipeline.Users;

/// <summary>The console session's claims made from an account, and the check that the account still allows it.</summary>
internal static class SessionClaims
{
    public static ClaimsIdentity Identity(UserAccount user, string scheme)
    {
        var claims = new List<Claim>
        {
            new(ConsoleClaims.UserId, user.UserId),
            new(ConsoleClaims.Name, user.Name),
            new(ConsoleClaims.Role, user.Role),
            new(ConsoleClaims.Stamp, user.SecurityStamp),
        };
        claims.AddRange(user.Schools.Select(s => new Claim(ConsoleClaims.School, s)));
        return new ClaimsIdentity(claims, scheme, ConsoleClaims.Name, ConsoleClaims.Role);
    }

    /// <summary>
    /// Whether a session of this user may go on, given the account as stored now: it must exist, be enabled, and
    /// have the stamp, role and schools the session began with. Checked on every request and by the live stream.
    /// </summary>
    public static bool StillMatches(this ConsoleUser session, UserAccount? current) =>
        current is { Disabled: false } && session.Stamp is not null
        && string.Equals(current.SecurityStamp, session.Stamp, StringComparison.Ordinal)
        && current.Role == session.Role && current.Schools.SequenceEqual(session.Schools, StringComparer.Ordinal);
}
