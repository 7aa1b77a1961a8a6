namespace AlertPipeline.Hosting;

/// <summary>
/// Every HttpClient the host makes through <see cref="IHttpClientFactory"/> (webhooks, OAuth2 tokens for SMTP, the
/// monitoring check, the simulator) gets one long-lived <see cref="SocketsHttpHandler"/> whose pooled connections are
/// renewed every <see cref="ConnectionLifetime"/>, so a changed DNS record is still picked up; the factory's own
/// handler rotation is off.
/// <para>
/// Why not the factory's default (a new handler every two minutes): each handler's expiry timer holds the service
/// provider that created it until it fires, so a stopped host stayed in memory for two minutes after it was disposed.
/// A heap dump of the test process found every recently stopped host (~70 MB each: compiled lists, model, caches)
/// rooted only through <c>ActiveHandlerTrackingEntry</c>'s timer. With rotation off no such timer is started, and
/// connection renewal moves to the handler, as Microsoft's guidance on HttpClient for long-lived apps recommends.
/// </para>
/// </summary>
internal static class OutboundHttp
{
    public static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(2);

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services)
    {
        services.ConfigureHttpClientDefaults(client => client
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = ConnectionLifetime })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan));
        return services;
    }
}
