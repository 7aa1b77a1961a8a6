using AlertPipeline.Detection;
using AlertPipeline.Notifications;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Schools;

/// <summary>Outbox channel names. Webhook channels are <c>Notifications.WebhookFormats</c>.</summary>
internal static class NotificationChannels
{
    public const string Email = "email";
}

/// <summary>One way to reach a person: an email address (channel <c>email</c>) or a webhook URL (<c>webhook:*</c>).</summary>
internal sealed record Target(string Recipient, string Channel);

/// <summary>A person in a school's routing, with every way to reach them.</summary>
internal sealed record Contact(string Role, string Name, IReadOnlyList<Target> Targets)
{
    public static Contact From(string role, ContactOptions options) => new(role, options.Name, TargetsOf(options.Email, options.Webhooks));

    public static IReadOnlyList<Target> TargetsOf(string email, IEnumerable<WebhookOptions> webhooks)
    {
        var targets = new List<Target>();
        if (email.Length > 0)
        {
            targets.Add(new Target(email.Trim(), NotificationChannels.Email));
        }

        targets.AddRange(webhooks.Select(w => new Target(w.Url, WebhookFormats.Channel(w.Format)!)));
        return targets;
    }
}

/// <summary>One resolved line of the on-call rota (<see cref="OnCallOptions"/>): null days or dates mean "any".</summary>
internal sealed record OnCallLine(bool[]? Days, DateOnly? From, DateOnly? To, Contact Contact)
{
    public bool HasDates => From is not null;

    public bool Covers(DateOnly date) => (Days is null || Days[(int)date.DayOfWeek]) && (From is null || (date >= From && date <= To));
}

/// <summary>Everything the responder needs to know about one school, resolved from configuration.</summary>
internal sealed record SchoolPolicy(
    string SchoolId,
    string Name,
    Contact Dsl,
    IReadOnlyList<Contact> Deputies,
    Contact? Headteacher,
    Severity NotifyAtOnce,
    Severity DigestFrom,
    Severity OutOfHoursAtOnce,
    SchoolHours Hours,
    EscalationOptions Escalation,
    TimeOnly DailyDigestAt,
    DayOfWeek WeeklyDay,
    TimeOnly WeeklyAt,
    bool IncludePupilDetail,
    IReadOnlyList<OnCallLine> OnCall)
{
    /// <summary>
    /// The people told when an alert is not acknowledged, step by step: deputies, then the headteacher, then the
    /// trust DSL. Steps with nobody configured are skipped, so the chain always ends with someone.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Contact>> EscalationChain(Contact trustDsl)
    {
        var chain = new List<IReadOnlyList<Contact>>();
        if (Deputies.Count > 0)
        {
            chain.Add(Deputies);
        }

        if (Headteacher is not null)
        {
            chain.Add([Headteacher]);
        }

        if (!ReferenceEquals(trustDsl, Dsl))
        {
            chain.Add([trustDsl]);
        }

        return chain;
    }

    public TimeSpan? EscalationDeadline(Severity severity) => severity switch
    {
        Severity.Critical => Escalation.Critical,
        Severity.Urgent => Escalation.Urgent,
        _ => null,
    };

    /// <summary>
    /// When a notification of this severity may be sent, created at <paramref name="at"/>: at once, or when school
    /// opens. Urgent and critical are never held, whatever the configuration says: a child at risk on a Saturday
    /// evening cannot wait for Monday (the validator refuses such a setting too; this guards a hand-built policy).
    /// </summary>
    public DateTimeOffset SendAt(Severity severity, DateTimeOffset at) =>
        severity >= OutOfHoursAtOnce || severity >= Severity.Urgent ? at : Hours.NextOpening(at);

    /// <summary>
    /// Who is on call at <paramref name="at"/>: nobody while the school is open; otherwise the rota lines covering
    /// that local date, those with dates (holiday cover) before those with days only.
    /// </summary>
    public IReadOnlyList<Contact> OnCallAt(DateTimeOffset at)
    {
        if (OnCall.Count == 0 || Hours.IsOpen(at))
        {
            return [];
        }

        var date = Hours.LocalDate(at);
        var covering = OnCall.Where(l => l.Covers(date)).ToList();
        return (covering.Any(l => l.HasDates) ? covering.Where(l => l.HasDates) : covering).Select(l => l.Contact).ToList();
    }
}

/// <summary>
/// Resolves schools' routing from <see cref="TrustOptions"/>. Ingest refuses events of schools not in configuration;
/// one that still arrives (a raw Kafka producer) gets the trust DSL and the default hours, so it reaches someone.
/// </summary>
internal sealed class SchoolDirectory(IOptionsMonitor<TrustOptions> trust, IOptionsMonitor<SchoolDefaults> defaults)
{
    // Resolving parses times and zones; do it once per configuration (reload gives new option instances).
    private volatile Resolved? _resolved;

