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
        admin.MapGet("/api/v1/users", (UserStore users) => Results.Json(users.List().Select(View), Json));
        admin.MapPost("/api/v1/users", (NewAccount account, HttpContext context, UserStore users, AuditLog audit) =>
        {
            var password = UserStore.GeneratePassword();
            try
            {
                var schools = (account.Schools ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                KnownSchools.Require(schools, context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
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
        admin.MapGet("/accounts", (HttpContext context, UserStore users) => Page(context, "Accounts", $"""
            <h1>Accounts</h1>
            <section class="card">
              <table id="accounts"><thead><tr><th>Name</th><th>Role</th><th>Schools</th><th>State</th><th></th></tr></thead><tbody>
              {string.Concat(users.List().Select(u => $"""
                <tr><td>{E(u.Name)}</td><td>{E(u.Role)}</td><td>{E(string.Join(", ", u.Schools))}</td>
                <td>{(u.Disabled ? "disabled" : u.MustChangePassword ? "awaiting first sign-in" : "active")}</td>
                <td>{(u.Disabled ? "" : $"<form data-api=\"/api/v1/users/{Uri.EscapeDataString(u.Name)}/disable\" data-reload><button type=\"submit\" class=\"danger\">Disable</button><span class=\"form-error\"></span></form>")}</td></tr>
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
            """));
        return app;
    }

    private static object View(UserAccount u) => new { u.Name, u.Role, u.Schools, u.Disabled, u.MustChangePassword, u.CreatedAt };
}
