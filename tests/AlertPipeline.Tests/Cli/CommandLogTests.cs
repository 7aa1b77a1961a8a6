using AlertPipeline.Tests.Installation;
using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Cli;

/// <summary>
/// The real executable in a child process: the command log is assigned in Program.cs before anything else, so a
/// failure at start (before any host or host logger exists) is written down, in the data directory or the fallback.
/// </summary>
public sealed class CommandLogTests
{
    [Fact]
    public async Task Serve_InvalidConfiguration_WritesTheProblemToTheLogInTheDataDirectory()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        Directory.CreateDirectory(data);

        var (code, output) = await RunAsync(["serve", "--data-dir", data, "--urls", "http://127.0.0.1:0"], dir.Path, ("Queue__Capacity", "5"));

        Assert.Equal(2, code);
        Assert.Contains("error: configuration: Queue:Capacity", output, StringComparison.Ordinal);
        var log = ReadLog(Path.Combine(data, "logs"));
        Assert.Contains("alertpipeline serve started", log, StringComparison.Ordinal);
        Assert.Contains("alertpipeline serve failed (exit code 2): configuration: Queue:Capacity must be between 1000 and 1000000000 (was 5).", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsList_DamagedStore_WritesTheProblemNamingTheFileToTheLog()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "alerts.db"), "this is not a database");

        var (code, _) = await RunAsync(["alerts", "list", "--data-dir", data], dir.Path);

        Assert.Equal(2, code);
        var log = ReadLog(Path.Combine(data, "logs"));
        Assert.Contains("alertpipeline alerts list failed (exit code 2)", log, StringComparison.Ordinal);
        Assert.Contains("alerts.db is not an SQLite database", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_NoDataDirectory_LogsToTheFallbackAndLeavesNoDataDirectoryBehind()
    {
        using var dir = new TempDirectory();
        var state = Path.Combine(dir.Path, "state");

        var (code, _) = await RunAsync(["scan", "no-such-file.txt"], dir.Path, ("XDG_STATE_HOME", state));

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data")), "scan created a data directory in the working directory");
        var log = ReadLog(Path.Combine(state, "alertpipeline", "logs"));
        Assert.Contains("alertpipeline scan failed (exit code 2): scan: file 'no-such-file.txt' does not exist", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertsList_MistypedDataDirectory_IsNotCreatedAndTheFailureIsInTheFallbackLog()
    {
        using var dir = new TempDirectory();
        var state = Path.Combine(dir.Path, "state");
        var typo = Path.Combine(dir.Path, "dtaa");

        var (code, _) = await RunAsync(["alerts", "list", "--data-dir", typo], dir.Path, ("XDG_STATE_HOME", state));

        Assert.Equal(2, code);
        Assert.False(Directory.Exists(typo), "the log created the mistyped data directory");
        Assert.Contains("no alert store in", ReadLog(Path.Combine(state, "alertpipeline", "logs")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ConfigurationFileThatDoesNotParse_WritesTheProblemToTheFallbackLog()
    {
        using var dir = new TempDirectory();
        var state = Path.Combine(dir.Path, "state");
        var config = Path.Combine(dir.Path, "broken.json");
        await File.WriteAllTextAsync(config, "{ \"Trust\": ");

        var (code, output) = await RunAsync(["serve", "--config", config, "--urls", "http://127.0.0.1:0"], dir.Path, ("XDG_STATE_HOME", state));

        Assert.Equal(2, code); // was 70, "unexpected failure", for a typo in the configuration
        Assert.Contains("error: configuration: Failed to load configuration from file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        var log = ReadLog(Path.Combine(state, "alertpipeline", "logs"));
        Assert.Contains("alertpipeline serve failed (exit code 2): configuration: Failed to load configuration from file", log, StringComparison.Ordinal);
        Assert.Contains("broken.json", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAdd_Succeeds_LogsStartAndEndWithoutOptionValues()
    {
        using var dir = new TempDirectory();
        var data = Path.Combine(dir.Path, "data");
        Directory.CreateDirectory(data);

        var (code, output) = await RunAsync(["keys", "add", "--school", "*", "--label", "secret-label", "--data-dir", data], dir.Path);

        Assert.True(code == 0, output);
        var log = ReadLog(Path.Combine(data, "logs"));
        Assert.Contains("alertpipeline keys add ended with exit code 0", log, StringComparison.Ordinal);
        Assert.Contains("--label", log, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-label", log, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output)> RunAsync(string[] args, string workingDirectory, params (string Key, string Value)[] environment) =>
        ReleaseProcess.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll"), .. args],
            environment.ToDictionary(e => e.Key, e => e.Value), workingDirectory: workingDirectory);

    private static string ReadLog(string directory)
    {
        Assert.True(Directory.Exists(directory), $"no log directory {directory}");
        var file = Assert.Single(Directory.GetFiles(directory, "commands-*.log"));
        return File.ReadAllText(file);
    }
}
