using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>
/// What a host starts, it stops when it is disposed. ASP.NET Core's rate-limiting middleware starts a limiter timer it
/// never stops (dotnet/aspnetcore#69061), which kept every disposed host reachable: a full test run's process grew to
/// 18.6 GB. The sign-in limit is now a limiter the host owns and disposes (the 429 itself: UserAccountTests). After
/// that fix a heap dump still found each stopped host rooted for two minutes by IHttpClientFactory's handler-expiry
/// timer (Hosting/OutboundHttp turns that rotation off).
/// </summary>
public sealed class HostLifetimeTests
{
    [Fact]
    public async Task SignInRateLimit_HostDisposed_LimiterStopped()
    {
        SignInRateLimit limit;
        await using (var host = await TestHost.StartAsync())
        {
            limit = host.App.Services.GetRequiredService<SignInRateLimit>();
            using var lease = limit.Attempt(new DefaultHttpContext());
            Assert.True(lease.IsAcquired);
        }

        Assert.Throws<ObjectDisposedException>(() => limit.Attempt(new DefaultHttpContext()));
    }

    [Fact]
    public async Task Host_StartedUsedAndDisposed_NothingKeepsItInMemory()
    {
        var host = await StartUseAndDisposeAsync();

        // A host held only by a timer that fires within seconds would be collected here too; a leak is not.
        await Eventually.TrueAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return !host.IsAlive;
        }, "the disposed host to be collected (if this fails: dotnet-dump collect --type Heap, then gcroot on the WebApplication)", TimeSpan.FromSeconds(30));
    }

    /// <summary>Every part a request can touch: ingest with a key, detection, the alert store, a console sign-in, readiness.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> StartUseAndDisposeAsync()
    {
        var host = await TestHost.StartAsync();
        var weak = new WeakReference(host.App);
        host.UseKey();
        await host.PostEventsAsync(Some.Event("i want to die"));
        await Eventually.TrueAsync(() => host.Alerts.List(new()).Count == 1, "the alert stored");
        ConsoleSession.CreateUser(host, "dsl.oak", ConsoleRoles.Dsl, "oakfield");
        using (var session = await ConsoleSession.SignInAsync(host, "dsl.oak", ConsoleSession.Password))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, (await session.Http.GetAsync("/api/v1/alerts")).StatusCode);
        }

        using (var ready = await host.Http.GetAsync("/health/ready"))
        {
            Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
        }

        await host.DisposeAsync();
        return weak;
    }
}
