using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.ConsoleUi;
using static AlertPipeline.ConsoleUi.Pages.Layout;

namespace AlertPipeline.Users;

internal sealed record NewAccount(string? Name, string? Role, string? Schools);

/// <summary>The administrator's API and page: list, add (with a one-time password) and disable accounts.</summary>
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
                var schools = (account.Schools ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var user = users.Create(account.Name ?? "", account.Role ?? "", schools, password, mustChangePassword: true);
                var actor = AlertEndpoints.User(context);
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
            var actor = AlertEndpoints.User(context);
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

            var actor = AlertEndpoints.User(context);
            audit.Append(actor.Name, actor.Role, AuditActions.AccountChange, detail: $"unlocked {name}");
            return Results.Json(new { unlocked = name });
        });
        admin.MapGet("/accounts", (HttpContext context, UserStore users) => AccountsPage(context, users));
        return app;
    }

    private static IResult AccountsPage(HttpContext context, UserStore users)
    {
        var locks = users.ActiveLocks();
        return Page(context, "Accounts", $"""
            <h1>Accounts</h1>
            <section class="card">
              <table id="accounts"><thead><tr><th>Name</th><th>Role</th><th>Schools</th><th>State</th><th></th></tr></thead><tbody>
              {string.Concat(users.List().Select(u => $"""
                <tr><td>{E(u.Name)}</td><td>{E(u.Role)}</td><td>{E(string.Join(", ", u.Schools))}</td>
                <td>{E(State(u, locks))}</td>
                <td>{(locks.ContainsKey(u.UserId) ? Action(u, "unlock", "Unlock", "") : "")}{(u.Disabled ? "" : Action(u, "disable", "Disable", "danger"))}</td></tr>
                """))}
              </tbody></table>
            </section>
            <section class="card">
              <h2>Add an account</h2>
              <form data-api="/api/v1/users" data-render="password" class="stack">
                <label>Name <input name="name" required></label>
                <label>Role <select name="role">{string.Concat(ConsoleRoles.All.Select(r => $"<option>{r}</option>"))}</select></label>
                <label>Schools (dsl only; comma-separated ids) <input name="schools"></label>
                <button type="submit" class="primary">Add</button><span class="form-error"></span>
                <output></output>
              </form>
            </section>
            """);
    }

    private static string Action(UserAccount u, string verb, string label, string style) =>
        $"<form data-api=\"/api/v1/users/{Uri.EscapeDataString(u.Name)}/{verb}\" data-reload><button type=\"submit\" class=\"{style}\">{label}</button><span class=\"form-error\" role=\"alert\"></span></form>";

    /// <summary>What the accounts page says about an account; a lock shows even on an otherwise active one.</summary>
    private static string State(UserAccount u, IReadOnlyDictionary<string, int> locks)
    {
        var state = u.Disabled ? "disabled" : u.MustChangePassword ? "awaiting first sign-in" : "active";
        return locks.TryGetValue(u.UserId, out var addresses)
            ? $"{state}; locked after failed passwords from {addresses} address{(addresses == 1 ? "" : "es")}"
            : state;
    }

    private static object View(UserAccount u, IReadOnlyDictionary<string, int> locks) =>
        new { u.Name, u.Role, u.Schools, u.Disabled, u.MustChangePassword, u.CreatedAt, LockedAddresses = locks.GetValueOrDefault(u.UserId) };
}
