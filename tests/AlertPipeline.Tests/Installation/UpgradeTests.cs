using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Installation;

/// <summary>
/// The release path an IT manager follows (deploy/PRODUCTION.md): build two releases with deploy/package.sh, install
/// the first with its install.sh into a staging root, use it (configuration, tuned lists, an account, an API key,
/// an alert), install the second over it, and find everything still there and working. Real self-contained
/// binaries and the real scripts; only the root directory, the service account and systemd are left out.
/// </summary>
[Trait("Category", "Install")]
public sealed class UpgradeTests(UpgradeTests.Releases releases) : IClassFixture<UpgradeTests.Releases>
{
    private const string School = "your-school"; // the school the site configuration template names

    /// <summary>Versions 1.0.0 and 1.0.1 built once by <c>deploy/package.sh</c> for the tests of this class (a publish takes minutes on a busy machine).</summary>
    public sealed class Releases : IAsyncLifetime
    {
        private readonly TempDirectory _directory = new();

        public string Packages => Path.Combine(_directory.Path, "packages");

        public async Task InitializeAsync()
        {
            await PackageAsync("1.0.0", Packages);
            await PackageAsync("1.0.1", Packages);
        }

        public Task DisposeAsync()
        {
            _directory.Dispose();
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Install_UpgradeToNextVersion_KeepsConfigurationListsAccountsKeysAndAlerts()
    {
        using var work = new TempDirectory();
        var packages = releases.Packages;
        var root = Path.Combine(work.Path, "root");

        // Version N.
        await InstallAsync(packages, "1.0.0", root);
        var installed = new Installed(root);
        Assert.Contains("alertpipeline 1.0.0+", await installed.RunOkAsync("version"), StringComparison.Ordinal);

        // Use it: the school's own settings, a tuned list, an account, a device key and an alert.
        var config = File.ReadAllText(installed.ConfigFile).Replace("alertpipeline@your-school.sch.uk", "monitoring@upgrade-test.sch.uk", StringComparison.Ordinal);
        File.WriteAllText(installed.ConfigFile, config);
        File.AppendAllText(Path.Combine(installed.DataDirectory, "keywords", "bullying.csv"), "zorblax wibbleton,phrase,urgent,,,added by the school\n");
        Assert.Contains("FLAGGED URGENT", await installed.RunOkAsync("keywords", "test", "you are a zorblax wibbleton"), StringComparison.Ordinal);
        await installed.RunOkAsync(["users", "add", "--name", "j.bloggs", "--role", "dsl", "--school", School, "--password-stdin"], stdin: "a-long-passphrase-for-upgrades\n");
        var key = (await installed.RunOkAsync("keys", "add", "--school", School, "--label", "laptops")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim();
        await installed.ServeAndPostAsync(key, "you are a zorblax wibbleton", expectAlerts: 1);

        // Version N+1 over it.
        await InstallAsync(packages, "1.0.1", root);
        Assert.Contains("alertpipeline 1.0.1+", await installed.RunOkAsync("version"), StringComparison.Ordinal);
        Assert.Equal(config, File.ReadAllText(installed.ConfigFile));
        Assert.Contains("FLAGGED URGENT", await installed.RunOkAsync("keywords", "test", "you are a zorblax wibbleton"), StringComparison.Ordinal);
        Assert.Contains("j.bloggs", await installed.RunOkAsync("users", "list"), StringComparison.Ordinal);
        Assert.Contains("active", await installed.RunOkAsync("keys", "list"), StringComparison.Ordinal);
        var alerts = await installed.RunOkAsync("alerts", "list", "--format", "json");
        Assert.Contains(School, Assert.Single(alerts.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);

        // The key issued by N still authenticates with N+1, and the new version adds to the same store.
        await installed.ServeAndPostAsync(key, "zorblax wibbleton again", expectAlerts: 2);
        Assert.True(Directory.Exists(Path.Combine(root, "opt", "alertpipeline", "releases", "1.0.0")), "the previous release is kept for rollback");
        Assert.Equal(Path.Combine("releases", "1.0.1"), new FileInfo(Path.Combine(root, "opt", "alertpipeline", "current")).LinkTarget);
    }

    [Fact]
    public async Task Install_NewVersionRefusesConfiguration_KeepsCurrentReleaseAndExitsNonZero()
    {
        using var work = new TempDirectory();
        var packages = releases.Packages;
        var root = Path.Combine(work.Path, "root");
        await InstallAsync(packages, "1.0.0", root);
        var installed = new Installed(root);
        var config = File.ReadAllText(installed.ConfigFile);
        File.WriteAllText(installed.ConfigFile, config.Replace("\"Europe/London\"", "\"Mars/Olympus_Mons\"", StringComparison.Ordinal));

        var (code, output) = await ReleaseProcess.RunAsync("bash", [Path.Combine(packages, "alertpipeline-1.0.0", "install.sh"), "--root", root, "--no-systemd", "--no-user"], timeout: TimeSpan.FromMinutes(3));

        Assert.NotEqual(0, code);
        Assert.Contains("Trust:Schools:your-school:TimeZone is not a known time zone (was 'Mars/Olympus_Mons')", output, StringComparison.Ordinal);
        Assert.Contains("nothing was switched", output, StringComparison.Ordinal);
        Assert.Equal(Path.Combine("releases", "1.0.0"), new FileInfo(Path.Combine(root, "opt", "alertpipeline", "current")).LinkTarget);
        Assert.Empty(Directory.GetDirectories(Path.Combine(root, "opt", "alertpipeline", "releases"), ".*"));
    }

    private static Task PackageAsync(string version, string packages) =>
        ReleaseProcess.RunOkAsync("bash", [Path.Combine(ReleaseProcess.RepositoryRoot, "deploy", "package.sh"), version, packages, "--no-tarball"], timeout: TimeSpan.FromMinutes(10));

    private static Task InstallAsync(string packages, string version, string root) =>
        ReleaseProcess.RunOkAsync("bash", [Path.Combine(packages, $"alertpipeline-{version}", "install.sh"), "--root", root, "--no-systemd", "--no-user"], timeout: TimeSpan.FromMinutes(3));

    /// <summary>Polls an asynchronous condition until it holds (no fixed sleep), failing with what was awaited.</summary>
    private static async Task WaitAsync(string what, Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>An installation in a staging root, driven through the <c>alertpipeline</c> link on its PATH.</summary>
    private sealed class Installed(string root)
    {
        public string ConfigFile { get; } = Path.Combine(root, "etc", "alertpipeline", "appsettings.json");

        public string DataDirectory { get; } = Path.Combine(root, "var", "lib", "alertpipeline");

        private string Command { get; } = Path.Combine(root, "usr", "local", "bin", "alertpipeline");

        private Dictionary<string, string> Environment => new() { ["ALERTPIPELINE_CONFIG"] = ConfigFile };

        public Task<string> RunOkAsync(params string[] args) => RunOkAsync(args, stdin: null);

        public Task<string> RunOkAsync(string[] args, string? stdin) =>
            ReleaseProcess.RunOkAsync(Command, args, Environment, stdin, workingDirectory: DataDirectory);

        /// <summary>Runs the installed host, posts one event with the key, and waits until the store holds <paramref name="expectAlerts"/> alerts.</summary>
        public async Task ServeAndPostAsync(string key, string text, int expectAlerts)
        {
            var address = new Uri($"http://127.0.0.1:{ReleaseProcess.FreePort()}/");
            var start = new ProcessStartInfo(Command) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = DataDirectory };
            foreach (var arg in new[] { "serve", "--urls", address.ToString().TrimEnd('/') })
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["ALERTPIPELINE_CONFIG"] = ConfigFile;
            start.Environment["Trust__OutOfHoursAtOnce"] = "low"; // no outcome may depend on the time of day
            using var host = Process.Start(start)!;
            var log = new StringBuilder();
            host.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            host.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            host.BeginOutputReadLine();
            host.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
                await WaitAsync("the installed host to answer /health", async () =>
                {
                    if (host.HasExited)
                    {
                        host.WaitForExit(); // the output handlers have run once this returns
                        lock (log)
                        {
                            Assert.Fail($"the installed host exited:\n{log}");
                        }
                    }

                    try
                    {
                        return (await http.GetAsync("health")).IsSuccessStatusCode;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        return false; // not listening, or too slow to answer yet on a busy machine
                    }
                }, TimeSpan.FromSeconds(90));

                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", key);
                var body = new JsonArray(Some.Event(text, School, source: "chat"));
                var response = await http.PostAsync("api/v1/events", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
                Assert.True(response.IsSuccessStatusCode, $"ingest answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                await WaitAsync($"{expectAlerts} alerts in the store", async () =>
                    (await RunOkAsync("alerts", "list", "--format", "json")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == expectAlerts,
                    TimeSpan.FromSeconds(60));
            }
            finally
            {
                host.Kill(entireProcessTree: true); // the alerts are committed: what follows must find them whatever the shutdown
                await host.WaitForExitAsync();
            }
        }
    }
}
