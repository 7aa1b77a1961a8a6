using AlertPipeline.Audit;
using AlertPipeline.Storage;
using AlertPipeline.Users.Oidc;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Users;

internal static class UserServices
{
    /// <summary>Accounts and the audit log, for the host and for the CLI (<c>users add</c>).</summary>
    public static IServiceCollection AddUserAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<UserOptions>().Bind(configuration.GetSection(UserOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UserOptions>, UserOptionsValidator>();
        services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OidcOptions>, OidcOptionsValidator>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<AuditLog>();
        return services;
    }

    /// <summary>Cookie sign-in for people (device agents keep their API keys), with anti-forgery tokens.</summary>
    public static IServiceCollection AddConsoleSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddUserAccounts(configuration);
        var storage = new StorageOptions();
        configuration.GetSection(StorageOptions.Section).Bind(storage);
        var protection = services.AddDataProtection().SetApplicationName("AlertPipeline");
        if (storage.IsPostgres)
        {
            // In the shared database, so a session from one console process is good on every other (ADR 0024).
            services.AddOptions<KeyManagementOptions>().Configure<RelationalStores, TimeProvider>(
                (o, stores, clock) => o.XmlRepository = new SessionKeyRing(stores.For("system.db"), clock));
        }
        else
        {
            // Keys under the data directory, so sessions survive a restart and every process on the same data shares them.
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(storage.FullDataDirectory, "keys")));
        }
        services.AddSingleton<SignInRateLimit>();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryFilter.HeaderName;
            o.Cookie.Name = "ap.csrf";
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request came over TLS, including TLS ended at a configured proxy (Proxy:KnownProxies).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        var authentication = services.AddAuthentication();
        authentication.AddCookie(ConsolePolicies.Scheme, o =>
        {
            o.Cookie.Name = "ap.console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = true;
            o.LoginPath = "/sign-in";
            o.AccessDeniedPath = "/denied";
            o.Events = new CookieAuthenticationEvents
            {
                OnValidatePrincipal = SignInEndpoints.ValidatePrincipalAsync,
                OnCheckSlidingExpiration = SignInEndpoints.CheckSlidingExpirationAsync,
                OnRedirectToLogin = SignInEndpoints.RedirectToSignInAsync,
                OnRedirectToAccessDenied = SignInEndpoints.DeniedAsync,
            };
        });
        services.AddOidcSignIn(configuration, authentication);
        services.AddOptions<CookieAuthenticationOptions>(ConsolePolicies.Scheme)
            .Configure<IOptions<UserOptions>>((o, users) => o.ExpireTimeSpan = users.Value.SessionIdleTimeout);
        var authorization = services.AddAuthorizationBuilder();
        foreach (var (policy, roles) in ConsolePolicies.Roles)
        {
            authorization.AddPolicy(policy, p => p.AddAuthenticationSchemes(ConsolePolicies.Scheme).RequireClaim(ConsoleClaims.Role, roles));
        }

        return services;
    }
}
