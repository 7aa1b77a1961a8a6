using System.Runtime.InteropServices;
using System.Text;

namespace AlertPipeline.Transport.Kafka;

/// <summary>
/// librdkafka's built-in Kafka-protocol mock cluster: real TCP listeners on loopback, real protocol, consumer groups,
/// idempotent producers; no Docker, no JVM. For tests, the Kafka benchmark and <c>alertpipeline kafka-mock</c>, never
/// for production. It lives as long as this object in this process; other processes connect to
/// <see cref="BootstrapServers"/>.
/// </summary>
internal sealed class MockKafkaCluster : IDisposable
{
    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;
    private int _disposed;

    public MockKafkaCluster(int brokers, string? librdkafkaPath = null)
    {
        KafkaClientConfig.LoadNativeLibrary(librdkafkaPath);
        var conf = NativeMethods.rd_kafka_conf_new();
        var error = new byte[512];
        _handle = NativeMethods.rd_kafka_new(0 /* RD_KAFKA_PRODUCER */, conf, error, (UIntPtr)error.Length);
        if (_handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("librdkafka: " + Encoding.UTF8.GetString(error.AsSpan(0, Math.Max(0, Array.IndexOf(error, (byte)0)))));
        }

        _cluster = NativeMethods.rd_kafka_mock_cluster_new(_handle, brokers);
        if (_cluster == IntPtr.Zero)
        {
            NativeMethods.rd_kafka_destroy(_handle);
            throw new InvalidOperationException("librdkafka could not start a mock cluster");
        }

        BootstrapServers = Marshal.PtrToStringUTF8(NativeMethods.rd_kafka_mock_cluster_bootstraps(_cluster))!;
        Brokers = brokers;
    }

    public string BootstrapServers { get; }

    /// <summary>Broker ids are 1..<see cref="Brokers"/>.</summary>
    public int Brokers { get; }

    /// <summary>Creates the three AlertPipeline topics as <paramref name="options"/> names them.</summary>
    public void CreateTopics(KafkaOptions options)
    {
        var replicas = Math.Min((int)options.ReplicationFactor, Brokers);
        CreateTopic(options.Topics.Events, options.EventPartitions, replicas);
        CreateTopic(options.Topics.Alerts, 3, replicas);
        CreateTopic(options.Topics.DeadLetters, 1, replicas);
    }

    public void CreateTopic(string topic, int partitions, int replicas) =>
        Check(NativeMethods.rd_kafka_mock_topic_create(_cluster, [.. Encoding.UTF8.GetBytes(topic), 0], partitions, replicas), $"create topic {topic}");

    /// <summary>Disconnects the broker and refuses connections; its partitions keep it as leader, so they stall.</summary>
    public void SetBrokerDown(int brokerId) => Check(NativeMethods.rd_kafka_mock_broker_set_down(_cluster, brokerId), $"set broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(NativeMethods.rd_kafka_mock_broker_set_up(_cluster, brokerId), $"set broker {brokerId} up");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            NativeMethods.rd_kafka_mock_cluster_destroy(_cluster);
            NativeMethods.rd_kafka_destroy(_handle);
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"librdkafka mock: {what} failed with error {error}");
        }
    }

    /// <summary>
    /// The mock-cluster API of librdkafka (rdkafka_mock.h), which Confluent.Kafka does not wrap. "librdkafka" resolves
    /// to the same file Confluent.Kafka uses, through a resolver on this assembly.
    /// </summary>
    private static class NativeMethods
    {
        private const string Library = "librdkafka";

        static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, (name, assembly, searchPath) =>
            name == Library ? NativeLibrary.Load(KafkaClientConfig.NativeLibraryPath, assembly, searchPath) : IntPtr.Zero);

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

        [DllImport(Library)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

        [DllImport(Library)]
        public static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_topic_create(IntPtr cluster, byte[] topicUtf8Nul, int partitions, int replicationFactor);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);
    }
}
