using System.Globalization;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// librdkafka settings for AlertPipeline's producers and consumers. The settings behind the delivery guarantees
/// (docs/delivery.md) are fixed here and cannot be overridden through <c>Kafka:Client</c>.
/// </summary>
internal static class KafkaClientConfig
{
    /// <summary>Settings that carry a delivery guarantee, or that AlertPipeline sets from its own options.</summary>
    public static readonly IReadOnlySet<string> Managed = new HashSet<string>(StringComparer.Ordinal)
    {
        "bootstrap.servers", "enable.idempotence", "acks", "request.required.acks", "max.in.flight.requests.per.connection",
        "enable.auto.commit", "enable.auto.offset.store", "group.id", "isolation.level",
    };

    private static readonly Lock LoadLock = new();
    private static string? _librdkafka;

    /// <summary>
    /// Loads librdkafka once per process, before the first client (ADR 0008): <c>Kafka:LibrdkafkaPath</c> when set,
    /// else on glibc Linux x64 the <c>centos8</c> build that librdkafka.redist ships beside its default one. The
    /// default build links <c>libsasl2.so.3</c>, which Debian and Ubuntu lack (they ship <c>libsasl2.so.2</c>), so it
    /// cannot load there; the centos8 build has OpenSSL, SASL (PLAIN, SCRAM, OAUTHBEARER; no GSSAPI) and the
    /// compression libraries linked in and needs nothing but glibc. Elsewhere Confluent.Kafka's own search applies.
    /// Given a path, Confluent calls <c>dlopen</c> through the unversioned <c>libdl</c>, which glibc 2.34+ no longer
    /// ships outside its -dev package, so that name is resolved to <c>libdl.so.2</c> for Confluent's assembly.
    /// </summary>
    public static void LoadNativeLibrary(string? path)
    {
        lock (LoadLock)
        {
            if (_librdkafka is not null)
            {
                return;
            }

            // Named explicitly rather than left to the normal native search, which takes whatever "librdkafka.so" the
            // system has first (Debian's librdkafka-dev installs 2.0.2, older than the functions Confluent.Kafka 2.16
            // calls). Library.Load(path) alone is not enough: it dlopens the file, but Confluent's DllImport("librdkafka")
            // still binds through the search, so the resolver answers that name with the chosen file too.
            var chosen = path ?? BundledLinuxBuild();
            if (OperatingSystem.IsLinux())
            {
                NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, assembly, searchPath) => name switch
                {
                    "librdkafka" or "centos8-librdkafka" when chosen is not null => NativeLibrary.Load(chosen, assembly, searchPath),
                    "libdl" => NativeLibrary.Load("libdl.so.2", assembly, searchPath),
                    _ => IntPtr.Zero,
                });
            }

            if (chosen is not null)
            {
                Library.Load(chosen);
            }

            _librdkafka = chosen ?? "librdkafka";
        }
    }

    /// <summary>
    /// The librdkafka file for P/Invoke of the APIs Confluent.Kafka does not wrap (the mock cluster): the same file.
    /// </summary>
    public static string NativeLibraryPath
    {
        get
        {
            LoadNativeLibrary(null);
            return _librdkafka!;
        }
    }

    /// <summary>
    /// The centos8 build from librdkafka.redist: under <c>runtimes/linux-x64/native/</c> of a framework-dependent build,
    /// or beside the executable in a <c>linux-x64</c> publish (NuGet flattens the native assets there).
    /// </summary>
    internal static string? BundledLinuxBuild()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64 || IsMusl())
        {
            return null;
        }

        var baseDirectory = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so"),
            Path.Combine(baseDirectory, "centos8-librdkafka.so"),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    // Alpine's musl has its own build (alpine-librdkafka.so), which Confluent.Kafka picks by itself.
    private static bool IsMusl() => RuntimeInformation.RuntimeIdentifier.Contains("musl", StringComparison.Ordinal);

    /// <summary>Idempotent producer, acks from every in-sync replica: a delivery report means the record is durable.</summary>
    public static ProducerConfig Producer(KafkaOptions options, string clientId)
    {
        LoadNativeLibrary(options.LibrdkafkaPath);
        var config = new ProducerConfig(new Dictionary<string, string>(options.Client, StringComparer.Ordinal))
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = clientId,
            EnableIdempotence = true,
            Acks = Acks.All,
            LingerMs = options.Linger.TotalMilliseconds,
            MessageTimeoutMs = (int)options.DeliveryTimeout.TotalMilliseconds,
        };

        // A delivery report is read only for its error. By default Confluent.Kafka also copies every record's headers
        // and timestamp back into .NET objects on its poll thread, once per record, for nothing.
        if (!options.Client.ContainsKey("dotnet.producer.delivery.report.fields"))
        {
            config.DeliveryReportFields = "status";
        }

        return config;
    }

    /// <summary>
    /// At-least-once consumer: librdkafka auto-commits only offsets we store explicitly, and we store an offset only
    /// once the outcome of its record (alert or dead letter) is durable.
    /// </summary>
    public static ConsumerConfig Consumer(KafkaOptions options, string groupId, string clientId)
    {
        LoadNativeLibrary(options.LibrdkafkaPath);
        var config = new ConsumerConfig(new Dictionary<string, string>(options.Client, StringComparer.Ordinal))
        {
            BootstrapServers = options.BootstrapServers,
            ClientId = clientId,
            GroupId = groupId,
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = (int)Math.Max(100, options.SessionTimeout.TotalMilliseconds / 5),
            IsolationLevel = IsolationLevel.ReadCommitted,
            // Incremental rebalancing: a member joining or leaving moves only the partitions that must move; the others
            // keep consuming (eager rebalancing stopped every detect process for each deploy or crash).
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
        };

        if (options.GroupInstanceId is { } instance)
        {
            config.GroupInstanceId = instance.Replace("{host}", Environment.MachineName, StringComparison.Ordinal);
        }

        // librdkafka's default lets a fetch wait 500 ms for more data; alerts are worth more than fewer requests
        // (bench: p50 produce-to-stored 287 ms at the default, 27 ms at 10 ms). Overridable through Kafka:Client.
        if (!options.Client.ContainsKey("fetch.wait.max.ms"))
        {
            config.FetchWaitMaxMs = 10;
        }

        return config;
    }

    public static string ClientId(string role) =>
        string.Create(CultureInfo.InvariantCulture, $"alertpipeline-{role}-{Environment.MachineName}-{Environment.ProcessId}");
}
