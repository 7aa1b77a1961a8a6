using System.Security.Claims;
using AlertPipeline.Audit;
using AlertPipeline.ConsoleUi.Pages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using static AlertPipeline.ConsoleUi.Pages.Layout;

namespace AlertPipeline.Users;

/// <summary>Sign-in, one-time password change and sign-out pages, and the cookie events that enforce them.</summary>
internal static class SignInEndpoints
{
    public const string RateLimitPolicy = "sign-in";

    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/sign-in", (HttpContext context, string? returnUrl) => SignInPage(context, returnUrl, null));
        var forms = app.MapGroup("").AddEndpointFilter<AntiforgeryFilter>();
        forms.MapPost("/sign-in", SignInAsync).RequireRateLimiting(RateLimitPolicy);
        forms.MapPost("/password", ChangePasswordAsync);
        forms.MapPost("/sign-out", SignOutAsync).RequireAuthorization(ConsolePolicies.SignedIn);
        app.MapGet("/denied", (HttpContext context) => DeniedPage(context));
        return app;
    }

    public static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static async Task<IResult> SignInAsync(HttpContext context, UserStore users, AuditLog audit, IOptions<UserOptions> options)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = form["returnUrl"].ToString();
        var (outcome, user) = users.SignIn(name, password);
        switch (outcome)
        {
            case SignInOutcome.Success:
                await IssueCookieAsync(context, user!).ConfigureAwait(false);
                audit.Append(user!.Name, user.Role, AuditActions.SignIn);
                return Results.Redirect(IsLocal(returnUrl) ? returnUrl : Home(ConsoleUser.From(PrincipalFor(user))!));
            case SignInOutcome.MustChangePassword:
                return PasswordPage(context, user!.Name, null);
            case SignInOutcome.LockedOut:
                audit.Append(Truncate(name), user?.Role ?? "-", AuditActions.SignInFailed, detail: "locked out");
                return SignInPage(context, returnUrl,
                    $"Too many failed attempts: this account is locked for {options.Value.LockoutDuration.TotalMinutes:0} minutes.", StatusCodes.Status401Unauthorized);
            default:
                audit.Append(Truncate(name), user?.Role ?? "-", AuditActions.SignInFailed, detail: user is null ? "unknown name" : "wrong password or disabled");
                return SignInPage(context, returnUrl, "That name and password do not match an active account.", StatusCodes.Status401Unauthorized);
        }
    }

    private static async Task<IResult> ChangePasswordAsync(HttpContext context, UserStore users, AuditLog audit)
    {
        var form = await context.Request.ReadFormAsync().ConfigureAwait(false);
        var name = form["name"].ToString().Trim();
        var replacement = form["new"].ToString();
        if (!string.Equals(replacement, form["confirm"].ToString(), StringComparison.Ordinal))
        {
            return PasswordPage(context, name, "The two new passwords are not the same.");
        }

        try
        {
            var (outcome, user) = users.ChangePassword(name, form["current"].ToString(), replacement);
            if (outcome != SignInOutcome.Success || user is null)
            {
                return PasswordPage(context, name, outcome == SignInOutcome.LockedOut
                    ? "Too many failed attempts: this account is locked for a while."
                    : "The current password is not right.");
            }

            audit.Append(user.Name, user.Role, AuditActions.PasswordChanged);
            await IssueCookieAsync(context, user).ConfigureAwait(false);
            audit.Append(user.Name, user.Role, AuditActions.SignIn);
            return Results.Redirect(Home(ConsoleUser.From(PrincipalFor(user))!));
        }
        catch (UserAccountException ex)
        {
            return PasswordPage(context, name, ex.Message);
        }
    }

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

    private static ClaimsPrincipal PrincipalFor(UserAccount user) => new(ConsoleClaims.Identity(user, ConsolePolicies.Scheme));

    /// <summary>Ends a session at its next request once the account is disabled or its role or schools change.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        var signedIn = context.Principal is null ? null : ConsoleUser.From(context.Principal);
        var current = signedIn is null ? null : context.HttpContext.RequestServices.GetRequiredService<UserStore>().FindById(signedIn.UserId);
        if (signedIn is null || current is null || current.Disabled || current.Role != signedIn.Role
            || !current.Schools.SequenceEqual(signedIn.Schools, StringComparer.Ordinal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(ConsolePolicies.Scheme).ConfigureAwait(false);
        }
    }

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
        </section>
        """, status);

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

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    private static string Truncate(string name) => name.Length <= 64 ? name : name[..64];
}
