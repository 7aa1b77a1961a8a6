using System.Text.RegularExpressions;
using AlertPipeline.Tests.Support;
using AlertPipeline.Transport.Kafka;

namespace AlertPipeline.Tests.Kafka;

/// <summary>
/// The detect group's membership (<see cref="KafkaClientConfig.Consumer"/>): static members and cooperative-sticky
/// assignment, so a deploy or a crash does not stop the other detect processes. Real child processes on librdkafka's
/// mock cluster (librdkafka 2.16; the 2.0.2 mock hung on a static member's rejoin, which is why this was untested before).
/// </summary>
[Collection(KafkaCollection.Name)]
public sealed partial class KafkaGroupMembershipTests
{
    [Fact]
    public async Task ThirdMemberJoins_CooperativeSticky_RunningMembersKeepMostPartitionsAndNeverStopAll()
    {
        using var kafka = new KafkaTestCluster(eventPartitions: 6);
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();
        await using var first = await HostProcess.StartAsync(a.Path, kafka.ProcessEnvironment(), "--role", "detect");
        await Eventually.TrueAsync(() => Assigned(first).Count == 6, "the first member to own all six partitions", TimeSpan.FromSeconds(120));
        await using var second = await HostProcess.StartAsync(b.Path, kafka.ProcessEnvironment(), "--role", "detect");
        await Eventually.TrueAsync(() => Assigned(second).Count > 0 && Assigned(first).Count + Assigned(second).Count == 6, "the partitions shared by two", TimeSpan.FromSeconds(120));
        var firstRevokedBefore = Revoked(first).Count;
        var secondRevokedBefore = Revoked(second).Count;
        var ownedBefore = (Assigned(first).Count, Assigned(second).Count);

        await using var third = await HostProcess.StartAsync(c.Path, kafka.ProcessEnvironment(), "--role", "detect");
        await Eventually.TrueAsync(() => Assigned(third).Count > 0 && Assigned(first).Count + Assigned(second).Count + Assigned(third).Count == 6,
            "the third member to get its share", TimeSpan.FromSeconds(120));

        // Eager assignment revokes every partition of every member at each join (all six stop); cooperative-sticky
        // revokes only the ones that move to the newcomer, and the members keep consuming the rest meanwhile.
        var moved = Revoked(first).Skip(firstRevokedBefore).Concat(Revoked(second).Skip(secondRevokedBefore)).ToList();
        Assert.Equal(Assigned(third).Count, moved.Count);
        Assert.True(moved.Count < ownedBefore.Item1 + ownedBefore.Item2, $"only the partitions that moved are revoked ({string.Join(",", moved)})");
    }

    /// <summary>The partitions a member owns now, from its "assigned"/"revoked" log lines (incremental under cooperative-sticky).</summary>
    private static HashSet<int> Assigned(HostProcess host)
    {
        var owned = new HashSet<int>();
        foreach (Match line in Membership().Matches(host.Output))
        {
            var partitions = line.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse);
            if (line.Groups[1].Value == "assigned")
            {
                owned.UnionWith(partitions);
            }
            else
            {
                owned.ExceptWith(partitions);
            }
        }

        return owned;
    }

    private static List<int> Revoked(HostProcess host) =>
        Membership().Matches(host.Output).Where(m => m.Groups[1].Value == "revoked")
            .SelectMany(m => m.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)).ToList();

    [GeneratedRegex(@"Kafka consumer (assigned|revoked) partitions ([0-9,]*)")]
    private static partial Regex Membership();

    [Fact]
    public void Consumer_GroupInstanceIdWithHost_SetsTheStaticMemberId()
    {
        var config = KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092", GroupInstanceId = "{host}-detect-1" }, "g", "c");

        Assert.Equal(Environment.MachineName + "-detect-1", config.GroupInstanceId);
        Assert.Null(KafkaClientConfig.Consumer(new KafkaOptions { BootstrapServers = "127.0.0.1:9092" }, "g", "c").GroupInstanceId);
    }
}
