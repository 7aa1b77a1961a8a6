using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// The real <c>alertpipeline</c> executable in a child process, so a test can kill it without warning (SIGKILL)
/// the way a power cut or an OOM kill would, and start it again on the same data directory.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public const string ScrapeToken = "test-scrape-token-0123456789abcdef0123";

    /// <summary>The process's <c>/metrics</c> in the Prometheus text format.</summary>
    public async Task<string> ScrapeAsync()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Address, "metrics"));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ScrapeToken);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<HostProcess> StartAsync(string dataDirectory, IDictionary<string, string>? environment = null, params string[] extraArgs)
    {
        // FreePort's port is free when it returns, not necessarily a second later when the child binds it: a listener
        // started meanwhile by a test running in parallel can take it. A start that failed only for that is retried on
        // another port; any other failure is thrown at once.
        for (var attempt = 1; ; attempt++)
        {
            if (await StartOnceAsync(FreePort(), dataDirectory, environment, extraArgs, lastAttempt: attempt == 3) is { } started)
            {
                return started;
            }
        }
    }

    /// <summary>The process, healthy; null when it exited because its port was taken (and this is not the last attempt).</summary>
    internal static async Task<HostProcess?> StartOnceAsync(int port, string dataDirectory, IDictionary<string, string>? environment, string[] extraArgs, bool lastAttempt)
    {
        var address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "alertpipeline.dll"), "serve", "--data-dir", dataDirectory, "--urls", address.ToString().TrimEnd('/') }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Detection__KeywordsDirectory"] = Path.Combine(AppContext.BaseDirectory, "seeds", "keywords");
        start.Environment["Queue__PollInterval"] = "00:00:00.100";
        // Scraped by tests that count what a process has done (KafkaPipelineTests); with a token, as ADR 0021 requires.
        start.Environment["Metrics__Enabled"] = "true";
        start.Environment["Metrics__ScrapeToken"] = ScrapeToken;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start alertpipeline");
        var host = new HostProcess(process, address);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(120); // bounds a failure only: a start can take long on two loaded cores
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // and for its output to be read to the end
                if (!lastAttempt && host.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                {
                    await host.DisposeAsync();
                    return null;
                }

                throw new InvalidOperationException($"alertpipeline exited with {process.ExitCode}:\n{host.Output}");
            }

            try
            {
                if ((await probe.GetAsync(new Uri(address, "health"))).IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Not answering yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await host.DisposeAsync();
                throw new TimeoutException($"alertpipeline did not become healthy:\n{host.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown hooks, no flushing, nothing graceful.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
