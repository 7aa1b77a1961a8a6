namespace AlertPipeline.Kernel;

/// <summary>
/// Counters and a latency sample shared by the pipeline's stages, for the demo's status line and the benchmark.
/// Lock-free counters; the latency sample is a fixed ring (the most recent 100,000), so memory stays bounded.
/// </summary>
internal sealed class PipelineMetrics
{
    private const int SampleSize = 100_000;
    private readonly double[] _latencyMs = new double[SampleSize];
    private readonly Lock _sampleLock = new();
    private long _latencyCount;
    private long _eventsProcessed;
    private long _alertsStored;
    private long _deadLettered;

    public long EventsProcessed => Interlocked.Read(ref _eventsProcessed);

    public long AlertsStored => Interlocked.Read(ref _alertsStored);

    public long DeadLettered => Interlocked.Read(ref _deadLettered);

    public void Processed(int events, int alerts, int deadLetters)
    {
        Interlocked.Add(ref _eventsProcessed, events);
        Interlocked.Add(ref _alertsStored, alerts);
        Interlocked.Add(ref _deadLettered, deadLetters);
    }

    /// <summary>Records the time from an event's acceptance to its alert being stored.</summary>
    public void AlertLatency(TimeSpan latency)
    {
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
