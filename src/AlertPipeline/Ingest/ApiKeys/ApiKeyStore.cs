using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Storage;
using Microsoft.Data.Sqlite;

namespace AlertPipeline.Ingest.ApiKeys;

/// <summary>Who an API key speaks for: a whole school, or one device of it.</summary>
internal sealed record ApiKeyGrant(string KeyId, string SchoolId, string? DeviceId, string? Label);

/// <summary>A key as listed (never the secret itself: only its hash is stored).</summary>
internal sealed record ApiKeyInfo(string KeyId, string SchoolId, string? DeviceId, string? Label, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// API keys for device agents, in <c>system.db</c>. Keys are 256-bit random secrets, so a plain SHA-256 of the key
/// is a sufficient, fast lookup hash (no salt or slow hash needed: there is nothing to brute-force from a hash of
/// 256 random bits). The secret is shown once, when created.
/// <para>
/// Every ingest request authenticates, so lookups are cached; but a revoked key must stop at once, also when
/// <c>alertpipeline keys revoke</c> runs in another process. So each lookup first asks SQLite's
/// <c>PRAGMA data_version</c> on one long-lived connection (microseconds, no query): it changes whenever any other
/// connection, in any process, commits to system.db, and the cache is then dropped. A grant cached from a read that
/// began before such a change is never used after it (entries carry the version they were read at).
/// </para>
/// </summary>
internal sealed class ApiKeyStore : IDisposable
{
    private const string Prefix = "apk_";

    // A backstop only (the data_version check is what makes revocation immediate): bounds how long any cached answer
    // is used even if a change were somehow not seen, e.g. system.db replaced by a restore under a running process.
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, (ApiKeyGrant? Grant, DateTimeOffset Until, long Version)> _cache = new(StringComparer.Ordinal);

    // One connection for data_version (the value is per connection), used under the lock; opened on first lookup.
    private readonly Lock _versionLock = new();
    private SqliteConnection? _versionConnection;
    private long _version = -1;

    public ApiKeyStore(SystemDatabase database, TimeProvider clock)
    {
        _database = database.Database;
        _clock = clock;
    }

    public (string Secret, ApiKeyInfo Info) Create(string schoolId, string? deviceId, string? label)
    {
        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var keyId = "key_" + Base64Url(RandomNumberGenerator.GetBytes(6));
        var now = _clock.GetUtcNow();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO api_keys(key_id, key_hash, school_id, device_id, label, created_at)
            VALUES ($id, $hash, $school, $device, $label, $at)
            """;
        command.Parameters.AddWithValue("$id", keyId);
        command.Parameters.AddWithValue("$hash", Hash(secret));
        command.Parameters.AddWithValue("$school", schoolId);
        command.Parameters.AddWithValue("$device", (object?)deviceId ?? DBNull.Value);
        command.Parameters.AddWithValue("$label", (object?)label ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return (secret, new ApiKeyInfo(keyId, schoolId, deviceId, label, now, null));
    }

    public ApiKeyGrant? Find(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }

        var hash = Hash(secret);
        var now = _clock.GetUtcNow();
        var version = CurrentVersion();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now && cached.Version == version)
        {
            return cached.Grant;
        }

        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, school_id, device_id, label FROM api_keys WHERE key_hash = $hash AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$hash", hash);
        using var reader = command.ExecuteReader();
        var grant = reader.Read()
            ? new ApiKeyGrant(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
        _cache[hash] = (grant, now + CacheLifetime, version);
        return grant;
    }

    public void Dispose()
    {
        lock (_versionLock)
        {
            _versionConnection?.Dispose();
            _versionConnection = null;
        }
    }

    /// <summary>system.db's data_version as this store's connection sees it; a change drops every cached answer.</summary>
    private long CurrentVersion()
    {
        lock (_versionLock)
        {
            _versionConnection ??= _database.Open();
            using var command = _versionConnection.CreateCommand();
            command.CommandText = "PRAGMA data_version";
            var version = (long)command.ExecuteScalar()!;
            if (version != _version)
            {
                _cache.Clear();
                _version = version;
            }

            return version;
        }
    }

    public bool Revoke(string keyId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_at = $at WHERE key_id = $id AND revoked_at IS NULL";
        command.Parameters.AddWithValue("$id", keyId);
        command.Parameters.AddWithValue("$at", _clock.GetUtcNow().ToUnixTimeMilliseconds());
        var changed = command.ExecuteNonQuery() == 1;
        _cache.Clear();
        return changed;
    }

    public IReadOnlyList<ApiKeyInfo> List()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_id, school_id, device_id, label, created_at, revoked_at FROM api_keys ORDER BY created_at";
        using var reader = command.ExecuteReader();
        var result = new List<ApiKeyInfo>();
        while (reader.Read())
        {
            result.Add(new ApiKeyInfo(
                reader.GetString(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return result;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
