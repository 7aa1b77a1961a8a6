using System.Text.Json;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

public sealed class SilentDevicesTests
{
    [Fact]
    public async Task SilentDevices_DeviceQuietLongerThanTheSetting_IsListedWithoutPupilsAndOldSessionsExpire()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        host.UseKey("oakfield");
        ConsoleSession.CreateUser(host, "it.support", ConsoleRoles.It);
        using var yesterday = await ConsoleSession.SignInAsync(host, "it.support", ConsoleSession.Password);

        await host.PostEventsAsync(Some.Event(deviceId: "OAK-LT-0001", userLogin: "oak.y7.ssmith"));
        clock.Advance(TimeSpan.FromHours(25));
        await host.PostEventsAsync(Some.Event(deviceId: "OAK-LT-0002", userLogin: "oak.y8.awhite"));

        // Past Users:SessionIdleTimeout (8 h) yesterday's session is over.
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await yesterday.Http.GetAsync("/api/v1/devices/silent")).StatusCode);
        using var it = await ConsoleSession.SignInAsync(host, "it.support", ConsoleSession.Password);

        var json = await it.Http.GetStringAsync("/api/v1/devices/silent");
        var devices = JsonSerializer.Deserialize<JsonElement>(json).GetProperty("devices").EnumerateArray()
            .Select(d => d.GetProperty("deviceId").GetString()).ToList();

        Assert.Equal(["OAK-LT-0001"], devices);
        Assert.DoesNotContain("oak.y7.ssmith", json, StringComparison.Ordinal);
        Assert.Contains("OAK-LT-0001", await it.Http.GetStringAsync("/devices"), StringComparison.Ordinal);
    }
}
