namespace AlertPipeline.Simulator;

/// <summary>
/// Settings of the device-agent simulator, bound from the <c>Simulator</c> section and checked by
/// <see cref="SimulatorOptionsValidator"/> on start.
/// </summary>
internal sealed class SimulatorOptions
{
    public const string SectionName = "Simulator";

    /// <summary>How many schools to simulate when <see cref="SchoolIds"/> is not given.</summary>
    public int SchoolCount { get; set; } = 3;

    /// <summary>Explicit school ids (<c>[A-Za-z0-9._-]</c>, 1–64 characters); wins over <see cref="SchoolCount"/>.</summary>
    public IList<string> SchoolIds { get; } = [];

    public int PupilsPerSchool { get; set; } = 30;

    /// <summary>Laptops per school. Fewer devices than pupils models shared laptop trolleys.</summary>
    public int DevicesPerSchool { get; set; } = 30;

    /// <summary>Events per second across all schools.</summary>
    public double EventsPerSecond { get; set; } = 50;

    /// <summary>Fraction of events that carry concerning content and should raise an alert.</summary>
    public double ConcerningShare { get; set; } = 0.02;

    public int Seed { get; set; } = 1;

    /// <summary>
    /// The middle part of every event id (<c>sim-&lt;run&gt;-&lt;seq&gt;</c>). Left empty, it is made from the
    /// seed and the start time, so a new run is new to the server; set it to replay a run and see duplicates.
    /// </summary>
    public string? RunId { get; set; }

    /// <summary>Events per HTTP request; the contract allows at most 5,000.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>Stop after this long; with neither this nor <see cref="MaxEvents"/> the run ends on cancellation.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>Stop after this many events.</summary>
    public long? MaxEvents { get; set; }

    /// <summary>Base address of the ingest API, e.g. <c>http://localhost:5080/</c>. Not needed in-process.</summary>
    public Uri? TargetBaseUrl { get; set; }

    /// <summary>
    /// Where batches go: <c>http</c> (the ingest API, the default) or <c>kafka</c> (straight to the device-events
    /// topic, for a trust on Kafka; no API key and no screenshots then).
    /// </summary>
    public string Sink { get; set; } = "http";

    /// <summary>The key sent for every school that has no entry in <see cref="ApiKeys"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Per-school keys: a school key only accepts events of its own school.</summary>
    public IDictionary<string, string> ApiKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Render a PNG for each concerning event and upload it before the batch.</summary>
    public bool Screenshots { get; set; } = true;

    /// <summary>Batches in flight at once.</summary>
    public int MaxConcurrentBatches { get; set; } = 2;

    /// <summary>Tries per request, the first included, before a batch is reported failed.</summary>
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The schools of the run: <see cref="SchoolIds"/> if given, else the first <see cref="SchoolCount"/> built-in names.</summary>
    public IReadOnlyList<string> ResolveSchoolIds() =>
        SchoolIds.Count > 0 ? [.. SchoolIds] : ActivityCorpus.SchoolNames(SchoolCount);

    /// <summary>The key for a school's batches, or null when none is configured.</summary>
    public string? ApiKeyFor(string schoolId) =>
        ApiKeys.TryGetValue(schoolId, out var key) && !string.IsNullOrWhiteSpace(key) ? key
        : string.IsNullOrWhiteSpace(ApiKey) ? null : ApiKey;
}
