using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace AlertPipeline.Cli;

/// <summary>
/// Extra <c>serve --role detect</c> processes for <c>bench --detect-processes N</c>: the same executable and settings
/// as the bench host, each with its own data directory (as on another machine), joining the same consumer group. Their
/// progress is read from their <c>/metrics</c>, as an operator's Prometheus would.
/// </summary>
internal sealed class BenchDetectProcesses : IAsyncDisposable
{
    private readonly List<(Process Process, Uri Metrics)> _processes = [];
    private readonly string _token = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public BenchDetectProcesses() =>
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _token);

    public async Task StartAsync(IReadOnlyDictionary<string, string?> settings, string dataDirectory)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var url = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");

        // Run as this process was: the apphost directly, or `dotnet alertpipeline.dll`.
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BenchDetectProcesses).Assembly.Location);
        }

        foreach (var argument in new[] { "serve", "--role", "detect", "--data-dir", dataDirectory, "--urls", url })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings.Where(s => s.Key != "Storage:DataDirectory"))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Metrics__Enabled"] = "true";
        start.Environment["Metrics__ScrapeToken"] = _token;
        var process = Process.Start(start) ?? throw new InvalidOperationException("bench: could not start a detect process");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var metrics = new Uri(url + "/metrics");
        _processes.Add((process, metrics));

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"bench: the detect process exited with {process.ExitCode} at start");
            }

            try
            {
                (await _http.GetAsync(metrics).ConfigureAwait(false)).EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Events the children have processed, summed over their <c>alertpipeline_events_processed_total</c>.</summary>
    public async Task<long> ProcessedAsync()
    {
        long total = 0;
        foreach (var (_, metrics) in _processes)
        {
            var text = await _http.GetStringAsync(metrics).ConfigureAwait(false);
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith("alertpipeline_events_processed_total", StringComparison.Ordinal))
                {
                    total += (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            process.Dispose();
        }

        _http.Dispose();
    }
}
