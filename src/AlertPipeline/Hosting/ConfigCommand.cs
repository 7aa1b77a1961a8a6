using AlertPipeline.Alerts;
using AlertPipeline.Cli;
using AlertPipeline.ConsoleUi;
using AlertPipeline.Detection;
using AlertPipeline.Ingest;
using AlertPipeline.Notifications;
using AlertPipeline.Retention;
using AlertPipeline.Schools;
using AlertPipeline.Storage;
using AlertPipeline.Transport;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Hosting;

/// <summary>
/// <c>alertpipeline config check [--config FILE]</c>: validates a configuration file the way the host does on start,
/// plus what the host would silently ignore (a misspelt key), and prints the trust's routing in plain words. Without
/// <c>--config</c> it checks the site configuration the service uses. Nothing is opened or written.
/// </summary>
internal static class ConfigCommand
{
    // Sections bound to typed options whose every key is meant to be set by the school: a key the binder does not
    // know there (a misspelt "Deputys", "Emial") would otherwise be dropped without a word, and a deputy never told.
    private static readonly (string Section, Type Options)[] Strict =
    [
        (TrustOptions.Section, typeof(TrustOptions)),
        (NotificationOptions.Section, typeof(NotificationOptions)),
        (StorageOptions.Section, typeof(StorageOptions)),
        (Users.Oidc.OidcOptions.Section, typeof(Users.Oidc.OidcOptions)),
    ];

    public static int Run(string[] rest, TextWriter output)
    {
        var sub = rest.Length > 0 ? rest[0] : throw new CliException("config: expected a subcommand: check");
        if (sub != "check")
        {
            throw new CliException($"config: unknown subcommand '{sub}' (expected: check)");
        }

        var args = CliArgs.Parse("config check", rest[1..], ["config"]);
        args.NoPositionals();
        var file = args.Get("config");
        var site = file is null ? PipelineConfiguration.SiteConfigFile() : null;
        if (file is null && site is null)
        {
            throw new CliException($"config check: no --config FILE given and no site configuration ({PipelineConfiguration.DefaultSiteConfigFile} or {PipelineConfiguration.SiteConfigVariable})");
        }

        // A named file is checked on its own, over the shipped defaults only, as `serve --config FILE` on a machine
        // without a site configuration would read it.
        var configuration = PipelineConfiguration.Build(file, new Dictionary<string, string?>(), includeSite: file is null);
        var unknown = UnknownKeys(configuration);
        if (unknown.Count > 0)
        {
            throw new CliException(string.Join(Environment.NewLine + "error: ", unknown.Select(u => $"config check: {file ?? site}: {u}")));
        }

        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddStorage(configuration)
            .AddTransport(configuration, HostRoles.All)
            .AddIngest(configuration)
            .AddDetection(configuration, runWorker: false)
            .AddAlerts()
            .AddResponder(configuration, runDispatcher: false)
            .AddRetention(configuration)
            .AddConsole(configuration);
        Backup.BackupServices.AddScheduledBackup(services, configuration);
        using var provider = services.BuildServiceProvider();

        // Every options section, all failures at once (CliApp prints one line per failure and exits 2).
        provider.GetRequiredService<IStartupValidator>().Validate();

        var notifications = provider.GetRequiredService<IOptions<NotificationOptions>>().Value;
        var data = provider.GetRequiredService<IOptions<StorageOptions>>().Value.FullDataDirectory;
        output.WriteLine($"configuration {Path.GetFullPath(file ?? site!)}: valid");
        output.WriteLine($"  data            {data}");
        output.WriteLine($"  keyword lists   {KeywordDirectory.Resolve(provider.GetRequiredService<IOptions<DetectionOptions>>().Value.KeywordsDirectory)}");
        output.WriteLine($"  roster          {provider.GetRequiredService<IOptions<ConsoleOptions>>().Value.ResolvedRosterFile}");
        var oidc = provider.GetRequiredService<IOptions<Users.Oidc.OidcOptions>>().Value.Providers;
        output.WriteLine($"  staff sign-in   password{string.Concat(oidc.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
            $"; {p.Key} ({p.Value.Authority}: {p.Value.Groups.Count} group(s), {p.Value.Emails.Count} address(es) mapped to roles{(p.Value.Domains.Count > 0 ? ", domains " + string.Join(", ", p.Value.Domains) : "")})"))}");
        output.WriteLine();
        output.Write(TrustDescription.Describe(provider.GetRequiredService<SchoolDirectory>(), notifications, Path.Combine(data, notifications.OutboxDirectory)));
        return 0;
    }

    private static List<string> UnknownKeys(IConfiguration configuration)
    {
        var problems = new List<string>();
        foreach (var (section, type) in Strict)
        {
            CheckKnown(configuration.GetSection(section), type, problems);
        }

        return problems;
    }

    // The binder's own ErrorOnUnknownConfiguration reports a key inside a dictionary of schools only as "binding has
    // failed", so the walk is done here: it names the full key and the settings that do exist at that level.
    private static void CheckKnown(IConfigurationSection section, Type type, List<string> problems)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(TimeSpan) || underlying == typeof(decimal))
        {
            return;
        }

        if (underlying.IsGenericType && underlying.GetGenericArguments() is { Length: > 0 } arguments)
        {
            foreach (var child in section.GetChildren())
            {
                CheckKnown(child, arguments[^1], problems); // Dictionary<string, T> and List<T>: T is the last argument
            }

            return;
        }

        // Settable properties, and collections bound into a get-only property (Console:GraphicCategories).
        var properties = underlying.GetProperties()
            .Where(p => p.GetIndexParameters().Length == 0 && (p.CanWrite || (!p.PropertyType.IsValueType && p.PropertyType != typeof(string))))
            .ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add($"{child.Path} is not a setting; known at {section.Path}: {string.Join(", ", properties.Select(p => p.Name))}");
            }
            else
            {
                CheckKnown(child, property.PropertyType, problems);
            }
        }
    }
}
