using System.Security.Claims;
using AlertPipeline.Audit;
using AlertPipeline.Schools;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace AlertPipeline.Users.Oidc;

/// <summary>
/// Sign-in with a school account: one ASP.NET Core OpenID Connect handler per configured provider
/// (<c>Users:Oidc:Providers:NAME</c>), each ending in the console's own cookie, so an OIDC session is checked,
/// timed out, ended and audited exactly as a local one (ADR 0006, ADR 0010).
/// </summary>
internal static class OidcSignIn
{
    /// <summary>The authentication scheme of provider <paramref name="provider"/>.</summary>
    public static string Scheme(string provider) => "oidc-" + provider;

    public static IServiceCollection AddOidcSignIn(this IServiceCollection services, IConfiguration configuration, AuthenticationBuilder authentication)
    {
        // OidcOptions and its validator are registered with the accounts (UserServices.AddUserAccounts), which the CLI uses too.
        // Schemes have to exist when the services are built, so the provider names are read from configuration here;
        // everything else comes from the validated options when the handler first runs.
        var names = configuration.GetSection(OidcOptions.Section + ":Providers").GetChildren().Select(c => c.Key).ToList();
        foreach (var provider in names)
        {
            authentication.AddOpenIdConnect(Scheme(provider), o => o.Events = Events(provider));
            services.AddOptions<OpenIdConnectOptions>(Scheme(provider)).Configure<IOptions<OidcOptions>>((o, all) =>
            {
                var p = all.Value.Providers.GetValueOrDefault(provider) ?? new OidcProviderOptions();
                o.Authority = p.Authority;
                o.ClientId = p.ClientId;
                o.ClientSecret = p.ClientSecret;
                o.SignInScheme = ConsolePolicies.Scheme;
                o.CallbackPath = "/sign-in/oidc/" + provider + "/callback";
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.UsePkce = true;
                // The answer comes back as a top-level GET, so the handler's correlation and nonce cookies can be
                // SameSite=Lax (a form_post answer needs SameSite=None, which Chromium refuses without TLS).
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.Scope.Add("email");
                // Claim names as the provider sends them ('groups', 'email', 'hd'), not WS-Federation URIs.
                o.MapInboundClaims = false;
                // Tokens are not kept in the cookie: the console calls no API of the provider.
                o.SaveTokens = false;
                o.RequireHttpsMetadata = !Uri.TryCreate(p.Authority, UriKind.Absolute, out var uri) || !uri.IsLoopback;
            });
        }

        return services;
    }

