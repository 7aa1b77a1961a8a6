using System.Text;
using System.Text.Json;
using AlertPipeline.Queue;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

/// <summary>Dead letters are seen by IT and the trust DSL as a count with reasons, never with a pupil's text.</summary>
public sealed class DeadLetterPanelTests
{
    [Fact]
    public async Task DeadLetters_OnePoison_ItAndTrustDslSeeCountAndReasonWithoutText()
    {
        await using var host = await TestHost.StartAsync();
        var poison = Some.ConcerningEvent();
        poison["occurredAt"] = "0001-01-01T00:00:00+00:00";
        await host.App.Services.GetRequiredService<SqliteEventQueue>().PublishAsync(
            [new QueuedEvent((string)poison["eventId"]!, "oakfield", "dev-1", "p", Encoding.UTF8.GetBytes(poison.ToJsonString()))], CancellationToken.None);
        await Eventually.TrueAsync(() => DeadLetterRows.Read(host.Alerts).Count == 1, "the dead letter");

        foreach (var (name, role) in new[] { ("it.support", ConsoleRoles.It), ("trust.dsl", ConsoleRoles.TrustDsl) })
        {
            ConsoleSession.CreateUser(host, name, role);
            using var session = await ConsoleSession.SignInAsync(host, name, ConsoleSession.Password);

            var json = JsonSerializer.Deserialize<JsonElement>(await session.Http.GetStringAsync("/api/v1/dead-letters"));
            var page = await session.Http.GetStringAsync("/dead-letters");

            Assert.Equal(1, json.GetProperty("total").GetInt32());
            Assert.Equal("occurredAt", json.GetProperty("byReason")[0].GetProperty("reason").GetString());
            Assert.Contains("<strong>1</strong> dead letter(s)", page, StringComparison.Ordinal);
            Assert.DoesNotContain("i want to die", page, StringComparison.Ordinal);
        }
    }
}
