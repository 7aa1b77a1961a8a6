using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Simulator;

/// <summary>
/// Drives one simulator run: every tick it generates the events the configured rate has made due,
/// groups them into per-school batches and hands them to the <see cref="IEventSink"/>, keeping running
/// totals. One instance is one run; <see cref="Snapshot"/> may be read from any thread meanwhile.
/// </summary>
internal sealed partial class SimulatorRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// When the sink is slower than the rate (back-pressure), at most this much schedule is made up later;
    /// the rest is never generated, so a slow server slows the simulator instead of meeting a flood.
    /// </summary>
    private static readonly TimeSpan MaxBacklog = TimeSpan.FromSeconds(1);

    private readonly ActivityGenerator _generator;
    private readonly IEventSink _sink;
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SimulatorRunner> _logger;

    // Batches finish on several threads and the demo reads snapshots from another, so totals are
    // guarded by one lock; it is taken once per batch, never per event.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _concerningByCategory = new(StringComparer.Ordinal);
    private long _generated, _sent, _accepted, _duplicates, _rejected, _failedEvents, _failedBatches, _shots, _shotFailures, _concerning;
    private long _startedAt;
    private TimeSpan? _finishedAfter;
    private int _started;

    public SimulatorRunner(
        ActivityGenerator generator, IEventSink sink, IOptions<SimulatorOptions> options, TimeProvider time, ILogger<SimulatorRunner> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _generator = generator;
        _sink = sink;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Builds a runner that posts to <paramref name="http"/> (its BaseAddress is the ingest host), for a
    /// host that runs the simulator in-process without <see cref="SimulatorServiceCollectionExtensions.AddSimulator"/>.
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static SimulatorRunner Create(HttpClient http, SimulatorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        return Create(new IngestClient(http, Options.Create(options), time, loggers.CreateLogger<IngestClient>()), options, time, loggers);
    }

    /// <summary>Builds a runner that delivers through any sink (e.g. <see cref="KafkaEventSink"/>).</summary>
    /// <exception cref="OptionsValidationException">The options are invalid.</exception>
    public static SimulatorRunner Create(IEventSink sink, SimulatorOptions options, TimeProvider? time = null, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new SimulatorOptionsValidator().Validate(Options.DefaultName, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(SimulatorOptions), validation.Failures);
        }

        time ??= TimeProvider.System;
        loggers ??= NullLoggerFactory.Instance;
        var wrapped = Options.Create(options);
        return new SimulatorRunner(new ActivityGenerator(wrapped, time, new ScreenshotRenderer()), sink, wrapped, time, loggers.CreateLogger<SimulatorRunner>());
    }

    public string RunId => _generator.RunId;

    /// <summary>
    /// Sends until the duration or event count is reached, or <paramref name="cancellationToken"/> fires;
    /// cancellation is a normal way to stop and returns the totals rather than throwing.
    /// </summary>
    public async Task<SimulatorStats> RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("A SimulatorRunner runs once; create another for a new run.");
        }

        var rate = _options.EventsPerSecond;
        var maxBudget = Math.Max(1, rate * MaxBacklog.TotalSeconds);
        var budget = 0d;
        _startedAt = _time.GetTimestamp();
        var last = _startedAt;
        LogStarting(RunId, rate, _options.Duration, _options.MaxEvents);

        using var timer = new PeriodicTimer(Tick, _time);
        try
        {
            var finished = false;
            while (!finished && await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetTimestamp();
                var step = _time.GetElapsedTime(last, now);
                last = now;
                if (_options.Duration is { } duration && _time.GetElapsedTime(_startedAt, now) >= duration)
                {
                    // Count only the part of this tick that lies inside the run.
                    step -= _time.GetElapsedTime(_startedAt, now) - duration;
                    finished = true;
                }

                budget = Math.Min(budget + (rate * Math.Max(0, step.TotalSeconds)), maxBudget);
                var due = (long)budget;
                if (_options.MaxEvents is { } max)
                {
                    // Only this loop writes _generated, so it can read it without the lock.
                    due = Math.Min(due, max - _generated);
                    finished |= _generated + due >= max;
                }

                if (due <= 0)
                {
                    continue;
                }

                budget -= due;
                await SendAsync(Generate((int)Math.Min(due, int.MaxValue)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogCancelled(RunId);
        }

        lock (_gate)
        {
            _finishedAfter = _time.GetElapsedTime(_startedAt);
        }

        var stats = Snapshot();
        LogFinished(RunId, stats.ToString());
        return stats;
    }

    public SimulatorStats Snapshot()
    {
        lock (_gate)
        {
            var elapsed = _finishedAfter ?? (_startedAt == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_startedAt));
            return new SimulatorStats(elapsed, _generated, _sent, _accepted, _duplicates, _rejected, _failedEvents,
                _failedBatches, _shots, _shotFailures, _concerning, new Dictionary<string, long>(_concerningByCategory, StringComparer.Ordinal));
        }
    }

    /// <summary>Generates <paramref name="count"/> events and splits them into batches of one school each, in generation order.</summary>
    private List<EventBatch> Generate(int count)
    {
        var bySchool = new Dictionary<string, List<SimulatedEvent>>(StringComparer.Ordinal);
        var batches = new List<EventBatch>();
        for (var i = 0; i < count; i++)
        {
            var item = _generator.Next();
            if (!bySchool.TryGetValue(item.SchoolId, out var pending))
            {
                bySchool[item.SchoolId] = pending = new List<SimulatedEvent>(Math.Min(_options.BatchSize, count));
            }

            pending.Add(item);
            if (pending.Count == _options.BatchSize)
            {
                batches.Add(new EventBatch(item.SchoolId, pending));
                bySchool[item.SchoolId] = new List<SimulatedEvent>(Math.Min(_options.BatchSize, count));
            }
        }

        batches.AddRange(bySchool.Where(p => p.Value.Count > 0).Select(p => new EventBatch(p.Key, p.Value)));
        lock (_gate)
        {
            _generated += count;
        }

        return batches;
    }

    private Task SendAsync(List<EventBatch> batches, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            batches,
            new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentBatches, CancellationToken = cancellationToken },
            async (batch, ct) =>
            {
                BatchResult result;
                try
                {
                    result = await _sink.SendAsync(batch, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A sink bug must show up in the totals, not end the run or vanish.
                    LogSinkThrew(ex, batch.SchoolId, batch.Events.Count);
                    result = new BatchResult(BatchOutcome.Failed, batch.Events.Count, 0, 0, 0, [], 1, null, ex.Message);
                }

                Record(batch, result);
            });

    private void Record(EventBatch batch, BatchResult result)
    {
        var rejectedIndexes = result.Outcome == BatchOutcome.Rejected
            ? null
            : result.Errors.Select(e => e.Index).ToHashSet();
        lock (_gate)
        {
            _sent += batch.Events.Count;
            _accepted += result.Accepted;
            _duplicates += result.Duplicates;
            _rejected += result.Rejected;
            _shots += result.ScreenshotsUploaded;
            _shotFailures += result.ScreenshotFailures;
            if (result.Outcome == BatchOutcome.Failed)
            {
                _failedEvents += batch.Events.Count;
                _failedBatches++;
                return;
            }

            if (rejectedIndexes is null)
            {
                return;
            }

            for (var i = 0; i < batch.Events.Count; i++)
            {
                if (batch.Events[i].ExpectedCategory is { } category && !rejectedIndexes.Contains(i))
                {
                    _concerning++;
                    _concerningByCategory[category] = _concerningByCategory.GetValueOrDefault(category) + 1;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator run {RunId} starting: {Rate} events/s, duration {Duration}, max events {MaxEvents}")]
    private partial void LogStarting(string runId, double rate, TimeSpan? duration, long? maxEvents);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator run {RunId} cancelled")]
    private partial void LogCancelled(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator run {RunId} finished: {Stats}")]
    private partial void LogFinished(string runId, string stats);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event sink threw for a batch of {Count} events for {SchoolId}")]
    private partial void LogSinkThrew(Exception exception, string schoolId, int count);
}
