using AlertPipeline.Schools;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Users.Oidc;

/// <summary>
/// Staff sign-in with their school account (section <c>Users:Oidc</c>): one entry per identity provider under
/// <c>Providers</c>, keyed by a short name that appears in the sign-in button's address and the audit log.
/// </summary>
internal sealed class OidcOptions
{
    public const string Section = "Users:Oidc";

    public Dictionary<string, OidcProviderOptions> Providers { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One OpenID Connect provider: Microsoft Entra ID, Google Workspace, or any other that speaks the protocol.</summary>
internal sealed class OidcProviderOptions
{
    /// <summary>What the sign-in button says after "Sign in with": "Microsoft", "Google".</summary>
    public string DisplayName { get; set; } = "";

    /// <summary><c>https://login.microsoftonline.com/{tenant id}/v2.0</c> or <c>https://accounts.google.com</c>.</summary>
    public string Authority { get; set; } = "";

    public string ClientId { get; set; } = "";

    /// <summary>The client secret; better given by environment variable (<c>Users__Oidc__Providers__microsoft__ClientSecret</c>) than in a file.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The claim that holds the person's e-mail address: <c>email</c> (Google), <c>preferred_username</c> (Entra's UPN).</summary>
    public string EmailClaim { get; set; } = "email";

    /// <summary>The claim that lists the person's groups (Entra: <c>groups</c> object ids; app roles come as <c>roles</c>).</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>
    /// E-mail domains allowed to sign in (<c>oakfield.sch.uk</c>); for Google also the Workspace domain in <c>hd</c>.
    /// Empty: any domain the provider vouches for (a single-tenant Entra registration already limits that).
    /// </summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>Group id (or app role) to role: <c>dsl:oakfield</c>, <c>dsl:oakfield,riverside</c>, <c>trust-dsl</c>, <c>it</c>, <c>governor</c>, <c>admin</c>.</summary>
    public Dictionary<string, string> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>An e-mail address to a role, as for <see cref="Groups"/>: for Google, which sends no groups, or a single exception.</summary>
    public Dictionary<string, string> Emails { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A role and the schools it covers (for <c>dsl</c>), as written in configuration: <c>dsl:oakfield,riverside</c>.</summary>
internal sealed record RoleGrant(string Role, IReadOnlyList<string> Schools)
{
    public static RoleGrant? Parse(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var role = (colon < 0 ? text : text[..colon]).Trim();
        var schools = colon < 0 ? [] : text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!ConsoleRoles.All.Contains(role, StringComparer.Ordinal) || (role == ConsoleRoles.Dsl) != (schools.Length > 0))
        {
            return null;
        }

        return new RoleGrant(role, schools);
    }

    public override string ToString() => Schools.Count == 0 ? Role : $"{Role}:{string.Join(',', Schools)}";
}

internal sealed class OidcOptionsValidator(IOptions<TrustOptions> trust) : IValidateOptions<OidcOptions>
{
    public ValidateOptionsResult Validate(string? name, OidcOptions options)
    {
        var failures = new List<string>();
        foreach (var (provider, p) in options.Providers)
        {
            var key = $"{OidcOptions.Section}:Providers:{provider}";
            if (provider.Length is 0 or > 32 || !provider.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                failures.Add($"{key}: a provider's name must be 1-32 lower-case letters, digits or '-' (it is part of the sign-in address).");
            }

            if (!Uri.TryCreate(p.Authority, UriKind.Absolute, out var authority)
                || !(authority.Scheme == Uri.UriSchemeHttps || (authority.Scheme == Uri.UriSchemeHttp && authority.IsLoopback)))
            {
                // Plain HTTP is accepted only on this machine (a provider run for tests or a trial); anywhere else the
                // metadata and keys that vouch for every sign-in could be swapped on the way.
                failures.Add($"{key}:Authority must be an https:// address such as https://login.microsoftonline.com/<tenant id>/v2.0 or https://accounts.google.com (was '{p.Authority}').");
            }

            if (p.ClientId.Length == 0)
            {
                failures.Add($"{key}:ClientId is required: the application (client) id from the provider's app registration.");
            }

            if (p.ClientSecret.Length == 0)
            {
                failures.Add($"{key}:ClientSecret is required (set it by environment variable Users__Oidc__Providers__{provider}__ClientSecret rather than in a file).");
            }

            if (p.EmailClaim.Length == 0 || p.GroupsClaim.Length == 0)
            {
                failures.Add($"{key}: EmailClaim and GroupsClaim must not be empty (defaults: email, groups).");
            }

            foreach (var domain in p.Domains)
            {
                if (domain.Length == 0 || domain.Contains('@', StringComparison.Ordinal) || !domain.Contains('.', StringComparison.Ordinal))
                {
                    failures.Add($"{key}:Domains: '{domain}' is not an e-mail domain such as oakfield.sch.uk.");
                }
            }

            foreach (var (map, entries) in new[] { ("Groups", p.Groups), ("Emails", p.Emails) })
            {
                foreach (var (match, grant) in entries)
                {
                    ValidateGrant($"{key}:{map}:{match}", grant, failures);
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateGrant(string key, string text, List<string> failures)
    {
        if (RoleGrant.Parse(text) is not { } grant)
        {
            failures.Add($"{key} must be a role ({string.Join(", ", ConsoleRoles.All)}), with the schools after a colon for dsl only, such as dsl:oakfield,riverside (was '{text}').");
            return;
        }

        // A group mapped to a school the trust does not configure would let its members in to see nothing, while
        // everyone believes that school is covered: refused at start, as for 'users add --school'.
        var unknown = grant.Schools.Where(s => !trust.Value.Schools.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
        {
            failures.Add($"{key}: school '{string.Join("', '", unknown)}' is not configured under Trust:Schools (configured: {(trust.Value.Schools.Count == 0 ? "none" : string.Join(", ", trust.Value.Schools.Keys.Order(StringComparer.Ordinal)))}).");
        }
    }
}
