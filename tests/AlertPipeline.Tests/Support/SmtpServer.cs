using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace AlertPipeline.Tests.Support;

/// <summary>
/// A message as the SMTP server stored it in its Maildir, or as the outbox folder holds it, read back with MimeKit:
/// headers decoded, <see cref="Body"/> the decoded text and HTML parts (whatever transfer encoding was used).
/// </summary>
internal sealed record ReceivedMail(string File, IReadOnlyDictionary<string, string> Headers, string Body, IReadOnlyDictionary<string, byte[]> Attachments)
{
    public static ReceivedMail Load(string file)
    {
        using var message = MimeKit.MimeMessage.Load(file);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.Headers)
        {
            headers.TryAdd(header.Field, header.Value);
        }

        // Addresses without display names, as the tests compare them.
        headers["To"] = string.Join(", ", message.To.Mailboxes.Select(m => m.Address));
        headers["From"] = string.Join(", ", message.From.Mailboxes.Select(m => m.Address));
        var body = string.Join("\n", new[] { message.TextBody, message.HtmlBody }.OfType<string>());
        var attachments = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var part in message.Attachments.OfType<MimeKit.MimePart>())
        {
            using var bytes = new MemoryStream();
            part.Content?.DecodeTo(bytes);
            attachments[part.FileName ?? string.Empty] = bytes.ToArray();
        }

        return new ReceivedMail(file, headers, body, attachments);
    }

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : string.Empty;

    /// <summary>The recipients' addresses, comma-separated.</summary>
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

    // A server that requires AUTH XOAUTH2 (as Microsoft 365 and Gmail do for OAuth2) and accepts the bearer tokens
    // listed in a file the test writes; every attempt is appended to a log the test reads. A refusal follows the
    // providers' protocol: a 334 challenge carrying a JSON error, the client's empty answer, then 535.
    private const string XOAuth2Server = """
        import base64, json, signal, sys
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult

        class XOAuth2Mailbox(Mailbox):
            def __init__(self, maildir, accepted, seen):
                super().__init__(maildir)
                self.accepted = accepted
                self.seen = seen

            async def auth_XOAUTH2(self, server, args):
                if len(args) == 2:
                    blob = base64.b64decode(args[1])
                else:
                    blob = await server.challenge_auth("", encode_to_b64=False)
                    if not isinstance(blob, bytes):
                        return AuthResult(success=False, handled=True)
                fields = dict(f.split("=", 1) for f in blob.decode().split("\x01") if "=" in f)
                bearer = fields.get("auth", "")
                token = bearer[len("Bearer "):] if bearer.startswith("Bearer ") else ""
                with open(self.accepted) as f:
                    ok = token != "" and token in f.read().split()
                with open(self.seen, "a") as f:
                    f.write(("accepted" if ok else "refused") + " " + fields.get("user", "") + " " + token + "\n")
                if ok:
                    return AuthResult(success=True, auth_data=fields.get("user"))
                await server.challenge_auth(json.dumps({"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}))
                return AuthResult(success=False, handled=False)

        controller = Controller(XOAuth2Mailbox(sys.argv[2], sys.argv[3], sys.argv[4]), hostname="127.0.0.1", port=int(sys.argv[1]),
                                auth_require_tls=False, auth_required=True)
        controller.start()
        signal.sigwait([signal.SIGTERM, signal.SIGINT])
        controller.stop()
        """;

    private readonly bool _rejectNobody;
    private readonly bool _refuseCredentials;
    private readonly bool _xoauth2;

    private SmtpServer(int port, bool rejectNobody, bool refuseCredentials, bool xoauth2)
    {
        Port = port;
        _rejectNobody = rejectNobody;
        _refuseCredentials = refuseCredentials;
        _xoauth2 = xoauth2;
    }

    private string AcceptedTokensFile => Path.Combine(_maildir.Path, "accepted-tokens.txt");

    private string SeenTokensFile => Path.Combine(_maildir.Path, "xoauth2.log");

    /// <summary>With <c>xoauth2</c>: the bearer tokens the server accepts from now on (all others get 535).</summary>
    public void AcceptTokens(params string[] tokens) => File.WriteAllLines(AcceptedTokensFile, tokens);

    /// <summary>With <c>xoauth2</c>: each sign-in the server saw, in order: accepted or not, the user and the bearer token.</summary>
    public IReadOnlyList<(bool Accepted, string User, string Token)> SignIns() =>
        File.Exists(SeenTokensFile)
            ? [.. File.ReadAllLines(SeenTokensFile).Select(l => l.Split(' ')).Select(p => (p[0] == "accepted", p[1], p.Length > 2 ? p[2] : string.Empty))]
            : [];

    public int Port { get; }

    // A path that does not exist yet: Python's mailbox.Maildir creates tmp/new/cur only when it creates the folder.
    public string MailDir => Path.Combine(_maildir.Path, "Maildir");

    /// <summary>
    /// Starts the server; with <paramref name="rejectNobody"/> it answers 550 (user unknown) to recipients starting
    /// "nobody"; with <paramref name="refuseCredentials"/> it requires AUTH and answers 535 to every login; with
    /// <paramref name="xoauth2"/> it requires AUTH XOAUTH2 with a token given to <see cref="AcceptTokens"/>.
    /// </summary>
    public static async Task<SmtpServer> StartAsync(bool rejectNobody = false, bool refuseCredentials = false, bool xoauth2 = false)
    {
        var server = new SmtpServer(FreePort(), rejectNobody, refuseCredentials, xoauth2);
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

        if (_xoauth2)
        {
            var script = Path.Combine(_maildir.Path, "xoauth2_server.py");
            await File.WriteAllTextAsync(script, XOAuth2Server);
            if (!File.Exists(AcceptedTokensFile))
            {
                AcceptTokens();
            }

            arguments = [script, Port.ToString(CultureInfo.InvariantCulture), MailDir, AcceptedTokensFile, SeenTokensFile];
        }

        var start = new ProcessStartInfo(Python(), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["PYTHONPATH"] = _maildir.Path },
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start aiosmtpd");
        var deadline = DateTime.UtcNow.AddSeconds(60); // python3 starting on two loaded cores; bounds a failure only
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
                result.Add(ReceivedMail.Load(file));
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

    private static string Python() => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
