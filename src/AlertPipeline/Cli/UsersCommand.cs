using System.Globalization;
using AlertPipeline.Audit;
using AlertPipeline.Users;

namespace AlertPipeline.Cli;

/// <summary><c>alertpipeline users add|list|disable</c>: console accounts.</summary>
internal static class UsersCommand
{
    public static int Run(string[] rest, TextReader input, TextWriter output)
    {
        var sub = rest.Length > 0 ? rest[0] : throw new CliException("users: expected a subcommand: add, list, disable");
        var actor = "cli:" + Environment.UserName;
        switch (sub)
        {
            case "add":
            {
                var args = CliArgs.Parse("users add", rest[1..], ["data-dir", "config", "name", "role", "school"], ["password-stdin"]);
                args.NoPositionals();
                var name = args.Get("name") ?? throw new CliException("users add: --name is required");
                var role = args.Get("role") ?? throw new CliException($"users add: --role is required ({string.Join(", ", ConsoleRoles.All)})");
                var schools = (args.Get("school") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var fromStdin = args.Flag("password-stdin");
                var password = fromStdin ? input.ReadLine()?.TrimEnd('\r') ?? "" : UserStore.GeneratePassword();
                using var services = CliServices.Create(args);
                try
                {
                    KnownSchools.Require(schools, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
                    var user = services.GetRequiredService<UserStore>().Create(name, role, schools, password, mustChangePassword: !fromStdin);
                    services.GetRequiredService<AuditLog>().Append(actor, "cli", AuditActions.AccountChange,
                        detail: $"added {user.Name} ({user.Role} {string.Join(',', user.Schools)})");
                    output.WriteLine($"Created {user.Name} ({user.Role}{(user.Schools.Count > 0 ? " for " + string.Join(", ", user.Schools) : "")}).");
                    if (!fromStdin)
                    {
                        output.WriteLine("One-time password (shown once; they choose their own at first sign-in):");
                        output.WriteLine(password);
                    }
                }
                catch (UserAccountException ex)
                {
                    throw new CliException("users add: " + ex.Message);
                }

                return 0;
            }

            case "list":
            {
                var args = CliArgs.Parse("users list", rest[1..], ["data-dir", "config"]);
                args.NoPositionals();
                using var services = CliServices.Create(args);
                foreach (var u in services.GetRequiredService<UserStore>().List())
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{u.Name,-20} {u.Role,-10} schools={(u.Schools.Count == 0 ? "-" : string.Join(',', u.Schools)),-20} {(u.Disabled ? "disabled" : u.MustChangePassword ? "awaiting first sign-in" : "active")}  created={u.CreatedAt:O}"));
                }

                return 0;
            }

            case "disable":
            {
                var args = CliArgs.Parse("users disable", rest[1..], ["data-dir", "config"]);
                var name = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException("users disable: expected one NAME");
                using var services = CliServices.Create(args);
                if (!services.GetRequiredService<UserStore>().Disable(name))
                {
                    throw new CliException($"users disable: no account '{name}'");
                }

                services.GetRequiredService<AuditLog>().Append(actor, "cli", AuditActions.AccountChange, detail: $"disabled {name}");
                output.WriteLine($"Disabled {name}; their open sessions end at their next request.");
                return 0;
            }

            default:
                throw new CliException($"users: unknown subcommand '{sub}' (add, list, disable)");
        }
    }
}
