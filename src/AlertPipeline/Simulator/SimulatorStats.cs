using System.Globalization;
using System.Text;

namespace AlertPipeline.Simulator;

/// <summary>
/// Running totals of a simulator run, as one consistent snapshot.
/// <see cref="Concerning"/> counts concerning events the server took (accepted or duplicate, not rejected):
/// the number of alerts the pipeline should raise for this run.
/// </summary>
internal sealed record SimulatorStats(
    TimeSpan Elapsed,
    long Generated,
    long Sent,
    long Accepted,
    long Duplicates,
    long Rejected,
    long FailedEvents,
    long FailedBatches,
    long ScreenshotsUploaded,
    long ScreenshotFailures,
    long Concerning,
    IReadOnlyDictionary<string, long> ConcerningByCategory)
{
    /// <summary>Generated but not resolved: in flight, or cut off by cancellation.</summary>
    public long Unsent => Generated - Sent;

    public double EventsPerSecond => Elapsed > TimeSpan.Zero ? Sent / Elapsed.TotalSeconds : 0;

    /// <summary>One line for a console: totals, then concerning counts by category.</summary>
    public override string ToString()
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture,
            $"{Elapsed.TotalSeconds:F1}s sent {Sent}/{Generated} ({EventsPerSecond:F0}/s) accepted {Accepted} duplicates {Duplicates} ");
        line.Append(CultureInfo.InvariantCulture,
            $"rejected {Rejected} failed {FailedEvents} in {FailedBatches} batches, screenshots {ScreenshotsUploaded} (failed {ScreenshotFailures}), concerning {Concerning}");
        if (ConcerningByCategory.Count > 0)
        {
            line.Append(" [");
            line.AppendJoin(", ", ConcerningByCategory.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
            line.Append(']');
        }

        return line.ToString();
    }
}
