using System.Diagnostics.Metrics;

namespace AlertPipeline.Kernel;

/// <summary>
/// Counters and a latency sample shared by the pipeline's stages, for the demo's status line and the benchmark, and
/// the same figures as instruments of the meter <c>AlertPipeline</c> (scraped at <c>/metrics</c> when enabled, ADR
/// 0021). Lock-free counters; the latency sample is a fixed ring (the most recent 100,000), so memory stays bounded.
/// Tags are fixed words (an outcome, a severity), never a school, a pupil or a device: a label's values are public
/// to whoever can scrape, and a per-pupil series would count one child's alerts.
/// </summary>
internal sealed class PipelineMetrics
{
    public const string MeterName = "AlertPipeline";

    private const int SampleSize = 100_000;
    private readonly Counter<long> _received;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _alertsBySeverity;
    private readonly Histogram<double> _latency;
    private readonly double[] _latencyMs = new double[SampleSize];
    private readonly Lock _sampleLock = new();
    private long _latencyCount;
    private long _eventsProcessed;
    private long _alertsStored;
    private long _deadLettered;

    public PipelineMetrics(IMeterFactory meters)
    {
        // From the host's factory, so each host (and each test's host) has its own meter and only its own figures.
        var meter = meters.Create(MeterName);
        _received = meter.CreateCounter<long>("alertpipeline.events.received", "{event}",
            "Events posted by agents, by outcome: accepted (queued), duplicate (already queued), rejected (invalid)");
        _processed = meter.CreateCounter<long>("alertpipeline.events.processed", "{event}",
            "Events detection has finished with, by outcome: scanned, or dead-lettered (poison)");
        _alertsBySeverity = meter.CreateCounter<long>("alertpipeline.alerts.stored", "{alert}", "New alerts stored, by severity");
        _latency = meter.CreateHistogram<double>("alertpipeline.detection.latency", "s",
            "Time from an event's acceptance to its outcome being stored (alert or none)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    }

    public long EventsProcessed => Interlocked.Read(ref _eventsProcessed);

    public long AlertsStored => Interlocked.Read(ref _alertsStored);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public void Processed(int events, int alerts, int deadLetters)
    {
        Interlocked.Add(ref _eventsProcessed, events);
        Interlocked.Add(ref _alertsStored, alerts);
        Interlocked.Add(ref _deadLettered, deadLetters);
        _processed.Add(events - deadLetters, new KeyValuePair<string, object?>("outcome", "scanned"));
        if (deadLetters > 0)
        {
            _processed.Add(deadLetters, new KeyValuePair<string, object?>("outcome", "dead-lettered"));
        }
    }

    /// <summary>What ingest did with one posted batch.</summary>
    public void Received(int accepted, int duplicates, int rejected)
    {
        Add(_received, accepted, "accepted");
        Add(_received, duplicates, "duplicate");
        Add(_received, rejected, "rejected");

        static void Add(Counter<long> counter, int count, string outcome)
        {
            if (count > 0)
            {
                counter.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
            }
        }
    }

    /// <summary>A new alert was stored (merges into an open alert are not new alerts), with its severity's name.</summary>
    public void AlertStored(string severity) =>
        _alertsBySeverity.Add(1, new KeyValuePair<string, object?>("severity", severity));

    /// <summary>Records the time from an event's acceptance to its alert being stored.</summary>
    public void AlertLatency(TimeSpan latency)
    {
        _latency.Record(latency.TotalSeconds);
        lock (_sampleLock)
        {
            _latencyMs[_latencyCount % SampleSize] = latency.TotalMilliseconds;
            _latencyCount++;
        }
    }

    /// <summary>Percentiles (0–100) of the recorded acceptance-to-stored latencies, in milliseconds.</summary>
    public (long Count, double P50, double P99, double Max) LatencySummary()
    {
        double[] copy;
        long count;
        lock (_sampleLock)
        {
            count = _latencyCount;
            copy = _latencyMs.AsSpan(0, (int)Math.Min(count, SampleSize)).ToArray();
        }

        if (copy.Length == 0)
        {
            return (0, 0, 0, 0);
        }

        Array.Sort(copy);
        return (count, Percentile(copy, 50), Percentile(copy, 99), copy[^1]);
    }

    public void ResetLatency()
    {
        lock (_sampleLock)
        {
            _latencyCount = 0;
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
