using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Storage;
using System.Data.Common;
using AlertPipeline.Storage.Migrations;

namespace AlertPipeline.Ingest.ApiKeys;

/// <summary>Who an API key speaks for: a whole school, or one device of it.</summary>
internal sealed record ApiKeyGrant(string KeyId, string SchoolId, string? DeviceId, string? Label);

/// <summary>A key as listed (never the secret itself: only its hash is stored).</summary>
internal sealed record ApiKeyInfo(string KeyId, string SchoolId, string? DeviceId, string? Label, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// API keys for device agents, in <c>system.db</c> or, with <c>Storage:Provider=postgres</c>, in the trust's shared
/// PostgreSQL (so a key added once works on every ingest node, ADR 0024). Keys are 256-bit random secrets, so a plain
/// SHA-256 of the key is a sufficient, fast lookup hash (no salt or slow hash needed: there is nothing to brute-force
/// from a hash of 256 random bits). The secret is shown once, when created.
/// <para>
/// Every ingest request authenticates, and a revoked key must stop at once, also when <c>alertpipeline keys revoke</c>
/// runs in another process or on another machine. On SQLite lookups are cached and each first asks
/// <c>PRAGMA data_version</c> on one long-lived connection (microseconds, no query): it changes whenever any other
/// connection, in any process, commits to system.db, and the cache is then dropped. A grant cached from a read that
/// began before such a change is never used after it (entries carry the version they were read at). PostgreSQL has
/// no such cheap change counter, and asking any question is one round trip, the same as the indexed lookup itself;
/// so there every request reads the key's row, and a revocation committed anywhere holds from the next request.
/// </para>
/// </summary>
internal sealed class ApiKeyStore : IDisposable
{
    private const string Prefix = "apk_";

    /// <summary>The name of this store's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "api-keys";

    // A backstop only (the data_version check is what makes revocation immediate): bounds how long any cached answer
    // is used even if a change were somehow not seen, e.g. system.db replaced by a restore under a running process.
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(30);

    private readonly RelationalStore _store;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, (ApiKeyGrant? Grant, DateTimeOffset Until, long Version)> _cache = new(StringComparer.Ordinal);

    // One connection for data_version (the value is per connection), used under the lock; opened on first lookup.
    private readonly Lock _versionLock = new();
    private DbConnection? _versionConnection;
    private long _version = -1;

    public ApiKeyStore(RelationalStores stores, TimeProvider clock)
        : this(stores.For("system.db"), clock)
    {
    }

    public ApiKeyStore(RelationalStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        SchemaVersion = store.Migrate(StoreName, SqliteSteps, PostgresSteps, clock);
    }

    public int SchemaVersion { get; }

    /// <summary>Step 1 on SQLite is the table every earlier release created, so their system.db is adopted as it is.</summary>
    private static readonly Migration[] SqliteSteps =
    [
        new(1, "api keys", (connection, transaction) => connection.Command("""
            CREATE TABLE IF NOT EXISTS api_keys (
                key_id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                school_id TEXT NOT NULL,
                device_id TEXT,
                label TEXT,
                created_at INTEGER NOT NULL,
                revoked_at INTEGER)
            """, transaction).Run()),
    ];

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "api keys", (connection, transaction) => connection.Command("""
            CREATE TABLE api_keys (
                key_id TEXT PRIMARY KEY,
                key_hash TEXT NOT NULL UNIQUE,
                school_id TEXT NOT NULL,
                device_id TEXT,
                label TEXT,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT)
            """, transaction).Run()),
    ];

    public (string Secret, ApiKeyInfo Info) Create(string schoolId, string? deviceId, string? label)
    {
        var secret = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var keyId = "key_" + Base64Url(RandomNumberGenerator.GetBytes(6));
        var now = _clock.GetUtcNow();
        using var connection = _store.Open();
        connection.Command("""
            INSERT INTO api_keys(key_id, key_hash, school_id, device_id, label, created_at)
            VALUES (@id, @hash, @school, @device, @label, @at)
            """).With("@id", keyId).With("@hash", Hash(secret)).With("@school", schoolId).With("@device", deviceId).With("@label", label)
            .With("@at", now.ToUnixTimeMilliseconds()).Run();
        return (secret, new ApiKeyInfo(keyId, schoolId, deviceId, label, now, null));
    }

    public ApiKeyGrant? Find(string secret)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }

        var hash = Hash(secret);
        if (_store.IsPostgres)
        {
            return Read(hash);
        }

        var now = _clock.GetUtcNow();
        var version = CurrentVersion();
        if (_cache.TryGetValue(hash, out var cached) && cached.Until > now && cached.Version == version)
        {
            return cached.Grant;
        }

        var grant = Read(hash);
        _cache[hash] = (grant, now + CacheLifetime, version);
        return grant;
    }

    private ApiKeyGrant? Read(string hash)
    {
        using var connection = _store.Open();
        return connection.Command("SELECT key_id, school_id, device_id, label FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL")
            .With("@hash", hash)
            .Rows(r => new ApiKeyGrant(r.GetString(0), r.GetString(1), r.NullableString(2), r.NullableString(3)))
            .FirstOrDefault();
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
            _versionConnection ??= _store.Open();
            var version = _versionConnection.Command("PRAGMA data_version").Long();
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
        using var connection = _store.Open();
        var changed = connection.Command("UPDATE api_keys SET revoked_at = @at WHERE key_id = @id AND revoked_at IS NULL")
            .With("@id", keyId).With("@at", _clock.GetUtcNow().ToUnixTimeMilliseconds()).Run() == 1;
        _cache.Clear();
        return changed;
    }

    public IReadOnlyList<ApiKeyInfo> List()
    {
        using var connection = _store.Open();
        return connection.Command("SELECT key_id, school_id, device_id, label, created_at, revoked_at FROM api_keys ORDER BY created_at, key_id")
            .Rows(r => new ApiKeyInfo(
                r.GetString(0), r.GetString(1), r.NullableString(2), r.NullableString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)),
                r.NullableLong(5) is { } revoked ? DateTimeOffset.FromUnixTimeMilliseconds(revoked) : null));
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
