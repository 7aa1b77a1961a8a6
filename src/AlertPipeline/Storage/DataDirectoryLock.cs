using System.Globalization;

namespace AlertPipeline.Storage;

/// <summary>A second process would run a role whose state one process must own (see <see cref="DataDirectoryLock"/>).</summary>
internal sealed class DataDirectoryLockedException(string message) : Exception(message);

/// <summary>
/// One process per role per data directory, held for the process's lifetime by an OS file lock (<c>flock</c> on Linux,
/// through <see cref="FileShare.None"/>; released by the kernel when the process dies, even by SIGKILL, so there is
/// never a stale lock to clean up). Two <c>serve</c> processes on one directory once sent about 1,400 emails twice.
/// <para>
/// The lock is per role, not per directory, because the documented split layouts share a directory on purpose:
/// </para>
/// <list type="bullet">
/// <item><c>respond</c> (outbox, escalation, digests, retention) is always exclusive: two would send everything twice;</item>
/// <item>with the embedded queue, <c>ingest</c> (the queue's single writer, which counts the backlog in memory) and
/// <c>detect</c> (the queue's one consumer position) are exclusive too;</item>
/// <item>with Kafka, <c>detect</c> processes share the directory (its <c>alerts.db</c>) on purpose: the consumer group
/// gives each its own partitions and the alert store is idempotent. Kafka <c>ingest</c> keeps no state but the API
/// keys it reads, so any number may run.</item>
/// </list>
/// Files: <c>DATA/locks/ROLE.lock</c> (the lock) and <c>ROLE.holder</c> (who holds it, for the second process's message).
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    private readonly List<FileStream> _held;

    private DataDirectoryLock(List<FileStream> held, IReadOnlyList<string> exclusive, IReadOnlyList<string> shared)
    {
        _held = held;
        Exclusive = exclusive;
        Shared = shared;
    }

    /// <summary>The roles this process holds alone.</summary>
    public IReadOnlyList<string> Exclusive { get; }

    /// <summary>The roles this process runs that share the directory with other processes on purpose, and why.</summary>
    public IReadOnlyList<string> Shared { get; }

    /// <summary>Which roles need the lock: see the class summary.</summary>
    public static (IReadOnlyList<string> Exclusive, IReadOnlyList<string> Shared) Plan(bool ingest, bool detect, bool respond, bool kafka)
    {
        var exclusive = new List<string>();
        var shared = new List<string>();
        if (ingest)
        {
            if (kafka)
            {
                shared.Add("ingest (Kafka: no state here but the API keys it reads; run as many as you like)");
            }
            else
            {
                exclusive.Add("ingest");
            }
        }

        if (detect)
        {
            if (kafka)
            {
                shared.Add("detect (Kafka: other detect processes and the respond process share alerts.db; the consumer group splits the partitions)");
            }
            else
            {
                exclusive.Add("detect");
            }
        }

        if (respond)
        {
            exclusive.Add("respond");
        }

        return (exclusive, shared);
    }

    /// <summary>Takes every exclusive role's lock, or none: throws <see cref="DataDirectoryLockedException"/> naming the holder.</summary>
    public static DataDirectoryLock Acquire(string dataDirectory, bool ingest, bool detect, bool respond, bool kafka, TimeProvider clock)
    {
        var (exclusive, shared) = Plan(ingest, detect, respond, kafka);
        var folder = Path.Combine(dataDirectory, "locks");
        Directory.CreateDirectory(folder);
        var held = new List<FileStream>();
        try
        {
            foreach (var role in exclusive)
            {
                var path = Path.Combine(folder, role + ".lock");
                FileStream stream;
                try
                {
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                }
                catch (IOException)
                {
                    throw new DataDirectoryLockedException(
                        $"data directory {dataDirectory} is in use: the {role} role is already run there by {Holder(folder, role)}. " +
                        $"Only one process may run {role} on a data directory (two would {Consequence(role)}). " +
                        "Stop that process first, or give this one another --data-dir.");
                }

                held.Add(stream);
                File.WriteAllText(Path.Combine(folder, role + ".holder"), string.Create(CultureInfo.InvariantCulture,
                    $"pid {Environment.ProcessId} on {Environment.MachineName}, started {clock.GetUtcNow():yyyy-MM-dd HH:mm:ss} UTC"));
            }
        }
        catch
        {
            foreach (var stream in held)
            {
                stream.Dispose();
            }

            throw;
        }

        return new DataDirectoryLock(held, exclusive, shared);
    }

    public void Dispose()
    {
        foreach (var stream in _held)
        {
            stream.Dispose();
        }

        _held.Clear();
    }

    private static string Holder(string folder, string role)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(folder, role + ".holder")).Trim();
            return text.Length > 0 ? text : "another process";
        }
        catch (IOException)
        {
            return "another process"; // It holds the lock but has not written its name yet.
        }
    }

    private static string Consequence(string role) => role switch
    {
        "respond" => "send every notification twice",
        "ingest" => "both count the embedded queue's backlog and its capacity would not hold",
        _ => "both read the embedded queue from one position and process every event twice",
    };
}
