using AlertPipeline.Tests.Support;

namespace AlertPipeline.Tests.Responder;

/// <summary>Configuration for responder tests: the real SMTP server, fast retries and checks, and a school's routing.</summary>
internal static class ResponderConfig
{
    public const string Dsl = "dsl@oakfield.example";
    public const string Deputy = "deputy-dsl@oakfield.example";
    public const string Head = "head@oakfield.example";
    public const string TrustDsl = "trust-dsl@northbridge.example";

    public static Dictionary<string, string?> For(SmtpServer smtp, params (string Key, string? Value)[] extra)
    {
        var config = new Dictionary<string, string?>
        {
            ["Notifications:Smtp:Host"] = "127.0.0.1",
            ["Notifications:Smtp:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Notifications:Smtp:Timeout"] = "00:00:05",
            ["Notifications:PollInterval"] = "00:00:00.100",
            ["Notifications:RetryBaseDelay"] = "00:00:00.200",
            ["Notifications:RetryMaxDelay"] = "00:00:01",
            ["Notifications:MaxAttempts"] = "1000",
            ["Notifications:EscalationCheckInterval"] = "00:00:00.100",
            ["Notifications:DigestCheckInterval"] = "00:00:00.100",
            ["Trust:DslEmail"] = TrustDsl,
            ["Trust:CopyFrom"] = "none",
            ["Trust:Schools:oakfield:Name"] = "Oakfield Academy",
            ["Trust:Schools:oakfield:Dsl:Email"] = Dsl,
            ["Trust:Schools:oakfield:Deputies:0:Name"] = "B. Jones",
            ["Trust:Schools:oakfield:Deputies:0:Email"] = Deputy,
            ["Trust:Schools:oakfield:Headteacher:Name"] = "C. Okafor",
            ["Trust:Schools:oakfield:Headteacher:Email"] = Head,
            ["Trust:Schools:oakfield:NotifyAtOnce"] = "high",
            // The school's explicit choice: medium and lower wait for school hours; high and above never do.
            ["Trust:Schools:oakfield:OutOfHoursAtOnce"] = "high",
            ["Trust:Schools:oakfield:TimeZone"] = "Europe/London",
            ["Trust:Schools:oakfield:Hours:Days"] = "Mon-Fri",
            ["Trust:Schools:oakfield:Hours:Start"] = "08:00",
            ["Trust:Schools:oakfield:Hours:End"] = "17:00",
            ["Trust:Schools:oakfield:Escalation:Critical"] = "00:10:00",
            ["Trust:Schools:oakfield:Escalation:Urgent"] = "00:30:00",
        };
        foreach (var (key, value) in extra)
        {
            config[key] = value;
        }

        return config;
    }

    /// <summary>Replaces the host's clock (Quartz, the outbox, detection, triage all use it).</summary>
    public static Action<IServiceCollection> Clock(TimeProvider clock) => services =>
    {
        services.AddSingleton<TimeProvider>(clock);
    };
}
