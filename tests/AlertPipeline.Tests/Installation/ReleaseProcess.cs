using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AlertPipeline.Tests.Installation;

/// <summary>Runs the repository's scripts and an installed <c>alertpipeline</c> as child processes, as an administrator would.</summary>
internal static class ReleaseProcess
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static async Task<(int Code, string Output)> RunAsync(
        string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish:\n{Read(output)}");
        }

        return (process.ExitCode, Read(output));
    }

    /// <summary>Runs a command that must succeed, and returns what it printed.</summary>
    public static async Task<string> RunOkAsync(
        string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? stdin = null, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var (code, output) = await RunAsync(file, args, environment, stdin, workingDirectory, timeout);
        return code == 0 ? output : throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {code}:\n{output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AlertPipeline.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no AlertPipeline.sln above {AppContext.BaseDirectory}");
    }
}
