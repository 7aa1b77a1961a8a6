using System.Globalization;

namespace AlertPipeline.Schools;

/// <summary>
/// A school's opening hours in its own time zone. Pure: every answer is a function of the instant asked about, so
/// out-of-hours holds and digest times are tested at any date (a Sunday night, a clock change) without waiting.
/// </summary>
internal sealed class SchoolHours
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private readonly bool[] _days;

    // Inclusive local date ranges the school is closed (holidays): out of hours all day.
    private readonly IReadOnlyList<(DateOnly From, DateOnly To)> _closed;

    public SchoolHours(TimeZoneInfo zone, bool[] days, TimeOnly start, TimeOnly end, IReadOnlyList<(DateOnly From, DateOnly To)>? closed = null)
    {
        Zone = zone;
        _days = days;
        Start = start;
        End = end;
        _closed = closed ?? [];
    }

    public TimeZoneInfo Zone { get; }

    public TimeOnly Start { get; }

    public TimeOnly End { get; }

    public bool IsSchoolDay(DayOfWeek day) => _days[(int)day];

    public bool IsOpen(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return IsOpenOn(DateOnly.FromDateTime(local.DateTime)) && time >= Start && time < End;
    }

    /// <summary>The school's local date at <paramref name="instant"/>.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    private bool IsOpenOn(DateOnly date) => _days[(int)date.DayOfWeek] && !_closed.Any(c => date >= c.From && date <= c.To);

    /// <summary><paramref name="instant"/> if the school is open then, otherwise the next opening time.</summary>
    public DateTimeOffset NextOpening(DateTimeOffset instant)
    {
        if (IsOpen(instant))
        {
            return instant;
        }

        var local = TimeZoneInfo.ConvertTime(instant, Zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        if (TimeOnly.FromDateTime(local.DateTime) >= Start)
        {
            date = date.AddDays(1); // Today's opening has passed (or it is after closing).
        }

        // Holidays can close a school for weeks; a year and a week covers any configuration that opens at all.
        for (var i = 0; i < 373; i++, date = date.AddDays(1))
        {
            if (IsOpenOn(date))
            {
                return ToInstant(date, Start);
            }
        }

        throw new InvalidOperationException("the school does not open within a year (check Hours:Days and Holidays)");
    }

    /// <summary>The instant a local date and time in this zone denotes (a time skipped by a clock change moves forward).</summary>
    public DateTimeOffset ToInstant(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(30);
        }

        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>The latest instant at or before <paramref name="now"/> that is <paramref name="time"/> locally on a day accepted by <paramref name="day"/>.</summary>
    public DateTimeOffset LatestAtOrBefore(DateTimeOffset now, TimeOnly time, Func<DayOfWeek, bool> day)
    {
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        for (var i = 0; i < 15; i++, date = date.AddDays(-1))
        {
            if (day(date.DayOfWeek) && ToInstant(date, time) is var at && at <= now)
            {
                return at;
            }
        }

        throw new InvalidOperationException("no matching day in the last two weeks");
    }

    public static TimeZoneInfo? FindTimeZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            return null;
        }
        catch (InvalidTimeZoneException)
        {
            return null;
        }
    }

    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    public static TimeOnly? ParseTime(string text) =>
        TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null;

    /// <summary>Parses <c>Mon-Fri</c>, <c>Mon,Wed,Fri</c> or a mix (<c>Mon-Wed,Fri</c>); null if not understood.</summary>
    public static bool[]? ParseDays(string text)
    {
        var days = new bool[7];
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || Day(range[0]) is not { } from || Day(range[^1]) is not { } to)
            {
                return null;
            }

            for (var d = from; ; d = (d + 1) % 7)
            {
                days[d] = true;
                if (d == to)
                {
                    break;
                }
            }
        }

        return days.Any(d => d) ? days : null;
    }

    private static int? Day(string name)
    {
        var key = name.Length >= 3 ? name[..3].ToLowerInvariant() : name.ToLowerInvariant();
        var index = Array.IndexOf(DayNames, key);
        return index >= 0 && DayNames[index].Length == key.Length ? index : null;
    }
}
