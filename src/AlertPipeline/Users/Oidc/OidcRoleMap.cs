namespace AlertPipeline.Users.Oidc;

/// <summary>What an identity provider said about the person, reduced to what the role mapping reads.</summary>
internal sealed record ExternalIdentity(string Provider, string Subject, string? Email, bool? EmailVerified, string? HostedDomain, IReadOnlyList<string> Groups);

/// <summary>
/// Turns what a provider vouches for into a console role, by configuration only: an explicit e-mail entry first,
/// then the person's groups. No entry, no role (an administrator may still have assigned one: see
/// <see cref="UserStore.SignInExternal"/>). Pure: no I/O, so every rule is tested on its own.
/// </summary>
internal static class OidcRoleMap
{
    /// <summary>Why a person may not sign in at all, whatever their role (null: they may, if a role is found).</summary>
    public static string? Refusal(ExternalIdentity identity, OidcProviderOptions provider)
    {
        if (identity.Email is not { Length: > 0 } email || !email.Contains('@', StringComparison.Ordinal))
        {
            return $"the provider sent no e-mail address in '{provider.EmailClaim}'";
        }

        if (identity.EmailVerified == false)
        {
            // Google marks addresses it has not verified; an unverified one could name someone else's account.
            return $"the provider has not verified {email}";
        }

        if (provider.Domains.Count > 0)
        {
            var domain = email[(email.LastIndexOf('@') + 1)..];
            if (!provider.Domains.Contains(domain, StringComparer.OrdinalIgnoreCase))
            {
                return $"{email} is not in an allowed domain ({string.Join(", ", provider.Domains)})";
            }

            // Google Workspace puts the organisation's domain in 'hd'; a personal Gmail account has none.
            if (identity.HostedDomain is { } hd && !provider.Domains.Contains(hd, StringComparer.OrdinalIgnoreCase))
            {
                return $"the Workspace domain '{hd}' is not an allowed domain";
            }
        }

        return null;
    }

    /// <summary>
    /// The role configuration gives this person, or null when it gives none. Several DSL groups add their schools
    /// together and trust-wide DSL covers school DSL; any other mix of roles is refused (<paramref name="conflict"/>),
    /// because which of two jobs someone should have is not for a sign-in to guess.
    /// </summary>
    public static RoleGrant? Map(ExternalIdentity identity, OidcProviderOptions provider, out string? conflict)
    {
        conflict = null;
        if (identity.Email is { } email && provider.Emails.TryGetValue(email, out var byEmail))
        {
            return RoleGrant.Parse(byEmail);
        }

        var grants = identity.Groups
            .Select(g => provider.Groups.TryGetValue(g, out var text) ? RoleGrant.Parse(text) : null)
            .OfType<RoleGrant>()
            .ToList();
        if (grants.Count == 0)
        {
            return null;
        }

        var roles = grants.Select(g => g.Role).Distinct(StringComparer.Ordinal).ToList();
        if (roles.Contains(ConsoleRoles.TrustDsl, StringComparer.Ordinal))
        {
            roles.Remove(ConsoleRoles.Dsl);
        }

        if (roles.Count > 1)
        {
            conflict = $"groups give more than one role ({string.Join(", ", roles.Order(StringComparer.Ordinal))})";
            return null;
        }

        return roles[0] == ConsoleRoles.Dsl
            ? new RoleGrant(ConsoleRoles.Dsl, [.. grants.SelectMany(g => g.Schools).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)])
            : new RoleGrant(roles[0], []);
    }
}
