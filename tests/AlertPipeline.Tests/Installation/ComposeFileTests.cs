using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AlertPipeline.Tests.Installation;

/// <summary>
/// The trust's docker-compose.yml as docker-compose itself reads it (`docker-compose config`, no engine needed): the
/// replication settings match the number of brokers, shared state is in PostgreSQL, detect and respond run more than
/// one replica, raw pupil text is not kept by Kafka longer than the configured window, and secrets stay out.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string Root = ReleaseProcess.RepositoryRoot;
    private static readonly string[] Roles = ["ingest", "detect", "respond"];

    [Fact]
    public async Task Compose_Kafka_ReplicationMatchesTheBrokersAndTwoInSyncReplicasMustAcknowledge()
    {
        var services = (await ConfigAsync(new() { ["POSTGRES_PASSWORD"] = "compose-test" }))["services"]!.AsObject();

        var brokers = services.Where(s => Env(s.Value!).ContainsKey("KAFKA_NODE_ID")).ToList();
        Assert.Equal(3, brokers.Count);
        Assert.All(brokers, b =>
        {
            var env = Env(b.Value!);
            Assert.Equal(brokers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), env["KAFKA_DEFAULT_REPLICATION_FACTOR"]);
            Assert.Equal(brokers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"]);
            Assert.Equal("2", env["KAFKA_MIN_INSYNC_REPLICAS"]);
            Assert.Equal(brokers.Count, env["KAFKA_CONTROLLER_QUORUM_VOTERS"].Split(',').Length);
        });
        var setup = string.Join('\n', services["kafka-setup"]!["command"]!.AsArray().Select(c => (string)c!));
        Assert.Contains($"--replication-factor {brokers.Count}", setup, StringComparison.Ordinal);
        Assert.Contains("min.insync.replicas=2", setup, StringComparison.Ordinal);
        foreach (var topic in new[] { "alertpipeline.device-events", "alertpipeline.alerts", "alertpipeline.dead-letters" })
        {
            Assert.Contains("--topic " + topic, setup, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Compose_Roles_StateInPostgresOwnDataVolumesTwoDetectAndTwoRespond()
    {
        var services = (await ConfigAsync(new() { ["POSTGRES_PASSWORD"] = "compose-test" }))["services"]!.AsObject();

        foreach (var role in Roles)
        {
            var env = Env(services[role]!);
            Assert.Equal("postgres", env["Storage__Provider"]);
            Assert.Contains("Host=postgres;", env["Storage__ConnectionString"], StringComparison.Ordinal);
            Assert.Equal("kafka", env["Transport__Kind"]);
            // /data is each container's own (anonymous) volume: never a named volume two replicas would share.
            var volumes = services[role]!["volumes"]!.AsArray().Select(v => (string)v!).ToList();
            Assert.Contains("/data", volumes);
            Assert.DoesNotContain(volumes, v => v.EndsWith(":/data", StringComparison.Ordinal) || v.Contains(":/data:", StringComparison.Ordinal));
        }

        Assert.True((int)services["detect"]!["deploy"]!["replicas"]! >= 2);
        Assert.True((int)services["respond"]!["deploy"]!["replicas"]! >= 2);
        Assert.Contains("{host}", Env(services["detect"]!)["Kafka__GroupInstanceId"], StringComparison.Ordinal);
        Assert.StartsWith("postgres:", (string)services["postgres"]!["image"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_RawEventRetention_TopicAndQueueKeepTheSameConfiguredDays()
    {
        var services = (await ConfigAsync(new() { ["POSTGRES_PASSWORD"] = "compose-test", ["RAW_EVENT_RETENTION_DAYS"] = "14" }))["services"]!.AsObject();

        var setup = string.Join('\n', services["kafka-setup"]!["command"]!.AsArray().Select(c => (string)c!));
        Assert.Contains("days=14", setup, StringComparison.Ordinal);
        Assert.Contains("ms=$$((days * 24 * 60 * 60 * 1000))", setup, StringComparison.Ordinal);
        Assert.Contains("--topic alertpipeline.device-events --partitions 12 --config retention.ms=$$ms", setup, StringComparison.Ordinal);
        Assert.All(Roles, role => Assert.Equal("14", Env(services[role]!)["Queue__RetentionDays"]));
    }

    [Fact]
    public async Task Compose_NoDatabasePassword_RefusedNamingTheSetting()
    {
        var (code, _, error) = await RunAsync(new() { ["POSTGRES_PASSWORD"] = null });

        Assert.NotEqual(0, code);
        Assert.Contains("set POSTGRES_PASSWORD in .env", error, StringComparison.Ordinal);
    }

    [Fact]
    public void DockerIgnore_KeepsDataSecretsAndGitOutOfImages()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, ".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.Contains("data/", lines);
        Assert.Contains("**/data/", lines);
        Assert.Contains(".git/", lines);
        Assert.Contains(".env", lines);
        Assert.Contains("*.db", lines);
    }

    private static Dictionary<string, string> Env(JsonNode service) =>
        service["environment"]?.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? string.Empty) ?? [];

    private static async Task<JsonObject> ConfigAsync(Dictionary<string, string?> environment)
    {
        var (code, yaml, error) = await RunAsync(environment);
        Assert.True(code == 0, error);
        // docker-compose 1.29 prints YAML only; python3-yaml comes with it.
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))");
        using var python = Process.Start(start)!;
        await python.StandardInput.WriteAsync(yaml);
        python.StandardInput.Close();
        var json = await python.StandardOutput.ReadToEndAsync();
        await python.WaitForExitAsync();
        return JsonNode.Parse(json)!.AsObject();
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo("docker-compose") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        foreach (var a in new[] { "-f", "docker-compose.yml", "config" })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var name in new[] { "POSTGRES_PASSWORD", "RAW_EVENT_RETENTION_DAYS", "EVENT_PARTITIONS", "KAFKA_CLUSTER_ID" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}
