using System.CommandLine;
using System.Globalization;
using AlertPipeline.Audit;

namespace AlertPipeline.Users;

/// <summary>
/// <c>alertpipeline users add|list|disable|enable|role|reset-password|remove</c>: console accounts. Every change is
/// written to the audit log; those that should end the person's sessions change the account's security stamp (or
/// remove the account), which the running host checks on every request.
/// </summary>
internal static class UsersCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        var name = new CliPositional("NAME", "the account (for a provider's sign-in: their e-mail address)");
        var roles = string.Join('|', ConsoleRoles.All);
        var school = new CliOption("school", "the school(s) the account sees, comma-separated", "ID[,ID]");
        return CliCommand.Group("users", "console accounts; every change is audited",
            CliCommand.Leaf("add", "a console account; prints a one-time password unless one is read from stdin or the person signs in through a configured OpenID Connect provider (Users:Oidc:Providers; NAME is then their e-mail address)",
                [.. store, new("name", "the account name (or e-mail address with --sign-in)", "NAME"), new("role", "the console role", roles), school,
                 CliOption.Flag("password-stdin", "read the password from standard input instead of printing a one-time one"),
                 new("sign-in", "the OpenID Connect provider the person signs in through", "PROVIDER")],
                (args, io) => Run(args, io.Input, io.Output, offlineServices)),
            CliCommand.Leaf("list", "the accounts, their roles, schools and state", store, (args, io) => Run(args, io.Input, io.Output, offlineServices)),
            CliCommand.Leaf("disable", "disable an account; its open sessions end", store, (args, io) => Run(args, io.Input, io.Output, offlineServices), name),
            CliCommand.Leaf("enable", "enable a disabled account", store, (args, io) => Run(args, io.Input, io.Output, offlineServices), name),
            CliCommand.Leaf("role", "change an account's role and schools; its open sessions end", [.. store, new("role", "the console role", roles), school], (args, io) => Run(args, io.Input, io.Output, offlineServices), name),
            CliCommand.Leaf("reset-password", "a new one-time password; open sessions end", store, (args, io) => Run(args, io.Input, io.Output, offlineServices), name),
            CliCommand.Leaf("remove", "remove an account; its open sessions end (the audit log keeps what they did)", store, (args, io) => Run(args, io.Input, io.Output, offlineServices), name));
    }

    private static int Run(CliArgs args, TextReader input, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var sub = args.Command["users ".Length..];
        var actor = "cli:" + Environment.UserName;
        switch (sub)
        {
            case "add":
            {
                args.NoPositionals();
                var name = args.Get("name") ?? throw new CliException("users add: --name is required");
                var role = args.Get("role") ?? throw new CliException($"users add: --role is required ({string.Join(", ", ConsoleRoles.All)})");
                var schools = Schools(args.Get("school"));
                var fromStdin = args.Flag("password-stdin");
                using var services = offlineServices(args);
                if (args.Get("sign-in") is { } provider)
                {
                    if (fromStdin)
                    {
                        throw new CliException("users add: --password-stdin and --sign-in exclude each other: an account that signs in through a provider has no password here");
                    }

                    return AddExternal(services, actor, name, role, schools, provider, output);
                }

                var password = fromStdin ? input.ReadLine()?.TrimEnd('\r') ?? "" : UserStore.GeneratePassword();
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
                args.NoPositionals();
                using var services = offlineServices(args);
                foreach (var u in services.GetRequiredService<UserStore>().List())
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{u.Name,-20} {u.Role,-10} schools={(u.Schools.Count == 0 ? "-" : string.Join(',', u.Schools)),-20} {(u.Disabled ? "disabled" : u.MustChangePassword ? "awaiting first sign-in" : "active")}  sign-in={(u.IsLocal ? "password" : u.Provider + (u.Mapped ? " (role from groups)" : ""))}  created={u.CreatedAt:O}"));
                }

                return 0;
            }

            case "disable":
            {
                var name = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException("users disable: expected one NAME");
                using var services = offlineServices(args);
                if (!services.GetRequiredService<UserStore>().Disable(name))
                {
                    throw new CliException($"users disable: no account '{name}'");
                }

                services.GetRequiredService<AuditLog>().Append(actor, "cli", AuditActions.AccountChange, detail: $"disabled {name}");
                output.WriteLine($"Disabled {name}; their open sessions end at their next request.");
                return 0;
            }

            case "enable":
                return Change(args, "enable", (users, name) => users.Enable(name), "enabled", output,
                    name => $"Enabled {name}. Sessions that ended when it was disabled stay ended; they sign in again.", offlineServices);

            case "remove":
                return Change(args, "remove", (users, name) => users.Remove(name), "removed", output,
                    name => $"Removed {name}; their open sessions end at their next request. What they did stays in the audit log.", offlineServices);

            case "reset-password":
            {
                string? password = null;
                var code = Change(args, "reset-password", (users, name) => (password = users.ResetPassword(name)) is not null, "reset the password of", output,
                    name => $"Reset the password of {name}; their open sessions end at their next request. One-time password (shown once):{Environment.NewLine}{password}", offlineServices);
                return code;
            }

            case "role":
            {
                var name = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException("users role: expected one NAME");
                var role = args.Get("role") ?? throw new CliException($"users role: --role is required ({string.Join(", ", ConsoleRoles.All)})");
                var schools = Schools(args.Get("school"));
                using var services = offlineServices(args);
                try
                {
                    KnownSchools.Require(schools, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
                    var user = services.GetRequiredService<UserStore>().ChangeRole(name, role, schools) ?? throw new CliException($"users role: no account '{name}'");
                    services.GetRequiredService<AuditLog>().Append(actor, CliActor.Role, AuditActions.AccountChange,
                        detail: $"changed the role of {user.Name} to {user.Role} {string.Join(',', user.Schools)}; their sessions ended");
                    output.WriteLine($"{user.Name} is now {user.Role}{(user.Schools.Count > 0 ? " for " + string.Join(", ", user.Schools) : "")}; their open sessions end at their next request.");
                    return 0;
                }
                catch (UserAccountException ex)
                {
                    throw new CliException("users role: " + ex.Message);
                }
            }

            default:
                throw new InvalidOperationException($"users {sub} is declared in Create but has no case here");
        }
    }

    private static string[] Schools(string? text) => (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>One account-changing subcommand on NAME: runs it, audits it, says what happened; an unknown name is an error.</summary>
    private static int Change(CliArgs args, string sub, Func<UserStore, string, bool> change, string verb, TextWriter output, Func<string, string> done, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var name = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException($"users {sub}: expected one NAME");
        using var services = offlineServices(args);
        try
        {
            if (!change(services.GetRequiredService<UserStore>(), name))
            {
                throw new CliException($"users {sub}: no account '{name}'");
            }
        }
        catch (UserAccountException ex)
        {
            throw new CliException($"users {sub}: {ex.Message}");
        }

        services.GetRequiredService<AuditLog>().Append("cli:" + Environment.UserName, CliActor.Role, AuditActions.AccountChange, detail: $"{verb} {name}");
        output.WriteLine(done(name));
        return 0;
    }

    private static int AddExternal(IServiceProvider services, string actor, string name, string role, string[] schools, string provider, TextWriter output)
    {
        var configured = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Users.Oidc.OidcOptions>>().Value.Providers.Keys;
        if (!configured.Contains(provider, StringComparer.Ordinal))
        {
            throw new CliException($"users add: sign-in provider '{provider}' is not configured (Users:Oidc:Providers: {(configured.Count == 0 ? "none" : string.Join(", ", configured.Order(StringComparer.Ordinal)))})");
        }

        try
        {
            KnownSchools.Require(schools, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Schools.TrustOptions>>().Value);
            var user = services.GetRequiredService<UserStore>().CreateExternal(name, provider, role, schools);
            services.GetRequiredService<AuditLog>().Append(actor, CliActor.Role, AuditActions.AccountChange,
                detail: $"added {user.Name} ({user.Role} {string.Join(',', user.Schools)}) signing in through {provider}");
            output.WriteLine($"Created {user.Name} ({user.Role}{(user.Schools.Count > 0 ? " for " + string.Join(", ", user.Schools) : "")}); they sign in through {provider}.");
            return 0;
        }
        catch (UserAccountException ex)
        {
            throw new CliException("users add: " + ex.Message);
        }
    }
}
