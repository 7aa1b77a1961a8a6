using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.ConsoleUi;
using static AlertPipeline.Web.Layout;

namespace AlertPipeline.Users;

internal sealed record NewAccount(string? Name, string? Role, string? Schools, string? SignIn = null);

internal sealed record RoleChange(string? Role, string? Schools);

/// <summary>
/// The administrator's API and page: list, add (with a one-time password, or signing in through a provider), disable,
/// enable, change role, reset password, unlock and remove accounts. Every change is audited; those that should end the
/// person's sessions do so through the account's security stamp (or its removal).
/// </summary>
internal static class AccountEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("").AddEndpointFilter<AntiforgeryFilter>().RequireAuthorization(ConsolePolicies.Accounts);
        admin.MapGet("/api/v1/users", (UserStore users) =>
        {
            var locks = users.ActiveLocks();
            return Results.Json(users.List().Select(u => View(u, locks)), Json);
        });
        admin.MapPost("/api/v1/users", (NewAccount account, HttpContext context, UserStore users, AuditLog audit) =>
        {
            var password = UserStore.GeneratePassword();
            try
            {
                var schools = SchoolList(account.Schools);
                KnownSchools.Require(schools, context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
                var actor = context.ConsoleUserOf();
                if (account.SignIn is { Length: > 0 } provider)
                {
                    RequireProvider(context, provider);
                    var external = users.CreateExternal(account.Name ?? "", provider, account.Role ?? "", schools);
                    audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: $"added {external.Name} ({external.Role} {string.Join(',', external.Schools)}) signing in through {provider}");
                    return Results.Json(new { external.Name, external.Role, external.Schools, signIn = provider }, Json, statusCode: StatusCodes.Status201Created);
                }

                var user = users.Create(account.Name ?? "", account.Role ?? "", schools, password, mustChangePassword: true);
                audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: $"added {user.Name} ({user.Role} {string.Join(',', user.Schools)})");
                return Results.Json(new { user.Name, user.Role, user.Schools, password }, Json, statusCode: StatusCodes.Status201Created);
            }
            catch (UserAccountException ex)
            {
                return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        admin.MapPost("/api/v1/users/{name}/disable", (string name, HttpContext context, UserStore users, AuditLog audit) =>
        {
            var actor = context.ConsoleUserOf();
            if (string.Equals(name, actor.Name, StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(new { error = "you cannot disable your own account" }, statusCode: StatusCodes.Status400BadRequest);
            }

            if (!users.Disable(name))
            {
                return Results.Json(new { error = $"no account '{name}'" }, statusCode: StatusCodes.Status404NotFound);
            }

            audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: $"disabled {name}");
            return Results.Json(new { disabled = name });
        });
        admin.MapPost("/api/v1/users/{name}/unlock", (string name, HttpContext context, UserStore users, AuditLog audit) =>
        {
            if (!users.Unlock(name))
            {
                return Results.Json(new { error = $"no account '{name}'" }, statusCode: StatusCodes.Status404NotFound);
            }

            var actor = context.ConsoleUserOf();
            audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: $"unlocked {name}");
            return Results.Json(new { unlocked = name });
        });
        admin.MapPost("/api/v1/users/{name}/enable", (string name, HttpContext context, UserStore users, AuditLog audit) =>
            Change(context, audit, name, users.Enable(name), "enabled", new { enabled = name }));
        admin.MapPost("/api/v1/users/{name}/role", (string name, RoleChange change, HttpContext context, UserStore users, AuditLog audit) =>
        {
            var actor = context.ConsoleUserOf();
            if (string.Equals(name, actor.Name, StringComparison.OrdinalIgnoreCase))
            {
                // The last administrator could otherwise remove the only way to manage accounts from the console.
                return Results.Json(new { error = "you cannot change your own role" }, statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var schools = SchoolList(change.Schools);
                KnownSchools.Require(schools, context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
                var user = users.ChangeRole(name, change.Role ?? "", schools);
                return Change(context, audit, name, user is not null, $"changed the role of {name} to {change.Role} {string.Join(',', schools)}; their sessions ended",
                    new { user?.Name, user?.Role, user?.Schools });
            }
            catch (UserAccountException ex)
            {
                return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        admin.MapPost("/api/v1/users/{name}/reset-password", (string name, HttpContext context, UserStore users, AuditLog audit) =>
        {
            try
            {
                var password = users.ResetPassword(name);
                return Change(context, audit, name, password is not null, $"reset the password of {name}; their sessions ended", new { name, password });
            }
            catch (UserAccountException ex)
            {
                return Results.Json(new { error = ex.Message }, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        admin.MapPost("/api/v1/users/{name}/remove", (string name, HttpContext context, UserStore users, AuditLog audit) =>
        {
            if (string.Equals(name, context.ConsoleUserOf().Name, StringComparison.OrdinalIgnoreCase))
            {
                return Results.Json(new { error = "you cannot remove your own account" }, statusCode: StatusCodes.Status400BadRequest);
            }

            return Change(context, audit, name, users.Remove(name), "removed", new { removed = name });
        });
        admin.MapGet("/accounts", (HttpContext context, UserStore users) => AccountsPage(context, users));
        return app;
    }

    private static string[] SchoolList(string? text) => (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void RequireProvider(HttpContext context, string provider)
    {
        var configured = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Oidc.OidcOptions>>().Value.Providers.Keys;
        if (!configured.Contains(provider, StringComparer.Ordinal))
        {
            throw new UserAccountException($"sign-in provider '{provider}' is not configured (Users:Oidc:Providers: {(configured.Count == 0 ? "none" : string.Join(", ", configured.Order(StringComparer.Ordinal)))})");
        }
    }

    /// <summary>Audits a change that was made (<paramref name="done"/>) and answers with <paramref name="body"/>, or 404 for no such account.</summary>
    private static IResult Change(HttpContext context, AuditLog audit, string name, bool done, string what, object body)
    {
        if (!done)
        {
            return Results.Json(new { error = $"no account '{name}'" }, statusCode: StatusCodes.Status404NotFound);
        }

        var actor = context.ConsoleUserOf();
        audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: what.Contains(name, StringComparison.Ordinal) ? what : $"{what} {name}");
        return Results.Json(body, Json);
    }

    private static IResult AccountsPage(HttpContext context, UserStore users)
    {
        var locks = users.ActiveLocks();
        var providers = Oidc.OidcSignIn.Offered(context);
        var roles = string.Concat(ConsoleRoles.All.Select(r => $"<option>{r}</option>"));
        return Page(context, "Accounts", $"""
            <h1>Accounts</h1>
            <p id="flash" tabindex="-1" role="status"></p>
            <section class="card">
              <table id="accounts"><thead><tr><th>Name</th><th>Role</th><th>Schools</th><th>Signs in</th><th>State</th><th>Actions</th></tr></thead><tbody>
              {string.Concat(users.List().Select(u => $"""
                <tr><td>{E(u.Name)}</td><td>{E(u.Role)}</td><td>{E(string.Join(", ", u.Schools))}</td>
                <td>{E(u.IsLocal ? "with a password" : $"through {u.Provider}{(u.Mapped ? " (role from its groups)" : "")}")}</td>
                <td>{E(State(u, locks))}</td>
                <td>{(locks.ContainsKey(u.UserId) ? Action(u, "unlock", "Unlock", "", "Unlocked.") : "")}{(u.Disabled ? Action(u, "enable", "Enable", "", "Enabled.") : Action(u, "disable", "Disable", "danger", "Disabled; their sessions have ended."))}{(u.IsLocal ? ResetAction(u) : "")}{RoleAction(u)}{Action(u, "remove", "Remove", "danger", "Removed; their sessions have ended.")}</td></tr>
                """))}
              </tbody></table>
            </section>
            <section class="card">
              <h2>Add an account</h2>
              <form data-api="/api/v1/users" data-render="password" class="stack">
                <label>Name (the e-mail address for a school account) <input name="name" required></label>
                <label>Role <select name="role">{roles}</select></label>
                <label>Schools (dsl only; comma-separated ids) <input name="schools"></label>
                <label>Signs in <select name="signIn"><option value="">with a one-time password, then their own</option>{string.Concat(providers.Select(p => $"<option value=\"{E(p.Name)}\">through {E(p.DisplayName)}</option>"))}</select></label>
                <button type="submit" class="primary">Add</button><span class="form-error"></span>
                <output></output>
              </form>
            </section>
            """);
    }

    private static string Action(UserAccount u, string verb, string label, string style, string done) =>
        $"<form data-api=\"/api/v1/users/{Uri.EscapeDataString(u.Name)}/{verb}\" data-reload data-done=\"{E(done)}\"><button type=\"submit\" class=\"{style}\" aria-label=\"{E(label)} {E(u.Name)}\">{label}</button><span class=\"form-error\" role=\"alert\"></span></form>";

    private static string ResetAction(UserAccount u) =>
        $"<form data-api=\"/api/v1/users/{Uri.EscapeDataString(u.Name)}/reset-password\" data-render=\"reset\"><button type=\"submit\" aria-label=\"Reset password of {E(u.Name)}\">Reset password</button><span class=\"form-error\" role=\"alert\"></span><output></output></form>";

    private static string RoleAction(UserAccount u) =>
        $"<form data-api=\"/api/v1/users/{Uri.EscapeDataString(u.Name)}/role\" data-reload data-done=\"Role changed; their sessions have ended.\"><label>Role <select name=\"role\">{string.Concat(ConsoleRoles.All.Select(r => r == u.Role ? $"<option selected>{r}</option>" : $"<option>{r}</option>"))}</select></label> <label>Schools <input name=\"schools\" size=\"12\" value=\"{E(string.Join(',', u.Schools))}\"></label> <button type=\"submit\" aria-label=\"Change role of {E(u.Name)}\">Change role</button><span class=\"form-error\" role=\"alert\"></span></form>";

    /// <summary>What the accounts page says about an account; a lock shows even on an otherwise active one.</summary>
    private static string State(UserAccount u, IReadOnlyDictionary<string, int> locks)
    {
        var state = u.Disabled ? "disabled" : u.MustChangePassword ? "awaiting first sign-in" : "active";
        return locks.TryGetValue(u.UserId, out var addresses)
            ? $"{state}; locked after failed passwords from {addresses} address{(addresses == 1 ? "" : "es")}"
            : state;
    }

    private static object View(UserAccount u, IReadOnlyDictionary<string, int> locks) =>
        new { u.Name, u.Role, u.Schools, u.Disabled, u.MustChangePassword, u.CreatedAt, LockedAddresses = locks.GetValueOrDefault(u.UserId), SignIn = u.IsLocal ? null : u.Provider, u.Mapped };
}
