using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Cli;
using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Notifications;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Checks;

/// <summary>
/// <c>alertpipeline monitoring check --school ID</c>: asks the running host to run the end-to-end check and prints
/// its progress as it streams in. The host runs it (the same code as the schedule and the console's button); this
/// command only starts it and shows it. Two ways to reach and authenticate to the host (ADR 0019):
/// <list type="bullet">
/// <item>on the server, with the data directory (<c>--data-dir</c>, the default one otherwise): a school-wide API key is
/// created in its <c>system.db</c> for this one run and revoked after it; the address is <c>--url</c> or
/// <c>Notifications:ConsoleBaseUrl</c>. Whoever can write the data directory can create keys anyway;</item>
/// <item>from elsewhere, <c>--url URL --key KEY</c> (or <c>ALERTPIPELINE_CHECK_KEY</c>, kept out of the process list):
/// a school-wide key made with <c>keys add --school ID --label monitoring-check</c>. A device's key is refused.</item>
/// </list>
/// Exit 0 when every category passed, 1 when the check failed (a system alert was raised), 2 when it could not start.
/// </summary>
internal static class MonitoringCommand
{
    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices) => CliCommand.Group("monitoring", "the end-to-end check of the running host",
        CliCommand.Leaf("check", "one test event per category from the test pupil, with progress per category; exit 1 if it failed (a system alert is raised)",
            [new("school", "a school id of this trust", "ID"), CliOption.DataDir, CliOption.Config, new("url", "the running host's address (default: this machine's)", "URL"),
             new("key", "a school-wide key, for a remote host (or ALERTPIPELINE_CHECK_KEY)", "KEY")],
            (args, io) => RunAsync(args, io.Output, offlineServices)));

    private static async Task<int> RunAsync(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var school = args.Get("school") ?? throw new CliException("monitoring check: --school is required (a school id of this trust)");
        var key = args.Get("key") ?? Environment.GetEnvironmentVariable("ALERTPIPELINE_CHECK_KEY");
        string url;
        ServiceProvider? services = null;
        string? temporaryKey = null;
        if (key is not null)
        {
            url = args.Get("url") ?? throw new CliException("monitoring check: --key needs --url, the running host's address (e.g. https://alerts.school.example)");
        }
        else
        {
            services = offlineServices(args);
            if (!services.GetRequiredService<Schools.SchoolDirectory>().IsConfigured(school))
            {
                services.Dispose();
                throw new CliException($"monitoring check: --school '{school}' is not a school of this trust (see 'alertpipeline schools list')");
            }

            url = args.Get("url") ?? services.GetRequiredService<IOptions<NotificationOptions>>().Value.ConsoleBaseUrl;
            var (secret, info) = services.GetRequiredService<ApiKeyStore>().Create(school, null, $"monitoring check from the command line by {Environment.UserName} (temporary)");
            services.GetRequiredService<AuditLog>().Append(CliActor.Name(null), CliActor.Role, AuditActions.ApiKeyChange, schoolId: school,
                detail: $"added temporary key {info.KeyId} for a monitoring check of {school}");
            key = secret;
            temporaryKey = info.KeyId;
        }

        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new CliException($"monitoring check: --url must be the host's http(s) address (was '{url}')");
        }

        try
        {
            return await CheckAsync(baseUri, school, key, output).ConfigureAwait(false);
        }
        finally
        {
            if (services is not null)
            {
                services.GetRequiredService<ApiKeyStore>().Revoke(temporaryKey!);
                services.GetRequiredService<AuditLog>().Append(CliActor.Name(null), CliActor.Role, AuditActions.ApiKeyChange, schoolId: school,
                    detail: $"revoked temporary key {temporaryKey} after the monitoring check");
                await services.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> CheckAsync(Uri baseUri, string school, string key, TextWriter output)
    {
        // The check waits up to MonitoringChecks:Timeout (at most an hour) for each category: no client timeout of its own.
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "api/v1/monitoring/checks?school=" + Uri.EscapeDataString(school)));
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"monitoring check: cannot reach the host at {baseUri}: {ex.Message} (is it running? give its address with --url)");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var error = text;
                try
                {
                    using var json = JsonDocument.Parse(text);
                    error = json.RootElement.TryGetProperty("error", out var e) ? e.GetString() ?? text : text;
                }
                catch (JsonException)
                {
                    // Not our JSON (a proxy's page): shown as it is.
                }

                throw new CliException($"monitoring check: the host at {baseUri} answered {(int)response.StatusCode}: {error}");
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
            string? result = null;
            long checkId = 0;
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.GetProperty("type").GetString() == "result")
                {
                    result = root.GetProperty("result").GetString();
                    checkId = root.GetProperty("checkId").GetInt64();
                    continue;
                }

                var category = root.GetProperty("category").GetString() ?? "";
                var stage = root.GetProperty("stage").GetString();
                var detail = root.GetProperty("detail").GetString();
                await output.WriteLineAsync(category.Length == 0
                    ? detail
                    : string.Create(CultureInfo.InvariantCulture, $"  {category,-28} {(stage == "failed" ? "FAILED: " : "")}{detail}")).ConfigureAwait(false);
            }

            if (result is null)
            {
                throw new CliException($"monitoring check: the host at {baseUri} ended the answer before the result (did it stop?); see the log of checks at /checks");
            }

            await output.WriteLineAsync(result == CheckResults.Passed
                ? $"Passed. Recorded as check {checkId} in the log of checks (/checks/{checkId})."
                : $"FAILED. Recorded as check {checkId} (/checks/{checkId}); a system alert was raised to the DSL and the trust DSL.").ConfigureAwait(false);
            return result == CheckResults.Passed ? 0 : 1;
        }
    }
}
