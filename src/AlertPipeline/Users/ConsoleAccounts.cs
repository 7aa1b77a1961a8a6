using AlertPipeline.Audit;

namespace AlertPipeline.Users;

/// <summary>The accounts a host prints when it starts: the first administrator, and the demo's seeded accounts.</summary>
internal static class ConsoleAccounts
{
    /// <summary>The demo's shared password: printed by <c>demo</c>, never created by <c>serve</c>.</summary>
    public const string DemoPassword = "safeguarding-demo";

    public static readonly IReadOnlyList<(string Name, string Role, string[] Schools)> Demo =
    [
        ("dsl.oakfield", ConsoleRoles.Dsl, ["oakfield"]),
        ("dsl.riverside", ConsoleRoles.Dsl, ["riverside"]),
        ("trust.dsl", ConsoleRoles.TrustDsl, []),
        ("it.support", ConsoleRoles.It, []),
        ("governor", ConsoleRoles.Governor, []),
    ];

    /// <summary>On the first run (no accounts at all) creates <c>admin</c> and prints its one-time password, once.</summary>
    public static async Task PrintFirstRunAsync(WebApplication app, TextWriter output)
    {
        var created = app.Services.GetRequiredService<UserStore>().EnsureAdministrator();
        var console = app.BoundAddress();
        await output.WriteLineAsync($"  console        {console}   (sign in; DSLs, IT staff, governors)").ConfigureAwait(false);
        if (created is { } admin)
        {
            app.Services.GetRequiredService<AuditLog>().Append("system", "system", AuditActions.AccountChange, detail: "created the first administrator 'admin'");
            await output.WriteLineAsync($"""
                  first run: created administrator 'admin' with the one-time password
                                 {admin.Password}
                                 It is shown only now; sign in and choose a new one. Add people with 'alertpipeline users add'.
                """).ConfigureAwait(false);
        }
    }

    /// <summary>Creates the demo's accounts if missing and prints them.</summary>
    public static async Task SeedDemoAsync(WebApplication app, TextWriter output)
    {
        var users = app.Services.GetRequiredService<UserStore>();
        foreach (var (name, role, schools) in Demo)
        {
            if (users.Find(name) is null)
            {
                users.Create(name, role, schools, DemoPassword, mustChangePassword: false);
            }
        }

        await output.WriteLineAsync($"  demo accounts  {string.Join(", ", Demo.Select(d => $"{d.Name} ({d.Role}{(d.Schools.Length > 0 ? " " + string.Join(',', d.Schools) : "")})"))}; password '{DemoPassword}'").ConfigureAwait(false);
    }
}
