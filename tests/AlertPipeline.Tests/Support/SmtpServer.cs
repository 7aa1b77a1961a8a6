using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace AlertPipeline.Tests.Support;

/// <summary>A message as the SMTP server stored it in its Maildir.</summary>
internal sealed record ReceivedMail(string File, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : string.Empty;

    public string To => Header("To");

    public string Subject => Header("Subject");

    public string Kind => Header("X-AlertPipeline-Kind");

    public string NotificationId => Header("X-AlertPipeline-Notification");

    public string AlertId => Header("X-AlertPipeline-Alert");
}

/// <summary>
/// A real SMTP server: Debian's python3-aiosmtpd, on a loopback port, storing every accepted message in a Maildir.
/// It can be stopped and started again on the same port to simulate an outage.
/// </summary>
internal sealed partial class SmtpServer : IAsyncDisposable
{
    private readonly TempDirectory _maildir = new();
    private Process? _process;

    // A Mailbox that refuses some recipients the way a real server does for an address that does not exist.
    private const string RejectingHandler = """
        from aiosmtpd.handlers import Mailbox

        class RejectingMailbox(Mailbox):
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower().startswith("nobody"):
                    return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown"
                envelope.rcpt_tos.append(address)
                return "250 OK"
        """;

    // A server that requires AUTH and refuses every credential (535), as a provider does after a password change.
    private const string RefusingAuthServer = """
        import signal, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult

        def refuse(server, session, envelope, mechanism, auth_data):
            return AuthResult(success=False, handled=False)

        controller = Controller(Mailbox(sys.argv[2]), hostname="127.0.0.1", port=int(sys.argv[1]),
                                authenticator=refuse, auth_require_tls=False, auth_required=True)
        controller.start()
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
        controller.stop()
        """;

    private readonly bool _rejectNobody;
    private readonly bool _refuseCredentials;

    private SmtpServer(int port, bool rejectNobody, bool refuseCredentials)
    {
        Port = port;
        _rejectNobody = rejectNobody;
        _refuseCredentials = refuseCredentials;
    }

    public int Port { get; }

    // A path that does not exist yet: Python's mailbox.Maildir creates tmp/new/cur only when it creates the folder.
    public string MailDir => Path.Combine(_maildir.Path, "Maildir");

    /// <summary>
    /// Starts the server; with <paramref name="rejectNobody"/> it answers 550 (user unknown) to recipients starting
    /// "nobody"; with <paramref name="refuseCredentials"/> it requires AUTH and answers 535 to every login.
    /// </summary>
    public static async Task<SmtpServer> StartAsync(bool rejectNobody = false, bool refuseCredentials = false)
    {
        var server = new SmtpServer(FreePort(), rejectNobody, refuseCredentials);
        await server.StartAgainAsync();
        return server;
    }

    public async Task StartAgainAsync()
    {
        var handler = "aiosmtpd.handlers.Mailbox";
        if (_rejectNobody)
        {
            await File.WriteAllTextAsync(Path.Combine(_maildir.Path, "rejecting_mailbox.py"), RejectingHandler);
            handler = "rejecting_mailbox.RejectingMailbox";
        }

        string[] arguments = ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", handler, MailDir];
        if (_refuseCredentials)
        {
            var script = Path.Combine(_maildir.Path, "refusing_auth_server.py");
            await File.WriteAllTextAsync(script, RefusingAuthServer);
            arguments = [script, Port.ToString(CultureInfo.InvariantCulture), MailDir];
        }

        var start = new ProcessStartInfo(Python(), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["PYTHONPATH"] = _maildir.Path },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start aiosmtpd");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"aiosmtpd exited with {_process.ExitCode} (is python3-aiosmtpd installed? scripts/test.sh installs it): {await _process.StandardError.ReadToEndAsync()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server: connections are refused until <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public IReadOnlyList<ReceivedMail> Messages()
    {
        var result = new List<ReceivedMail>();
        foreach (var folder in new[] { "new", "cur" })
        {
            var path = Path.Combine(MailDir, folder);
            if (!Directory.Exists(path))
            {
                continue;
            }

            // Python's Maildir names files "<seconds>.M<microseconds>P<pid>Q<count>.<host>" with the microseconds
            // unpadded, so the names do not sort by arrival as text: sort by the two numbers.
            foreach (var file in Directory.GetFiles(path).OrderBy(ArrivalKey).ThenBy(f => f, StringComparer.Ordinal))
            {
                result.Add(Parse(file, File.ReadAllText(file)));
            }
        }

        return result;
    }

    private static (long Seconds, long Microseconds) ArrivalKey(string file)
    {
        var match = MaildirName().Match(Path.GetFileName(file));
        return match.Success
            ? (long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : (long.MaxValue, long.MaxValue);
    }

    [GeneratedRegex(@"^(\d+)\.M(\d+)P")]
    private static partial Regex MaildirName();

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _maildir.Dispose();
    }

    private static ReceivedMail Parse(string file, string raw)
    {
        var text = raw.Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        var body = split < 0 ? string.Empty : text[(split + 2)..];
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in Regex.Replace(head, "\n[ \t]+", " ").Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers.TryAdd(line[..colon].Trim(), DecodeWords(line[(colon + 1)..].Trim()));
            }
        }

        if (headers.TryGetValue("Content-Transfer-Encoding", out var encoding) && encoding.Equals("quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            body = QuotedPrintable(body);
        }

        return new ReceivedMail(file, headers, body);
    }

    private static string QuotedPrintable(string text)
    {
        var unfolded = text.Replace("=\n", string.Empty, StringComparison.Ordinal);
        var bytes = new List<byte>();
        for (var i = 0; i < unfolded.Length; i++)
        {
            if (unfolded[i] == '=' && i + 2 < unfolded.Length && Uri.IsHexDigit(unfolded[i + 1]) && Uri.IsHexDigit(unfolded[i + 2]))
            {
                bytes.Add(Convert.ToByte(unfolded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(unfolded[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Decodes RFC 2047 encoded words (=?utf-8?B?...?= / =?utf-8?Q?...?=), as System.Net.Mail writes subjects.</summary>
    private static string DecodeWords(string value) => EncodedWord().Replace(value, m =>
    {
        var data = m.Groups[2].Value;
        var bytes = m.Groups[1].Value.Equals("B", StringComparison.OrdinalIgnoreCase)
            ? Convert.FromBase64String(data)
            : Encoding.UTF8.GetBytes(QuotedPrintable(data.Replace('_', ' ')));
        return Encoding.UTF8.GetString(bytes);
    }).Replace("?= =?", string.Empty, StringComparison.Ordinal);

    [GeneratedRegex(@"=\?[^?]+\?([BbQq])\?([^?]*)\?=")]
    private static partial Regex EncodedWord();

    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
