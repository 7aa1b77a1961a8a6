using AlertPipeline.Detection;
using AlertPipeline.Schools;

namespace AlertPipeline.Tests.Responder;

/// <summary>Routing configuration and school hours: pure, so tested at any date.</summary>
public sealed class RoutingTests
{
    private static readonly SchoolHours London = new(
        SchoolHours.FindTimeZone("Europe/London")!, SchoolHours.ParseDays("Mon-Fri")!, new TimeOnly(8, 0), new TimeOnly(17, 0));

    [Fact]
    public void NextOpening_FridayEvening_IsMonday0800()
    {
        var friday = new DateTimeOffset(2026, 11, 27, 18, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero), London.NextOpening(friday));
    }

    [Fact]
    public void NextOpening_InSummerTime_IsSevenUtc()
    {
        var beforeSchool = new DateTimeOffset(2026, 6, 15, 5, 0, 0, TimeSpan.Zero); // Monday 06:00 BST
        Assert.Equal(new DateTimeOffset(2026, 6, 15, 7, 0, 0, TimeSpan.Zero), London.NextOpening(beforeSchool));
    }

    [Fact]
    public void NextOpening_DuringSchoolHours_IsNow()
    {
        var lesson = new DateTimeOffset(2026, 11, 24, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal(lesson, London.NextOpening(lesson));
    }

    [Theory]
    [InlineData("Mon-Fri", "Monday,Tuesday,Wednesday,Thursday,Friday")]
    [InlineData("mon,wed", "Monday,Wednesday")]
    [InlineData("Fri-Mon", "Sunday,Monday,Friday,Saturday")]
    public void ParseDays_RangesAndLists_SelectThoseDays(string text, string expected)
    {
        var days = SchoolHours.ParseDays(text)!;
        Assert.Equal(expected, string.Join(",", Enum.GetValues<DayOfWeek>().Where(d => days[(int)d])));
    }

    [Fact]
    public void Validate_BadRoutingSettings_NameEachKeyAndValue()
    {
        var trust = new TrustOptions
        {
            DslEmail = "trust-dsl@northbridge.example",
            Schools =
            {
                ["oakfield"] = new SchoolOptions
                {
                    Dsl = new ContactOptions { Email = "not-an-address" },
                    Deputies = [new ContactOptions { Name = "nobody" }],
                    Headteacher = new ContactOptions { Email = "head@oakfield.example", Webhooks = [new WebhookOptions { Url = "ftp://x", Format = "pager" }] },
                    NotifyAtOnce = "severe",
                    TimeZone = "Europe/Londres",
                    Hours = new SchoolHoursOptions { Days = "Mon-Funday", Start = "17:00", End = "08:00" },
                    Escalation = new EscalationOptions { Critical = TimeSpan.Zero },
                    Digest = new DigestOptions { DailyAt = "4pm", WeeklyDay = "Moonday" },
                },
            },
        };

        var failures = new TrustOptionsValidator().Validate(null, trust).Failures!.ToList();

        Assert.Contains("Trust:Schools:oakfield:Dsl:Email is not an email address (was 'not-an-address').", failures);
        Assert.Contains("Trust:Schools:oakfield:Deputies:0 has neither an Email nor Webhooks: nobody could be told.", failures);
        Assert.Contains("Trust:Schools:oakfield:Headteacher:Webhooks:0:Url must be an absolute http(s) URL (was 'ftp://x').", failures);
        Assert.Contains("Trust:Schools:oakfield:Headteacher:Webhooks:0:Format must be one of json, teams, slack (was 'pager').", failures);
        Assert.Contains("Trust:Schools:oakfield:NotifyAtOnce must be one of low, medium, high, urgent, critical (was 'severe').", failures);
        Assert.Contains(failures, f => f.StartsWith("Trust:Schools:oakfield:TimeZone is not a known time zone (was 'Europe/Londres')", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Trust:Schools:oakfield:Hours:Days must be", StringComparison.Ordinal) && f.Contains("'Mon-Funday'", StringComparison.Ordinal));
        Assert.Contains("Trust:Schools:oakfield:Hours:End must be after Hours:Start (was '17:00'-'08:00').", failures);
        Assert.Contains(failures, f => f.StartsWith("Trust:Schools:oakfield:Escalation:Critical must be", StringComparison.Ordinal));
        Assert.Contains("Trust:Schools:oakfield:Digest:DailyAt must be a time of day as HH:mm (was '4pm').", failures);
        Assert.Contains("Trust:Schools:oakfield:Digest:WeeklyDay must be a day name such as Monday (was 'Moonday').", failures);
        Assert.Equal(11, failures.Count);
    }

    [Fact]
    public void Validate_LegacyDslEmailOnly_IsValid()
    {
        var trust = new TrustOptions { DslEmail = "trust-dsl@northbridge.example", Schools = { ["riverside"] = new SchoolOptions { DslEmail = "dsl@riverside.example" } } };
        Assert.True(new TrustOptionsValidator().Validate(null, trust).Succeeded);
    }

    [Fact]
    public void Validate_HoldingUrgentOrBadRota_NamesEachKeyAndValue()
    {
        var trust = new TrustOptions
        {
            DslEmail = "trust-dsl@northbridge.example",
            OutOfHoursAtOnce = "critical",
            Schools =
            {
                ["oakfield"] = new SchoolOptions
                {
                    OutOfHoursAtOnce = "critical",
                    OnCall = [new OnCallOptions { Days = "Caturday", Email = "deputy@oakfield.example" }, new OnCallOptions { From = "2026-12-19", To = "2026-12-01", Name = "nobody" }],
                    Holidays = [new HolidayOptions { Name = "Christmas", From = "19/12/2026", To = "2027-01-03" }],
                },
            },
        };

        var failures = new TrustOptionsValidator().Validate(null, trust).Failures!.ToList();

        Assert.Contains("Trust:OutOfHoursAtOnce must be one of low, medium, high, urgent: urgent and critical alerts are always sent out of hours (was 'critical').", failures);
        Assert.Contains("Trust:Schools:oakfield:OutOfHoursAtOnce must be one of low, medium, high, urgent: urgent and critical alerts are always sent out of hours (was 'critical').", failures);
        Assert.Contains("Trust:Schools:oakfield:OnCall:0:Days must be a day range or list such as Sat-Sun or Mon,Wed (was 'Caturday').", failures);
        Assert.Contains("Trust:Schools:oakfield:OnCall:1 has neither an Email nor Webhooks: nobody could be told.", failures);
        Assert.Contains("Trust:Schools:oakfield:OnCall:1:To must not be before From (was '2026-12-19' to '2026-12-01').", failures);
        Assert.Contains("Trust:Schools:oakfield:Holidays:0:From must be a date as yyyy-MM-dd (was '19/12/2026').", failures);
        Assert.Equal(6, failures.Count);
    }

    [Fact]
    public void SendAt_UrgentAndCriticalOnSaturdayEvening_NeverHeldEvenIfAPolicySaysSo()
    {
        var policy = Policy(outOfHoursAtOnce: Severity.Critical);
        var saturday = new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero);

        Assert.Equal(saturday, policy.SendAt(Severity.Urgent, saturday));
        Assert.Equal(saturday, policy.SendAt(Severity.Critical, saturday));
        Assert.Equal(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero), policy.SendAt(Severity.High, saturday));
    }

    [Fact]
    public void NextOpening_DuringAHoliday_IsTheFirstSchoolDayAfterIt()
    {
        var hours = new SchoolHours(London.Zone, SchoolHours.ParseDays("Mon-Fri")!, new TimeOnly(8, 0), new TimeOnly(17, 0),
            [(new DateOnly(2026, 12, 19), new DateOnly(2027, 1, 3))]);
        var holiday = new DateTimeOffset(2026, 12, 23, 10, 0, 0, TimeSpan.Zero); // a Wednesday, 10:00

        Assert.False(hours.IsOpen(holiday));
        Assert.Equal(new DateTimeOffset(2027, 1, 4, 8, 0, 0, TimeSpan.Zero), hours.NextOpening(holiday));
    }

    [Fact]
    public void OnCallAt_InHoursNobody_WeekendTheWeekendLine_DatedLineWinsOverDays()
    {
        var weekend = new OnCallLine(SchoolHours.ParseDays("Sat-Sun"), null, null, Person("weekend"));
        var christmas = new OnCallLine(null, new DateOnly(2026, 12, 19), new DateOnly(2027, 1, 3), Person("christmas"));
        var policy = Policy(onCall: [weekend, christmas]);

        Assert.Empty(policy.OnCallAt(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero))); // Monday, lessons
        Assert.Equal(["weekend"], policy.OnCallAt(new DateTimeOffset(2026, 12, 5, 19, 0, 0, TimeSpan.Zero)).Select(c => c.Name));
        Assert.Equal(["christmas"], policy.OnCallAt(new DateTimeOffset(2026, 12, 19, 19, 0, 0, TimeSpan.Zero)).Select(c => c.Name)); // a Saturday in the holiday
    }

    private static Contact Person(string name) => new("on-call", name, [new Target(name + "@oakfield.example", "email")]);

    private static SchoolPolicy Policy(Severity outOfHoursAtOnce = Severity.Low, IReadOnlyList<OnCallLine>? onCall = null) => new(
        "oakfield", "Oakfield", Person("dsl"), [], null, Severity.High, Severity.Low, outOfHoursAtOnce, London,
        new EscalationOptions(), new TimeOnly(16, 0), DayOfWeek.Monday, new TimeOnly(9, 0), false, onCall ?? []);
}