    public Contact TrustDsl => Current().TrustDsl;

    public Severity? TrustCopyFrom => Current().CopyFrom;

    public string TrustName => trust.CurrentValue.Name;

    public IReadOnlyCollection<SchoolPolicy> Configured => Current().Schools.Values;

    /// <summary>Whether the configuration names this school (ingest refuses events of any other).</summary>
    public bool IsConfigured(string schoolId) => Current().Schools.ContainsKey(schoolId);

    public SchoolPolicy For(string schoolId)
    {
        var resolved = Current();
        return resolved.Schools.TryGetValue(schoolId, out var school) ? school : resolved.Unknown(schoolId);
    }

    private Resolved Current()
    {
        var t = trust.CurrentValue;
        var n = defaults.CurrentValue;
        var resolved = _resolved;
        if (resolved is not null && ReferenceEquals(resolved.Trust, t) && ReferenceEquals(resolved.Notifications, n))
        {
            return resolved;
        }

        resolved = new Resolved(t, n);
        _resolved = resolved;
        return resolved;
    }

    private sealed class Resolved
    {
        public Resolved(TrustOptions trust, SchoolDefaults notifications)
        {
            Trust = trust;
            Notifications = notifications;
            TrustDsl = new Contact("trust DSL", trust.DslName, Contact.TargetsOf(trust.DslEmail, trust.DslWebhooks));
            CopyFrom = SeverityNames.TryParse(trust.CopyFrom, out var copy) ? copy : null;
            Schools = trust.Schools.ToDictionary(s => s.Key, s => Resolve(s.Key, s.Value), StringComparer.Ordinal);
        }

        public TrustOptions Trust { get; }

        public SchoolDefaults Notifications { get; }

        public Contact TrustDsl { get; }

        public Severity? CopyFrom { get; }

        public Dictionary<string, SchoolPolicy> Schools { get; }

        public SchoolPolicy Unknown(string schoolId) => Resolve(schoolId, new SchoolOptions());

        private SchoolPolicy Resolve(string id, SchoolOptions s)
        {
            var dsl = s.Dsl is not null ? Contact.From("DSL", s.Dsl)
                : s.DslEmail.Length > 0 ? new Contact("DSL", string.Empty, [new Target(s.DslEmail.Trim(), NotificationChannels.Email)])
                : TrustDsl;
            var zone = SchoolHours.FindTimeZone(s.TimeZone) ?? TimeZoneInfo.Utc;
            var closed = s.Holidays
                .Select(h => (From: SchoolHours.ParseDate(h.From), To: SchoolHours.ParseDate(h.To)))
                .Where(h => h.From is not null && h.To is not null)
                .Select(h => (h.From!.Value, h.To!.Value))
                .ToList();
            var hours = new SchoolHours(zone, SchoolHours.ParseDays(s.Hours.Days) ?? SchoolHours.ParseDays("Mon-Fri")!,
                SchoolHours.ParseTime(s.Hours.Start) ?? new TimeOnly(8, 0), SchoolHours.ParseTime(s.Hours.End) ?? new TimeOnly(17, 0), closed);
            var onCall = s.OnCall.Select(l => new OnCallLine(
                l.Days.Length > 0 ? SchoolHours.ParseDays(l.Days) : null,
                SchoolHours.ParseDate(l.From),
                SchoolHours.ParseDate(l.To) ?? SchoolHours.ParseDate(l.From),
                Contact.From("on-call", l.AsContact()))).ToList();
            return new SchoolPolicy(
                id,
                s.Name.Length > 0 ? s.Name : id,
                dsl,
                s.Deputies.Select(d => Contact.From("deputy DSL", d)).ToList(),
                s.Headteacher is null ? null : Contact.From("headteacher", s.Headteacher),
                SeverityNames.TryParse(s.NotifyAtOnce, out var atOnce) ? atOnce : Notifications.Minimum,
                SeverityNames.TryParse(s.DigestFrom, out var digest) ? digest : Severity.Low,
                SeverityNames.TryParse(s.OutOfHoursAtOnce, out var ooh) ? ooh
                    : SeverityNames.TryParse(Trust.OutOfHoursAtOnce, out var trustOoh) ? trustOoh : Severity.Low,
                hours,
                s.Escalation,
                SchoolHours.ParseTime(s.Digest.DailyAt) ?? new TimeOnly(16, 0),
                Enum.TryParse<DayOfWeek>(s.Digest.WeeklyDay, ignoreCase: true, out var day) ? day : DayOfWeek.Monday,
                SchoolHours.ParseTime(s.Digest.WeeklyAt) ?? new TimeOnly(9, 0),
                s.IncludePupilDetail ?? Notifications.IncludePupilDetail,
                onCall);
        }
    }
}
