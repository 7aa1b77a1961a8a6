using System.CommandLine;
using System.Globalization;
using AlertPipeline.Audit;

namespace AlertPipeline.Ingest.ApiKeys;

/// <summary><c>alertpipeline keys add|list|revoke</c>: API keys for device agents.</summary>
internal static class KeysCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        return CliCommand.Group("keys", "API keys for device agents",
            CliCommand.Leaf("add", "a new key (printed once)",
                [.. store, new("school", "the school the key sends for, or * for a trust-wide key", "ID|*"),
                 new("device", "tie the key to one device", "ID"), new("label", "a note for 'keys list'", "TEXT")],
                (args, io) => Run(args, io.Output, offlineServices)),
            CliCommand.Leaf("list", "every key, active or revoked", store, (args, io) => Run(args, io.Output, offlineServices)),
            CliCommand.Leaf("revoke", "stop accepting a key", store, (args, io) => Run(args, io.Output, offlineServices), new CliPositional("KEY_ID", "the key's id, from 'keys list'")));
    }

    private static int Run(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        var sub = args.Command["keys ".Length..];
        switch (sub)
        {
            case "add":
            {
                args.NoPositionals();
                var school = args.Get("school") ?? throw new CliException("keys add: --school is required (a school id, or * for a trust-wide key)");
                if (school.Trim().Length == 0)
                {
                    throw new CliException("keys add: --school is empty; give a school id of this trust, or * for a trust-wide key");
                }

                if (school != "*" && !school.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
                {
                    throw new CliException($"keys add: --school '{school}' is not a school id (letters, digits, '.', '_', '-') or *");
                }

                using var services = offlineServices(args);

                // A key for a school the trust does not configure would be accepted at ingest, and its alerts routed
                // to nobody but the trust DSL: refuse it here, where the mistake is made.
                var known = services.GetRequiredService<Schools.SchoolDirectory>().Configured.Select(s => s.SchoolId).Order(StringComparer.Ordinal).ToList();
                if (school != "*" && !known.Contains(school, StringComparer.Ordinal))
                {
                    throw new CliException(known.Count == 0
                        ? $"keys add: --school '{school}' is not a school of this trust: the configuration names no schools (Trust:Schools); add it there first, or use * for a trust-wide key"
                        : $"keys add: --school '{school}' is not a school of this trust (configured: {string.Join(", ", known)}); add it under Trust:Schools first, or use * for a trust-wide key");
                }

                var (secret, info) = services.GetRequiredService<ApiKeyStore>().Create(school, args.Get("device"), args.Get("label"));
                services.GetRequiredService<AuditLog>().Append(CliActor.Name(null), CliActor.Role, AuditActions.ApiKeyChange, schoolId: school == "*" ? null : school,
                    detail: $"added key {info.KeyId} for school {info.SchoolId}{(info.DeviceId is null ? "" : $", device {info.DeviceId}")}");
                output.WriteLine($"Created {info.KeyId} for school {info.SchoolId}{(info.DeviceId is null ? "" : $", device {info.DeviceId}")}.");
                output.WriteLine("The key is shown once; store it in the agent's configuration now:");
                output.WriteLine(secret);
                return 0;
            }

            case "list":
            {
                args.NoPositionals();
                using var services = offlineServices(args);
                foreach (var k in services.GetRequiredService<ApiKeyStore>().List())
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{k.KeyId}  school={k.SchoolId}  device={k.DeviceId ?? "-"}  created={k.CreatedAt:O}  {(k.RevokedAt is null ? "active" : $"revoked {k.RevokedAt:O}")}  {k.Label}"));
                }

                return 0;
            }

            case "revoke":
            {
                var id = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException("keys revoke: expected one KEY_ID");
                using var services = offlineServices(args);
                if (!services.GetRequiredService<ApiKeyStore>().Revoke(id))
                {
                    throw new CliException($"keys revoke: no active key '{id}'");
                }

                services.GetRequiredService<AuditLog>().Append(CliActor.Name(null), CliActor.Role, AuditActions.ApiKeyChange, detail: $"revoked key {id}");

                output.WriteLine($"Revoked {id}.");
                return 0;
            }

            default:
                throw new InvalidOperationException($"keys {sub} is declared in Create but has no case here");
        }
    }
}
