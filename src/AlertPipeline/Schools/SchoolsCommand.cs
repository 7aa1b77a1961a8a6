using AlertPipeline.Cli;
using AlertPipeline.Hosting;
using AlertPipeline.Notifications;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Schools;

/// <summary><c>alertpipeline schools list [--config FILE]</c>: the schools the configuration names, one line each.</summary>
internal static class SchoolsCommand
{
    public static int Run(string[] rest, TextWriter output)
    {
        var sub = rest.Length > 0 ? rest[0] : throw new CliException("schools: expected a subcommand: list");
        if (sub != "list")
        {
            throw new CliException($"schools: unknown subcommand '{sub}' (expected: list)");
        }

        var args = CliArgs.Parse("schools list", rest[1..], ["config"]);
        args.NoPositionals();
        var configuration = PipelineConfiguration.Build(args.Get("config"), new Dictionary<string, string?>());
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSchools(configuration);
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IOptions<TrustOptions>>().Value; // a bad Trust section: one line per problem, exit 2
        var schools = provider.GetRequiredService<SchoolDirectory>().Configured.OrderBy(s => s.SchoolId, StringComparer.Ordinal).ToList();
        if (schools.Count == 0)
        {
            output.WriteLine("No schools configured: every alert goes to the trust DSL. Name them under Trust:Schools (docs/configuration.md).");
            return 0;
        }

        var idWidth = Math.Max(2, schools.Max(s => s.SchoolId.Length));
        var nameWidth = Math.Max(4, schools.Max(s => s.Name.Length));
        output.WriteLine($"{"id".PadRight(idWidth)}  {"name".PadRight(nameWidth)}  {"time zone",-16}  DSL");
        foreach (var school in schools)
        {
            var dsl = string.Join(", ", school.Dsl.Targets.Select(t => t.Recipient));
            output.WriteLine($"{school.SchoolId.PadRight(idWidth)}  {school.Name.PadRight(nameWidth)}  {school.Hours.Zone.Id,-16}  {dsl}");
        }

        return 0;
    }
}
