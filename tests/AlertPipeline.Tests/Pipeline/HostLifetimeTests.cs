using AlertPipeline.Tests.Support;
using AlertPipeline.Users;
using Microsoft.AspNetCore.Http;

namespace AlertPipeline.Tests.Pipeline;

/// <summary>
/// What a host starts, it stops when it is disposed. ASP.NET Core's rate-limiting middleware starts a limiter timer it
/// never stops (dotnet/aspnetcore#69061), which kept every disposed host reachable: a full test run's process grew to
/// 18.6 GB. The sign-in limit is now a limiter the host owns and disposes (the 429 itself: UserAccountTests).
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
}
