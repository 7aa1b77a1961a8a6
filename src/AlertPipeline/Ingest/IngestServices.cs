using AlertPipeline.Ingest.ApiKeys;
using AlertPipeline.Ingest.Screenshots;
using Microsoft.AspNetCore.Authentication;

namespace AlertPipeline.Ingest;

internal static class IngestServices
{
    public static IServiceCollection AddIngest(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>().Bind(configuration.GetSection(IngestOptions.Section)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ScreenshotStore>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(IngestEndpoints.DeviceAgentPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireClaim(ApiKeyAuthenticationHandler.SchoolClaim));
        return services;
    }
}