    /// <summary>The providers to offer on the sign-in page, in name order: (name, what the button says).</summary>
    public static IReadOnlyList<(string Name, string DisplayName)> Offered(HttpContext context) =>
        [.. context.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value.Providers
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (p.Key, p.Value.DisplayName.Length > 0 ? p.Value.DisplayName : p.Key))];

    public static IEndpointRouteBuilder MapOidcSignIn(this IEndpointRouteBuilder app)
    {
        // A GET starts the round trip (a link, not a form: the console's CSP allows forms to post only to itself).
        app.MapGet("/sign-in/oidc/{provider}", (string provider, string? returnUrl, HttpContext context, IOptions<OidcOptions> options) =>
        {
            if (!options.Value.Providers.ContainsKey(provider))
            {
                return Results.NotFound();
            }

            var target = SignInEndpoints.IsLocalUrl(returnUrl) ? returnUrl! : "/";
            return Results.Challenge(new AuthenticationProperties { RedirectUri = "/sign-in/continue?returnUrl=" + Uri.EscapeDataString(target), IsPersistent = false },
                [Scheme(provider)]);
        });

        // The provider's answer arrives through a redirect from another site, and a browser sends no SameSite=Strict
        // cookie on the rest of that redirect chain: the console's session cookie, just set, would be missing on the
        // very next page. This page breaks the chain: the browser's own navigation from it is same-site.
        app.MapGet("/sign-in/continue", (string? returnUrl) =>
        {
            var target = SignInEndpoints.IsLocalUrl(returnUrl) ? returnUrl! : "/";
            var encoded = System.Text.Encodings.Web.HtmlEncoder.Default.Encode(target);
            return Results.Content($"""
                <!doctype html>
                <html lang="en-GB"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={encoded}">
                <title>Signed in · AlertPipeline</title><link rel="stylesheet" href="/assets/console.css"></head>
                <body><main id="main"><p>Signed in. <a href="{encoded}">Continue to the console</a>.</p></main></body></html>
                """, "text/html; charset=utf-8");
        });
        return app;
    }

    private static OpenIdConnectEvents Events(string provider) => new()
    {
        OnTokenValidated = context => SignInAsync(context, provider),
        OnRemoteFailure = context =>
        {
            // Cancelled at the provider, a stale or replayed answer, a refusal above: one audited line and the sign-in
            // page with a plain message, never an error page with a stack trace.
            var audit = context.HttpContext.RequestServices.GetRequiredService<AuditLog>();
            // A refusal by SignInAsync was audited there, with the person's address and the reason.
            var refused = context.Failure?.Message.StartsWith(RefusedPrefix, StringComparison.Ordinal) == true;
            if (!refused)
            {
                audit.Append("-", "-", AuditActions.SignInFailed, detail: $"via {provider}: {Truncate(context.Failure?.Message ?? "failed")} from {SignInEndpoints.Address(context.HttpContext)}");
            }

            context.HandleResponse();
            context.Response.Redirect("/sign-in?failed=" + Uri.EscapeDataString(provider) + (refused ? "&refused=1" : ""));
            return Task.CompletedTask;
        },
    };

    private const string RefusedPrefix = "refused: ";

    private static Task SignInAsync(TokenValidatedContext context, string provider)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<OidcOptions>>().Value.Providers[provider];
        var audit = services.GetRequiredService<AuditLog>();
        var principal = context.Principal!;
        var identity = new ExternalIdentity(
            provider,
            principal.FindFirst("sub")?.Value ?? "",
            principal.FindFirst(options.EmailClaim)?.Value,
            bool.TryParse(principal.FindFirst("email_verified")?.Value, out var verified) ? verified : null,
            principal.FindFirst("hd")?.Value,
            [.. principal.FindAll(options.GroupsClaim).Select(c => c.Value), .. principal.FindAll("roles").Select(c => c.Value)]);
        var address = SignInEndpoints.Address(context.HttpContext);

        var refusal = identity.Subject.Length == 0 ? "the provider sent no subject ('sub')" : OidcRoleMap.Refusal(identity, options);
        UserAccount? user = null;
        if (refusal is null)
        {
            var grant = OidcRoleMap.Map(identity, options, out var conflict);
            refusal = conflict;
            if (refusal is null && grant is not null)
            {
                try
                {
                    // Checked again here as well as at start: the trust's schools can be reloaded.
                    KnownSchools.Require(grant.Schools, services.GetRequiredService<IOptions<TrustOptions>>().Value);
                }
                catch (UserAccountException ex)
                {
                    refusal = ex.Message;
                }
            }

            if (refusal is null)
            {
                (user, refusal) = services.GetRequiredService<UserStore>().SignInExternal(identity, grant);
            }
        }

        if (user is null)
        {
            audit.Append(Truncate(identity.Email ?? identity.Subject), "-", AuditActions.SignInFailed, detail: $"via {provider}: {refusal} from {address}");
            context.Fail(RefusedPrefix + refusal);
            return Task.CompletedTask;
        }

        // The session carries the console's claims only, the same as a local sign-in's, so authorisation, the
        // security stamp check on every request and the live stream's re-check treat both alike.
        context.Principal = new ClaimsPrincipal(SessionClaims.Identity(user, ConsolePolicies.Scheme));
        context.Properties!.IsPersistent = false;
        audit.Append(user.Name, user.Role, AuditActions.SignIn, detail: $"via {provider} from {address}");
        return Task.CompletedTask;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}
