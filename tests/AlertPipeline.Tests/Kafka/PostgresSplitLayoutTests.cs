using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AlertPipeline.Alerts;
using AlertPipeline.Events;
using AlertPipeline.Ingest.Screenshots;
using AlertPipeline.Simulator;
using AlertPipeline.Storage;
using AlertPipeline.Storage.Postgres;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The README's split layout on a trust's real engines (issue 16's "Done when"): Kafka between the roles (librdkafka's
/// mock cluster) and one real PostgreSQL for shared state; two ingest nodes, a detect process and a respond process
/// with the console, each the real executable on its own data directory, as on four machines. Nothing is shared
/// through the file system: keys, accounts, alerts, screenshots and the audit log reach every role through PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresSplitLayoutTests(PostgresCluster cluster) : IDisposable
{
    private const string DeviceId = "OAK-LT-0042";

    private readonly KafkaTestCluster _kafka = new();
    private readonly TempDirectory _dirs = new();

    public void Dispose()
    {
        _kafka.Dispose();
        _dirs.Dispose();
    }

    [Fact]
    public async Task SplitLayout_KafkaAndPostgres_DslOfTheSchoolSeesTheScreenshotOthersGet404AndARevokedKeyStopsEveryNode()
    {
        var connectionString = await cluster.CreateDatabaseAsync("split");
        var environment = _kafka.ProcessEnvironment();
        environment["Storage__Provider"] = "postgres";
        environment["Storage__ConnectionString"] = connectionString;

        // The key is added once, by the command line on an administrator's machine (its own data directory).
        var added = await CliAsync(environment, "keys", "add", "--school", "oakfield", "--label", "split layout", "--data-dir", Dir("admin"));
        var secret = added.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("apk_", StringComparison.Ordinal));
        var keyId = added.Split(' ', '\n').First(w => w.StartsWith("key_", StringComparison.Ordinal));

        await using var ingestA = await HostProcess.StartAsync(Dir("ingest-a"), environment, "--role", "ingest");
        await using var ingestB = await HostProcess.StartAsync(Dir("ingest-b"), environment, "--role", "ingest");
        await using var detect = await HostProcess.StartAsync(Dir("detect"), environment, "--role", "detect");
        await using var respond = await HostProcess.StartAsync(Dir("respond"), environment, "--role", "respond");

        // The screenshot goes to one ingest node, the event that names it to the other: the key works on both.
        var png = new ScreenshotRenderer().Render("Search", "https://search.example/?q=how+to+die", "how to die painlessly");
        using var toA = Agent(ingestA.Address, secret);
        using var toB = Agent(ingestB.Address, secret);
        using var upload = new ByteArrayContent(png);
        upload.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var uploaded = await toA.PostAsync("screenshots", upload);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var reference = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement.GetProperty("ref").GetString()!;
        var e = Some.Event("i want to die", deviceId: DeviceId);
        e["screenshotRef"] = reference;
        Assert.Equal(HttpStatusCode.Accepted, (await toB.PostAsync("events", Events(e))).StatusCode);

        // Detect (another machine) raises the alert into PostgreSQL.
        using var database = new PostgresDatabase(connectionString);
        var alerts = new PostgresAlertStore(database, TimeProvider.System);
        var alert = await Eventually.ReturnsAsync(() => alerts.OfEvent(new EventKey("oakfield", DeviceId, (string)e["eventId"]!)), a => a is not null,
            "the alert in PostgreSQL", TimeSpan.FromSeconds(60));
        Assert.Equal(reference, alert!.ScreenshotRef);

        // An administrator adds the DSLs (the accounts live in PostgreSQL too).
        var users = new UserStore(RelationalStore.Postgres(database), TimeProvider.System, Options.Create(new UserOptions()));
        users.Create("dsl.oak", ConsoleRoles.Dsl, ["oakfield"], ConsoleSession.Password, mustChangePassword: false);
        users.Create("dsl.river", ConsoleRoles.Dsl, ["riverside"], ConsoleSession.Password, mustChangePassword: false);

        // The DSL of that school signs in to the console on the respond machine and gets the very bytes ingest kept.
        using var oak = await ConsoleSession.SignInAsync(respond.Address, "dsl.oak", ConsoleSession.Password);
        var shot = await oak.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}/screenshot");
        Assert.Equal(HttpStatusCode.OK, shot.StatusCode);
        Assert.Equal("image/png", shot.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ScreenshotCheck.Clean(png).Image, await shot.Content.ReadAsByteArrayAsync());

        // The same session on another console process (its own data directory): the cookie keys are shared too.
        var elsewhere = await oak.Http.GetAsync(new Uri(ingestA.Address, $"api/v1/alerts/{alert.AlertId}/screenshot"));
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);

        // Another school's DSL: 404, as if there were no such alert.
        using var river = await ConsoleSession.SignInAsync(respond.Address, "dsl.river", ConsoleSession.Password);
        Assert.Equal(HttpStatusCode.NotFound, (await river.Http.GetAsync($"/api/v1/alerts/{alert.AlertId}/screenshot")).StatusCode);

        // The view is in the one audit log, readable from any machine.
        var audit = new AlertPipeline.Audit.AuditLog(RelationalStore.Postgres(database), TimeProvider.System);
        Assert.Contains(audit.Read(alert.AlertId), entry => entry is { Actor: "dsl.oak", Action: AlertPipeline.Audit.AuditActions.ViewScreenshot });

        // Revoked once, on the administrator's machine: the next request to either ingest node is refused.
        Assert.Contains($"Revoked {keyId}.", await CliAsync(environment, "keys", "revoke", keyId, "--data-dir", Dir("admin")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await toB.PostAsync("events", Events(Some.Event("revision notes", deviceId: DeviceId)))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await toA.PostAsync("events", Events(Some.Event("revision notes", deviceId: DeviceId)))).StatusCode);

        // Nothing of it was kept on the nodes' disks: no key table, no screenshot file on any data directory.
        Assert.Empty(Directory.EnumerateFiles(_dirs.Path, "*.png", SearchOption.AllDirectories));
        Assert.Contains(keyId, await CliAsync(environment, "keys", "list", "--data-dir", Dir("elsewhere")), StringComparison.Ordinal);
    }

    private string Dir(string name)
    {
        var path = Path.Combine(_dirs.Path, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static HttpClient Agent(Uri address, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri(address, "api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
        return http;
    }

    private static StringContent Events(params JsonObject[] events) =>
        new(new JsonArray(events.Select(e => (JsonNode)e).ToArray()).ToJsonString(), Encoding.UTF8, "application/json");

    /// <summary>Runs the real <c>alertpipeline</c> command line in a child process; returns its output, failing on a non-zero exit.</summary>
    private static async Task<string> CliAsync(IDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"alertpipeline {string.Join(' ', args)} exited {process.ExitCode}: {await error}{await output}");
        return await output;
    }
}
