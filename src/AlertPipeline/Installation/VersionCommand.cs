using System.CommandLine;
using AlertPipeline.Cli;
using AlertPipeline.Hosting;

namespace AlertPipeline.Installation;

/// <summary><c>alertpipeline version</c> (or <c>--version</c>): the version, and which site configuration applies.</summary>
internal static class VersionCommand
{
    public static Command Create() => CliCommand.Leaf("version", "the installed version (also: --version)", [], (_, io) => RunAsync(io.Output));

    private static async Task<int> RunAsync(TextWriter output)
    {
        await output.WriteLineAsync($"alertpipeline {AppVersion.Current}").ConfigureAwait(false);
        await output.WriteLineAsync($"  installed in        {AppContext.BaseDirectory}").ConfigureAwait(false);
        await output.WriteLineAsync($"  site configuration  {PipelineConfiguration.SiteConfigFile() ?? $"none ({PipelineConfiguration.DefaultSiteConfigFile} absent, {PipelineConfiguration.SiteConfigVariable} unset)"}").ConfigureAwait(false);
        return 0;
    }
}
