namespace AlertPipeline.Detection;

/// <summary>
/// Five levels of risk to the child (not of rudeness). The numeric values order them and are
/// stored; never renumber. See docs/decisions/0003-severity-scale.md.
/// </summary>
public enum Severity
{
    Low = 1,
    Medium = 2,
    High = 3,
    Urgent = 4,
    Critical = 5,
}

public static class SeverityNames
{
    public static string ToName(this Severity severity) => severity switch
    {
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        Severity.Urgent => "urgent",
        Severity.Critical => "critical",
        _ => throw new ArgumentOutOfRangeException(nameof(severity), severity, "Unknown severity."),
    };

    public static bool TryParse(string? text, out Severity severity)
    {
        severity = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "low": severity = Severity.Low; return true;
            case "medium": severity = Severity.Medium; return true;
            case "high": severity = Severity.High; return true;
            case "urgent": severity = Severity.Urgent; return true;
            case "critical": severity = Severity.Critical; return true;
            default: return false;
        }
    }
}
