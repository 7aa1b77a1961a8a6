using System.Security.Claims;
using AlertPipeline.Audit;
using AlertPipeline.ConsoleUi.Pages;
using AlertPipeline.Users.Oidc;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.Users;

/// <summary>Sign-in, one-time password change and sign-out pages, and the cookie events that enforce them.</summary>
internal static class SignInEndpoints
{
    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sign-in", (HttpContext context, string? returnUrl, string? failed, string? refused) => SignInPage(context, returnUrl,
            failed is null ? null : refused is null
                ? "Signing in with your school account did not complete. Try again, or ask your administrator."
                : "Your school account was recognised, but it has no access to this console. Ask your administrator to give it a role."));
        app.MapOidcSignIn();
        var forms = app.MapGroup("").AddEndpointFilter<AntiforgeryFilter>();
        forms.MapPost("/sign-in", SignInAsync).AddEndpointFilter<SignInRateLimitFilter>();
        // One limiter for every endpoint that checks a password: the budget per address is shared, so /password
        // is no side door for guessing.
        forms.MapPost("/password", ChangePasswordAsync).AddEndpointFilter<SignInRateLimitFilter>();
        forms.MapPost("/sign-out", SignOutAsync).RequireAuthorization(ConsolePolicies.SignedIn);
        app.MapGet("/denied", (HttpContext context) => DeniedPage(context));
        return app;
    }

    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The one answer to every failed sign-in: unknown name, wrong password, disabled or locked all read the same,
    /// so the form does not tell anyone which account names exist or which are locked. The audit log keeps the reason.
    /// </summary>
    internal static string FailedMessage(UserOptions options) =>
        $"That name and password do not match an active account, or there have been too many attempts from here: " +
        $"try again in {options.LockoutDuration.TotalMinutes:0} minutes or ask your administrator.";

    private static async Task<IResult> SignInAsync(HttpContext context, UserStore users, AuditLog audit, IOptions<UserOptions> options)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        var address = Address(context);
        var (outcome, user) = users.SignIn(name, password, address);
        switch (outcome)
        {
            case SignInOutcome.Success:
                await IssueCookieAsync(context, user!).ConfigureAwait(false);
                audit.Append(user!.Name, user.Role, AuditActions.SignIn, detail: $"from {address}");
                return Results.Redirect(IsLocalUrl(returnUrl) ? returnUrl : Home(ConsoleUser.From(PrincipalFor(user))!));
            case SignInOutcome.MustChangePassword:
                return PasswordPage(context, user!.Name, null);
            default:
                audit.Append(Truncate(name), user?.Role ?? "-", AuditActions.SignInFailed, detail: $"{FailureReason(outcome, user)} from {address}");
                return SignInPage(context, returnUrl, FailedMessage(options.Value), StatusCodes.Status401Unauthorized);
        }
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, UserStore users, AuditLog audit, IOptions<UserOptions> options)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var name = form["name"].ToString().Trim();
        var replacement = form["new"].ToString();
        if (!string.Equals(replacement, form["confirm"].ToString(), StringComparison.Ordinal))
        {
            return PasswordPage(context, name, "The two new passwords are not the same.");
        }

        var address = Address(context);
        try
        {
            var (outcome, user) = users.ChangePassword(name, form["current"].ToString(), replacement, address);
            if (outcome != SignInOutcome.Success || user is null)
            {
                audit.Append(Truncate(name), user?.Role ?? "-", AuditActions.SignInFailed, detail: $"password change: {FailureReason(outcome, user)} from {address}");
                return PasswordPage(context, name, FailedMessage(options.Value));
            }

            // The new stamp has already ended every other session of this account; this one starts afresh.
            audit.Append(user.Name, user.Role, AuditActions.PasswordChanged, detail: $"from {address}; other sessions ended");
            await IssueCookieAsync(context, user).ConfigureAwait(false);
            audit.Append(user.Name, user.Role, AuditActions.SignIn, detail: $"from {address}");
            return Results.Redirect(Home(ConsoleUser.From(PrincipalFor(user))!));
        }
        catch (UserAccountException ex)
        {
            return PasswordPage(context, name, ex.Message);
        }
    }

    private static string FailureReason(SignInOutcome outcome, UserAccount? user) =>
        outcome == SignInOutcome.LockedOut ? "locked out" : user is null ? "unknown name" : user.Disabled ? "disabled"
        : !user.IsLocal ? $"a password for an account that signs in through '{user.Provider}'" : "wrong password";

    /// <summary>The client's address: the peer, or the client a configured proxy forwarded for (see ForwardedHeaders).</summary>
    internal static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? UserStore.UnknownAddress;

    private static async Task<IResult> SignOutAsync(HttpContext context, AuditLog audit)
    {
        if (ConsoleUser.From(context.User) is { } user)
        {
            audit.Append(user.Name, user.Role, AuditActions.SignOut);
        }

        await context.SignOutAsync(ConsolePolicies.Scheme).ConfigureAwait(false);
        return Results.Redirect("/sign-in");
    }

    private static Task IssueCookieAsync(HttpContext context, UserAccount user) =>
        context.SignInAsync(ConsolePolicies.Scheme, PrincipalFor(user), new AuthenticationProperties { IsPersistent = false });

    private static ClaimsPrincipal PrincipalFor(UserAccount user) => new(SessionClaims.Identity(user, ConsolePolicies.Scheme));

    /// <summary>
    /// Ends a session at its next request once the account is disabled, its password, role or schools change, or
    /// its stamp is rotated for any other reason (<see cref="ConsoleUser.StillMatches"/>).
    /// </summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var signedIn = context.Principal is null ? null : ConsoleUser.From(context.Principal);
        var current = signedIn is null ? null : context.HttpContext.RequestServices.GetRequiredService<UserStore>().FindById(signedIn.UserId);
        if (signedIn is null || !signedIn.StillMatches(current))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(ConsolePolicies.Scheme).ConfigureAwait(false);
        }
    }

    /// <summary>The request header console.js sends on requests a live update made, not the person.</summary>
    public const string BackgroundHeader = "X-Console-Background";

    /// <summary>
    /// The idle timeout counts what the person does, not what an open page does by itself: the live stream and the
    /// reloads it triggers never extend the session, so a queue left open on a staff-room PC still times out.
    /// </summary>
    public static Task CheckSlidingExpirationAsync(CookieSlidingExpirationContext context)
    {
        if (IsBackground(context.Request))
        {
            context.ShouldRenew = false;
        }

        return Task.CompletedTask;
    }

    internal static bool IsBackground(HttpRequest request) =>
        request.Headers.ContainsKey(BackgroundHeader) || request.Path.StartsWithSegments("/api/v1/events/stream", StringComparison.OrdinalIgnoreCase);

    public static Task RedirectToSignInAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (IsApi(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return context.Response.WriteAsJsonAsync(new { error = "sign in first: this API needs a console session" });
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static Task DeniedAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        if (IsApi(context.Request))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsJsonAsync(new { error = "your role may not use this" });
        }

        return DeniedPage(context.HttpContext).ExecuteAsync(context.HttpContext);
    }

    private static IResult DeniedPage(HttpContext context) => Page(context, "Not available to your role", """
        <section class="card narrow">
          <h1>Not available to your role</h1>
          <p>This page is not part of what your account may see. If you think you need it, ask your trust's
          safeguarding lead.</p>
          <p><a href="/">Back to your start page</a></p>
        </section>
        """, StatusCodes.Status403Forbidden);

    private static IResult SignInPage(HttpContext context, string? returnUrl, string? error, int status = StatusCodes.Status200OK) => Page(context, "Sign in", $"""
        <section class="card narrow">
          <h1>Sign in</h1>
          {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>")}
          <form method="post" action="/sign-in" class="stack">
            {HiddenToken(context)}
            <input type="hidden" name="returnUrl" value="{E(returnUrl)}">
            <label>Name <input name="name" autocomplete="username" required autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit" class="primary">Sign in</button>
          </form>
          {OidcButtons(context, returnUrl)}
        </section>
        """, status);

    private static string OidcButtons(HttpContext context, string? returnUrl)
    {
        var providers = Oidc.OidcSignIn.Offered(context);
        if (providers.Count == 0)
        {
            return "";
        }

        var query = IsLocalUrl(returnUrl) ? "?returnUrl=" + Uri.EscapeDataString(returnUrl!) : "";
        return $"""
            <p>Or with your school account:</p>
            <ul class="stack oidc">{string.Concat(providers.Select(p => $"<li><a class=\"button\" href=\"/sign-in/oidc/{E(p.Name)}{E(query)}\">Sign in with {E(p.DisplayName)}</a></li>"))}</ul>
            """;
    }

    private static IResult PasswordPage(HttpContext context, string name, string? error) => Page(context, "Choose a new password", $"""
        <section class="card narrow">
          <h1>Choose a new password</h1>
          <p>The password you signed in with was for one use only. Choose your own now.</p>
          {(error is null ? "" : $"<p class=\"error\" role=\"alert\">{E(error)}</p>")}
          <form method="post" action="/password" class="stack">
            {HiddenToken(context)}
            <input type="hidden" name="name" value="{E(name)}">
            <label>Current (one-time) password <input name="current" type="password" autocomplete="current-password" required></label>
            <label>New password <input name="new" type="password" autocomplete="new-password" required></label>
            <label>New password again <input name="confirm" type="password" autocomplete="new-password" required></label>
            <button type="submit" class="primary">Save and sign in</button>
          </form>
        </section>
        """, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);

    /// <summary>
    /// Whether a return address is a path on this site and nothing else. Browsers drop tabs and newlines and read
    /// a backslash as a slash, so <c>/%09/evil.example</c> or <c>/\evil.example</c> would leave the site: the check is
    /// made on the text as given and again fully percent-decoded, and allows only a single leading slash followed
    /// by printable characters with no backslash.
    /// </summary>
    internal static bool IsLocalUrl(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > 2048)
        {
            return false;
        }

        var text = url;
        for (var round = 0; round < 4; round++)
        {
            if (!IsPlainLocalPath(text))
            {
                return false;
            }

            var decoded = Uri.UnescapeDataString(text);
            if (decoded == text)
            {
                return true;
            }

            text = decoded;
        }

        return false; // Encoded more deeply than any real link of ours.
    }

    private static bool IsPlainLocalPath(string text) =>
        text.Length > 0 && text[0] == '/' && !(text.Length > 1 && text[1] is '/' or '\\')
        && !text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\');

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64];
}
