using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AlertPipeline.Tests.Installation;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// A real OpenID Connect provider, panva/oidc-provider 9.x on Node, run from <c>tests/oidc-provider</c> (installed
/// there with <c>npm ci</c> by scripts/test.sh). Its issuer is <c>http://localhost:PORT</c> while the test host is
/// <c>http://127.0.0.1:PORT</c>: two different sites to the browser, as Microsoft's or Google's sign-in is to a school's
/// console, so SameSite rules apply as they do in production.
/// </summary>
internal sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "alertpipeline-console";
    public const string ClientSecret = "test-client-secret-not-for-production";

    private readonly Process _process;
    private readonly TempDirectory _directory;

    private OidcProvider(Process process, TempDirectory directory, string issuer)
    {
        _process = process;
        _directory = directory;
        Issuer = issuer;
    }

    public string Issuer { get; }

    public static string Folder => Path.Combine(ReleaseProcess.RepositoryRoot, "tests", "oidc-provider");

    /// <summary>A free loopback port for the provider, chosen before the host starts so the host can name its authority.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <param name="accounts">login name at the provider → the claims it vouches for (email, email_verified, groups, hd, name).</param>
    public static async Task<OidcProvider> StartAsync(int port, string redirectUri, IReadOnlyDictionary<string, object> accounts)
    {
        if (!File.Exists(Path.Combine(Folder, "node_modules", "oidc-provider", "package.json")))
        {
            throw new InvalidOperationException($"oidc-provider is not installed in {Folder}: run scripts/test.sh (it runs 'npm ci' there)");
        }

        var directory = new TempDirectory();
        var config = Path.Combine(directory.Path, "provider.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { port, host = "localhost", clientId = ClientId, clientSecret = ClientSecret, redirectUri, accounts }));
        var process = Process.Start(new ProcessStartInfo("node", ["server.mjs", config])
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var errors = new System.Text.StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(90));
        if (line is null || !line.StartsWith("issuer ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            lock (errors)
            {
                throw new InvalidOperationException($"the OpenID provider did not start: {line} {errors}");
            }
        }

        return new OidcProvider(process, directory, line["issuer ".Length..]);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // server.mjs stops when its stdin closes
            if (!_process.WaitForExit(5000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        _directory.Dispose();
    }
}
