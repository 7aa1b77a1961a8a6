using AlertPipeline.Schools;
using System.Net.Sockets;
using System.Security.Authentication;

namespace AlertPipeline.Notifications;

/// <summary>
/// Names the underlying cause of a failed send, so IT reads "DNS: no such host" or "connection refused" rather than
/// a bare "Failure sending mail". The cause is in the outbox row, the log and the system alert.
/// </summary>
internal static class DeliveryFailure
{
    /// <summary>The cause as <c>kind: detail</c>; kind is one of DNS, connection refused, unreachable, timeout, TLS, authentication, SMTP 5xx, SMTP 4xx, connection closed, HTTP, or the exception's own message.</summary>
    public static string Describe(Exception exception)
    {
        // The innermost cause that names itself wins over the wrappers around it (MailKit and HttpClient wrap the
        // socket error when there is one).
        for (var e = (Exception?)exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SmtpTokenException token:
                    return $"authentication: {token.Message}";
                case SocketException socket:
                    return Socket(socket);
                case MailKit.Security.SslHandshakeException tls:
                    return $"TLS: the secure connection could not be set up ({tls.Message.Split('\n')[0].Trim()})";
                case MailKit.Security.AuthenticationException auth:
                    return $"authentication: the SMTP server refused the credentials ({auth.Message})";
                case NotSupportedException unsupported when unsupported.Message.Contains("STARTTLS", StringComparison.OrdinalIgnoreCase):
                    return $"TLS: the server offers no STARTTLS, but the configuration requires it ({unsupported.Message})";
                case MailKit.Net.Smtp.SmtpCommandException command:
                    return Smtp((int)command.StatusCode, command.Message);
                case MailKit.Net.Smtp.SmtpProtocolException protocol:
                    return $"connection closed: the SMTP session broke ({protocol.Message})";
                case MailKit.ServiceNotConnectedException closed:
                    return $"connection closed: the server hung up ({closed.Message})";
                case AuthenticationException tls:
                    return $"TLS: the secure connection could not be set up ({tls.Message})";
                case HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } http:
                    return $"DNS: {http.Message}";
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } http:
                    return $"TLS: {http.Message}";
                case TimeoutException or TaskCanceledException:
                    return $"timeout: no answer in time ({e.Message})";
            }
        }

        if (exception is HttpRequestException { StatusCode: { } status } h)
        {
            return $"HTTP {(int)status}: {h.Message}";
        }

        return Innermost(exception).Message;
    }

    private static string Smtp(int code, string text) => code switch
    {
        530 => $"TLS: the server requires STARTTLS first ({code} {text})",
        534 or 535 or 454 => $"authentication: the SMTP server refused the credentials ({code} {text})",
        >= 500 and < 600 => $"SMTP 5xx: the server refused ({code} {text})",
        >= 400 and < 500 => $"SMTP 4xx: the server deferred ({code} {text})",
        _ => $"SMTP {code}: {text}",
    };

    private static string Socket(SocketException socket) => socket.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"DNS: the server's name could not be resolved ({socket.Message})",
        SocketError.ConnectionRefused => $"connection refused: nothing accepts connections at the server's address and port ({socket.Message})",
        SocketError.TimedOut => $"timeout: the server did not answer the connection ({socket.Message})",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown => $"unreachable: no route to the server ({socket.Message})",
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => $"connection closed: the server hung up ({socket.Message})",
        _ => $"network: {socket.SocketErrorCode} ({socket.Message})",
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}

/// <summary>
/// Tracks, per channel (the SMTP server; each webhook host), since when every attempt has failed. A channel failing
/// for <see cref="NotificationOptions.ChannelDownAlertAfter"/> raises one system alert with the latest cause; the
/// next success closes it. In memory: after a restart the clock starts again at the first failure (the outbox rows
/// keep every notification meanwhile).
/// </summary>
internal sealed class ChannelHealth
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Streak> _failing = new(StringComparer.Ordinal);

    public static string ChannelOf(DueNotification n, string emailDescription) =>
        n.Channel == NotificationChannels.Email ? $"email via {emailDescription}"
        : Uri.TryCreate(n.Recipient, UriKind.Absolute, out var uri) ? $"{n.Channel} to {uri.Scheme}://{uri.Authority}" : n.Channel;

    public void Failed(string channel, string cause, DateTimeOffset at)
    {
        lock (_lock)
        {
            if (_failing.TryGetValue(channel, out var streak))
            {
                streak.Cause = cause;
                streak.Failures++;
            }
            else
            {
                _failing[channel] = new Streak { Since = at, Cause = cause, Failures = 1 };
            }
        }
    }

    /// <summary>The channel delivered: its streak ends. Returns the system alert raised for it, if any, to close.</summary>
    public long? Succeeded(string channel)
    {
        lock (_lock)
        {
            if (!_failing.Remove(channel, out var streak))
            {
                return null;
            }

            return streak.SystemAlertId;
        }
    }

    /// <summary>Channels failing for at least <paramref name="after"/> with no system alert yet.</summary>
    public IReadOnlyList<(string Channel, DateTimeOffset Since, string Cause, int Failures)> Due(DateTimeOffset now, TimeSpan after)
    {
        lock (_lock)
        {
            return _failing.Where(f => f.Value.SystemAlertId is null && now - f.Value.Since >= after)
                .Select(f => (f.Key, f.Value.Since, f.Value.Cause, f.Value.Failures)).ToList();
        }
    }

    public void Raised(string channel, long systemAlertId)
    {
        lock (_lock)
        {
            if (_failing.TryGetValue(channel, out var streak))
            {
                streak.SystemAlertId = systemAlertId;
            }
        }
    }

    private sealed class Streak
    {
        public DateTimeOffset Since { get; init; }

        public required string Cause { get; set; }

        public int Failures { get; set; }

        public long? SystemAlertId { get; set; }
    }
}
