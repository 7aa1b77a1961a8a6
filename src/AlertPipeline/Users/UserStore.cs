using System.Security.Cryptography;
using AlertPipeline.Storage;
using AlertPipeline.Users.Oidc;
using Microsoft.AspNetCore.Identity;
using System.Data.Common;
using AlertPipeline.Storage.Migrations;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Users;

/// <summary>A request to create or change an account that cannot be carried out; the message says why.</summary>
internal sealed class UserAccountException(string message) : Exception(message);

/// <summary>
/// Local console accounts in <c>system.db</c>, or with <c>Storage:Provider=postgres</c> in the trust's shared
/// PostgreSQL, so a console on any machine knows every account, lock and session stamp (ADR 0024). Names are
/// case-insensitive on both engines: compared as <c>lower(name) = lower(@name)</c>, unique through
/// <c>COLLATE NOCASE</c> on SQLite and a unique index on <c>lower(name)</c> on PostgreSQL. Passwords are stored only as ASP.NET Core Identity hashes
/// (PBKDF2, salted, versioned). A run of failed passwords locks the account for a while, but only for the network
/// address they came from (<c>sign_in_locks</c>): otherwise anyone who knows a DSL's account name could keep that
/// DSL out of the console at will. Guessing from many addresses is held back by the per-address rate limit.
/// Each account has a security stamp, changed whenever its password, role, schools or state change; a session
/// carries the stamp it was issued with and ends once it no longer matches.
/// </summary>
internal sealed class UserStore
{
    private const string Columns = "user_id, name, role, schools, disabled, must_change, failed_attempts, locked_until, created_at, security_stamp, provider, mapped";

    private static readonly PasswordHasher<UserAccount> Hasher = new();

    // Verified when the name is unknown, so an unknown name costs the same time as a wrong password and the
    // response time does not tell an attacker which names exist.
    private static readonly string DecoyHash = Hasher.HashPassword(null!, "decoy-password-never-valid");

    private readonly RelationalStore _store;
    private readonly TimeProvider _clock;
    private readonly UserOptions _options;

    public UserStore(RelationalStores stores, TimeProvider clock, IOptions<UserOptions> options)
        : this(stores.For("system.db"), clock, options)
    {
    }

    public UserStore(RelationalStore store, TimeProvider clock, IOptions<UserOptions> options)
    {
        _store = store;
        _clock = clock;
        _options = options.Value;
        SchemaVersion = store.Migrate(StoreName, SqliteSteps, PostgresSteps, clock);
    }

    /// <summary>The name of this store's schema in <c>schema_migrations</c>.</summary>
    public const string StoreName = "users";

    public int SchemaVersion { get; }

    /// <summary>
    /// Step 1 on SQLite is exactly the schema code every earlier release ran (idempotent), so their system.db is
    /// adopted as it is; later changes are new steps.
    /// </summary>
    private static readonly Migration[] SqliteSteps =
    [
        new(1, "users and sign-in locks", (connection, transaction) =>
        {
            connection.Command("""
                CREATE TABLE IF NOT EXISTS users (
                    user_id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    role TEXT NOT NULL,
                    schools TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    disabled INTEGER NOT NULL DEFAULT 0,
                    must_change INTEGER NOT NULL DEFAULT 0,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    locked_until INTEGER,
                    created_at INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS sign_in_locks (
                    user_id TEXT NOT NULL,
                    address TEXT NOT NULL,
                    failed_attempts INTEGER NOT NULL,
                    locked_until INTEGER,
                    PRIMARY KEY (user_id, address));
                """, transaction).Run();
            var sqlite = (Microsoft.Data.Sqlite.SqliteConnection)connection;
            SqliteDatabase.EnsureColumn(sqlite, "users", "security_stamp", "TEXT NOT NULL DEFAULT ''");
            // Accounts that sign in through an OpenID Connect provider (Users/Oidc): the provider's name, the person's
            // stable id there ('sub'), and whether the role came from configuration (mapped) or from an administrator.
            // Such an account has no password: password_hash is '' and the password form never accepts it.
            SqliteDatabase.EnsureColumn(sqlite, "users", "provider", "TEXT NOT NULL DEFAULT ''");
            SqliteDatabase.EnsureColumn(sqlite, "users", "subject", "TEXT");
            SqliteDatabase.EnsureColumn(sqlite, "users", "mapped", "INTEGER NOT NULL DEFAULT 0");
            connection.Command("CREATE UNIQUE INDEX IF NOT EXISTS users_subject ON users(provider, subject) WHERE subject IS NOT NULL", transaction).Run();
            // Accounts from before stamps existed get one now; their open sessions (no stamp claim) end once.
            connection.Command("UPDATE users SET security_stamp = lower(hex(randomblob(16))) WHERE security_stamp = ''", transaction).Run();
        }, OwnTransaction: true), // EnsureColumn runs its own statements; every statement here is idempotent.
    ];

    private static readonly Migration[] PostgresSteps =
    [
        new(1, "users and sign-in locks", (connection, transaction) => connection.Command("""
            CREATE TABLE users (
                user_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                schools TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                disabled BIGINT NOT NULL DEFAULT 0,
                must_change BIGINT NOT NULL DEFAULT 0,
                failed_attempts BIGINT NOT NULL DEFAULT 0,
                locked_until BIGINT,
                created_at BIGINT NOT NULL,
                security_stamp TEXT NOT NULL DEFAULT '',
                provider TEXT NOT NULL DEFAULT '',
                subject TEXT,
                mapped BIGINT NOT NULL DEFAULT 0);
            -- What SQLite's COLLATE NOCASE gives: 'Admin' and 'admin' are one account.
            CREATE UNIQUE INDEX users_name ON users (lower(name));
            CREATE UNIQUE INDEX users_subject ON users (provider, subject) WHERE subject IS NOT NULL;
            CREATE TABLE sign_in_locks (
                user_id TEXT NOT NULL,
                address TEXT NOT NULL,
                failed_attempts BIGINT NOT NULL,
                locked_until BIGINT,
                PRIMARY KEY (user_id, address));
            """, transaction).Run()),
    ];

    public int MinimumPasswordLength => _options.MinimumPasswordLength;

    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);

    public UserAccount Create(string name, string role, IReadOnlyList<string> schools, string password, bool mustChangePassword)
    {
        name = name.Trim();
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@'))
        {
            throw new UserAccountException($"name '{name}' must be 1-64 letters, digits, '.', '_', '-' or '@'");
        }

        CheckRole(role, schools);
        CheckPassword(password);
        return Insert(name, role, schools, Hasher.HashPassword(null!, password), mustChangePassword, provider: "", subject: null, mapped: false);
    }

    /// <summary>
    /// An account that signs in through the OpenID Connect provider <paramref name="provider"/> with the e-mail
    /// address <paramref name="email"/>, its role assigned by an administrator. It has no password.
    /// </summary>
    public UserAccount CreateExternal(string email, string provider, string role, IReadOnlyList<string> schools)
    {
        email = CheckEmail(email);
        if (provider.Length == 0)
        {
            throw new UserAccountException("an account that signs in with a school account needs the provider's name (--sign-in NAME)");
        }

        CheckRole(role, schools);
        return Insert(email, role, schools, passwordHash: "", mustChangePassword: false, provider, subject: null, mapped: false);
    }

    private static string CheckEmail(string email)
    {
        email = email.Trim();
        if (email.Length is < 3 or > 254 || email.IndexOf('@', StringComparison.Ordinal) is <= 0 || email.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new UserAccountException($"'{email}' is not an e-mail address: an account that signs in with a school account is named by its address");
        }

        return email;
    }

    private static void CheckRole(string role, IReadOnlyList<string> schools)
    {
        if (!ConsoleRoles.All.Contains(role, StringComparer.Ordinal))
        {
            throw new UserAccountException($"role '{role}' is not one of {string.Join(", ", ConsoleRoles.All)}");
        }

        if (role == ConsoleRoles.Dsl && schools.Count == 0)
        {
            throw new UserAccountException("a dsl account needs at least one school (--school ID[,ID])");
        }

        if (role != ConsoleRoles.Dsl && schools.Count > 0)
        {
            throw new UserAccountException($"role {role} is not tied to schools; give --school only for dsl accounts");
        }

        foreach (var school in schools)
        {
            if (school.Length == 0 || !school.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new UserAccountException($"school '{school}' is not a school id (letters, digits, '.', '_', '-')");
            }
        }

    }

    private UserAccount Insert(string name, string role, IReadOnlyList<string> schools, string passwordHash, bool mustChangePassword, string provider, string? subject, bool mapped)
    {
        if (Find(name) is not null)
        {
            throw new UserAccountException($"an account named '{name}' already exists");
        }

        var user = new UserAccount("u_" + Guid.NewGuid().ToString("N")[..16], name, role, [.. schools], false, mustChangePassword, 0, null, _clock.GetUtcNow())
        {
            SecurityStamp = NewStamp(),
            Provider = provider,
            Mapped = mapped,
        };
        using var connection = _store.Open();
        connection.Command("""
            INSERT INTO users(user_id, name, role, schools, password_hash, must_change, created_at, security_stamp, provider, subject, mapped)
            VALUES (@id, @name, @role, @schools, @hash, @must, @at, @stamp, @provider, @subject, @mapped)
            """)
            .With("@stamp", user.SecurityStamp).With("@id", user.UserId).With("@name", user.Name).With("@role", user.Role)
            .With("@schools", string.Join(',', user.Schools)).With("@hash", passwordHash).With("@must", mustChangePassword ? 1L : 0L)
            .With("@at", user.CreatedAt.ToUnixTimeMilliseconds()).With("@provider", provider).With("@subject", subject).With("@mapped", mapped ? 1L : 0L)
            .Run();
        return user;
    }

    /// <summary>
    /// Signs in a person an OpenID Connect provider has vouched for. The role comes from configuration
    /// (<paramref name="mapped"/>, which also updates the account so its sessions carry it) or, when configuration
    /// gives none, from an account an administrator created for that address and provider. Refused, with the reason
    /// for the audit log: a disabled account; an address that belongs to a local account or another provider, or
    /// to another person at the same provider; no role from either.
    /// </summary>
    public (UserAccount? User, string? Refusal) SignInExternal(ExternalIdentity identity, RoleGrant? mapped)
    {
        var email = identity.Email ?? "";
        var (byName, bySubject) = (FindWithSubject(null, email), FindWithSubject((identity.Provider, identity.Subject), null));
        var row = bySubject ?? byName;
        if (bySubject is null && byName is { } named)
        {
            if (!string.Equals(named.User.Provider, identity.Provider, StringComparison.Ordinal))
            {
                return (null, named.User.Provider.Length == 0
                    ? $"{email} is the name of a local account, which signs in with its password"
                    : $"{email} signs in through '{named.User.Provider}', not '{identity.Provider}'");
            }

            if (named.Subject is not null)
            {
                // The address now names a different person at the provider (an address reused after a leaver).
                return (null, $"{email} is already held by another {identity.Provider} identity; an administrator must remove that account first");
            }
        }

        if (row?.User is { Disabled: true })
        {
            return (null, "the account is disabled");
        }

        if (mapped is not null)
        {
            if (row is null)
            {
                try
                {
                    return (Insert(CheckEmail(email), mapped.Role, mapped.Schools, "", false, identity.Provider, identity.Subject, mapped: true), null);
                }
                catch (UserAccountException ex)
                {
                    return (null, ex.Message);
                }
            }

            var user = row.Value.User;
            var changed = user.Role != mapped.Role || !user.Schools.SequenceEqual(mapped.Schools, StringComparer.Ordinal);
            var stamp = changed ? NewStamp() : user.SecurityStamp;
            Update(user.UserId, "role = @role, schools = @schools, subject = @subject, mapped = 1, name = @name, security_stamp = @stamp",
                ("@role", mapped.Role), ("@schools", string.Join(',', mapped.Schools)), ("@subject", identity.Subject), ("@name", email), ("@stamp", stamp));
            return (user with { Role = mapped.Role, Schools = mapped.Schools, Name = email, SecurityStamp = stamp, Mapped = true }, null);
        }

        if (row is { } assigned && !assigned.User.Mapped)
        {
            if (assigned.Subject is null)
            {
                Update(assigned.User.UserId, "subject = @subject", ("@subject", identity.Subject));
            }

            return (assigned.User, null);
        }

        return (null, row is null
            ? $"no role for {email}: neither Users:Oidc:Providers:{identity.Provider}:Groups nor :Emails gives one, and no administrator has added the account"
            : $"{email} no longer has a role: their groups no longer map to one");
    }

    private (UserAccount User, string? Subject)? FindWithSubject((string Provider, string Subject)? subject, string? name)
    {
        using var connection = _store.Open();
        return connection.Command($"SELECT {Columns}, password_hash, subject FROM users WHERE " + (subject is null ? "lower(name) = lower(@name)" : "provider = @provider AND subject = @subject"))
            .With("@name", name ?? "").With("@provider", subject?.Provider ?? "").With("@subject", subject?.Subject ?? "")
            .Rows(r => ((UserAccount User, string? Subject)?)(ReadAccount(r), r.NullableString(13)))
            .FirstOrDefault();
    }

    /// <summary>
    /// Creates the first administrator if there are no accounts yet and returns its one-time password; returns
    /// null when accounts exist (the password is never shown again).
    /// </summary>
    public (UserAccount User, string Password)? EnsureAdministrator()
    {
        if (List().Count > 0)
        {
            return null;
        }

        var password = GeneratePassword();
        return (Create("admin", ConsoleRoles.Admin, [], password, mustChangePassword: true), password);
    }

    /// <summary>
    /// Checks a name and password coming from <paramref name="address"/>. Failures count per account and address;
    /// at <see cref="UserOptions.LockoutThreshold"/> that address is locked out of that account for
    /// <see cref="UserOptions.LockoutDuration"/>, while the account's owner elsewhere can still sign in.
    /// </summary>
    public (SignInOutcome Outcome, UserAccount? User) SignIn(string name, string password, string address = UnknownAddress)
    {
        var found = FindWithHash(name);
        if (found is null)
        {
            Hasher.VerifyHashedPassword(null!, DecoyHash, password);
            return (SignInOutcome.Invalid, null);
        }

        var (user, hash) = found.Value;
        var now = _clock.GetUtcNow();
        if (user.Disabled || user.Provider.Length > 0)
        {
            Hasher.VerifyHashedPassword(user, hash, password);
            return (SignInOutcome.Invalid, user);
        }

        var (failedBefore, lockedUntil) = LockFor(user.UserId, address);
        if (lockedUntil is { } until && until > now)
        {
            // Same work as a real check, so a locked account answers in the same time as any other failure.
            Hasher.VerifyHashedPassword(user, hash, password);
            return (SignInOutcome.LockedOut, user);
        }

        if (Hasher.VerifyHashedPassword(user, hash, password) == PasswordVerificationResult.Failed)
        {
            // A lock that has run out starts a fresh count.
            var failed = (lockedUntil is null ? failedBefore : 0) + 1;
            var lockNow = failed >= _options.LockoutThreshold;
            Execute("""
                INSERT INTO sign_in_locks(user_id, address, failed_attempts, locked_until) VALUES (@id, @address, @n, @until)
                ON CONFLICT(user_id, address) DO UPDATE SET failed_attempts = @n, locked_until = @until
                """, ("@id", user.UserId), ("@address", address), ("@n", lockNow ? 0 : failed),
                ("@until", lockNow ? (now + _options.LockoutDuration).ToUnixTimeMilliseconds() : DBNull.Value));
            return (lockNow ? SignInOutcome.LockedOut : SignInOutcome.Invalid, user);
        }

        Execute("DELETE FROM sign_in_locks WHERE user_id = @id AND address = @address", ("@id", user.UserId), ("@address", address));
        return (user.MustChangePassword ? SignInOutcome.MustChangePassword : SignInOutcome.Success, user with { FailedAttempts = 0, LockedUntil = null });
    }

    /// <summary>The address used when a request has none (a unit test, a Unix socket).</summary>
    public const string UnknownAddress = "unknown";

    /// <summary>Lifts every lock on the account (the administrator's "Unlock"); false if there is no such account.</summary>
    public bool Unlock(string name)
    {
        if (Find(name) is not { } user)
        {
            return false;
        }

        Execute("DELETE FROM sign_in_locks WHERE user_id = @id", ("@id", user.UserId));
        return true;
    }

    /// <summary>For each account with a lock in force now, how many addresses it is locked for.</summary>
    public IReadOnlyDictionary<string, int> ActiveLocks()
    {
        using var connection = _store.Open();
        var locks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (user, count) in connection.Command("SELECT user_id, COUNT(*) FROM sign_in_locks WHERE locked_until > @now GROUP BY user_id")
                     .With("@now", _clock.GetUtcNow().ToUnixTimeMilliseconds()).Rows(r => (r.GetString(0), r.GetInt64(1))))
        {
            locks[user] = (int)count;
        }

        return locks;
    }

    private (int Failed, DateTimeOffset? LockedUntil) LockFor(string userId, string address)
    {
        using var connection = _store.Open();
        var rows = connection.Command("SELECT failed_attempts, locked_until FROM sign_in_locks WHERE user_id = @id AND address = @address")
            .With("@id", userId).With("@address", address)
            .Rows(r => ((int)r.GetInt64(0), r.NullableLong(1) is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : (DateTimeOffset?)null));
        return rows.Count > 0 ? rows[0] : (0, null);
    }

    /// <summary>Signs in with the current password and replaces it; the new one must differ and be long enough.</summary>
    /// <remarks>The account gets a new security stamp, so every other session of it ends.</remarks>
    public (SignInOutcome Outcome, UserAccount? User) ChangePassword(string name, string current, string replacement, string address = UnknownAddress)
    {
        var (outcome, user) = SignIn(name, current, address);
        if (outcome is not (SignInOutcome.Success or SignInOutcome.MustChangePassword) || user is null)
        {
            return (outcome, user);
        }

        if (string.Equals(current, replacement, StringComparison.Ordinal))
        {
            throw new UserAccountException("the new password must differ from the current one");
        }

        CheckPassword(replacement);
        var stamp = NewStamp();
        Update(user.UserId, "password_hash = @hash, must_change = 0, security_stamp = @stamp", ("@hash", Hasher.HashPassword(user, replacement)), ("@stamp", stamp));
        return (SignInOutcome.Success, user with { MustChangePassword = false, SecurityStamp = stamp });
    }

    /// <summary>Disables the account and changes its stamp, which ends its open sessions and live streams.</summary>
    public bool Disable(string name) => Update(null, "disabled = 1, security_stamp = @stamp", ("@name", name), ("@stamp", NewStamp())) > 0;

    /// <summary>Enables a disabled account again. Its old sessions stay ended: the stamp changed when it was disabled.</summary>
    public bool Enable(string name) => Update(null, "disabled = 0", ("@name", name)) > 0;

    /// <summary>Gives the account another role (and schools, for dsl); its sessions end, so none goes on with the old role.</summary>
    /// <exception cref="UserAccountException">The role or schools are not valid.</exception>
    public UserAccount? ChangeRole(string name, string role, IReadOnlyList<string> schools)
    {
        CheckRole(role, schools);
        if (Find(name) is not { } user)
        {
            return null;
        }

        var stamp = NewStamp();
        // An administrator's choice (mapped = 0). For a school account whose groups or e-mail entry give a role,
        // configuration still wins at the next sign-in (SignInExternal): change the group at the provider instead.
        Update(user.UserId, "role = @role, schools = @schools, security_stamp = @stamp, mapped = 0",
            ("@role", role), ("@schools", string.Join(',', schools)), ("@stamp", stamp));
        return user with { Role = role, Schools = [.. schools], SecurityStamp = stamp, Mapped = false };
    }

    /// <summary>
    /// Removes a leaver's account: its sessions end at their next request (the account is gone) and its locks go.
    /// What they did stays in the audit log, which names them.
    /// </summary>
    public bool Remove(string name)
    {
        if (Find(name) is not { } user)
        {
            return false;
        }

        Execute("DELETE FROM sign_in_locks WHERE user_id = @id", ("@id", user.UserId));
        Execute("DELETE FROM users WHERE user_id = @id", ("@id", user.UserId));
        return true;
    }

    /// <summary>
    /// Replaces a local account's password with a one-time one (returned, to be shown once) that opens only the
    /// change-password form; its sessions end and its locks are lifted. Null when there is no such account.
    /// </summary>
    /// <exception cref="UserAccountException">The account signs in through a provider and has no password here.</exception>
    public string? ResetPassword(string name)
    {
        if (Find(name) is not { } user)
        {
            return null;
        }

        if (!user.IsLocal)
        {
            throw new UserAccountException($"{user.Name} signs in through '{user.Provider}' and has no password here: reset it at that provider");
        }

        var password = GeneratePassword();
        Update(user.UserId, "password_hash = @hash, must_change = 1, security_stamp = @stamp", ("@hash", Hasher.HashPassword(user, password)), ("@stamp", NewStamp()));
        Execute("DELETE FROM sign_in_locks WHERE user_id = @id", ("@id", user.UserId));
        return password;
    }

    /// <summary>
    /// Ends every session of the account without changing anything else (for any change to role, schools or
    /// sign-in method made elsewhere, and for "sign out everywhere").
    /// </summary>
    public bool RotateSecurityStamp(string userId) => Update(userId, "security_stamp = @stamp", ("@stamp", NewStamp())) > 0;

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public UserAccount? Find(string name) => FindWithHash(name)?.User;

    public UserAccount? FindById(string userId)
    {
        using var connection = _store.Open();
        return Read(connection.Command($"SELECT {Columns}, password_hash FROM users WHERE user_id = @id").With("@id", userId)).FirstOrDefault().User;
    }

    public IReadOnlyList<UserAccount> List()
    {
        using var connection = _store.Open();
        return [.. Read(connection.Command($"SELECT {Columns}, password_hash FROM users ORDER BY lower(name), name")).Select(r => r.User)];
    }

    private void CheckPassword(string password)
    {
        if (password.Length < _options.MinimumPasswordLength)
        {
            throw new UserAccountException($"a password must have at least {_options.MinimumPasswordLength} characters (Users:MinimumPasswordLength)");
        }
    }

    private (UserAccount User, string Hash)? FindWithHash(string name)
    {
        using var connection = _store.Open();
        var rows = Read(connection.Command($"SELECT {Columns}, password_hash FROM users WHERE lower(name) = lower(@name)").With("@name", name.Trim()));
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Updates one account by id, or (id null) by the <c>@name</c> parameter.</summary>
    private int Update(string? userId, string set, params (string Name, object Value)[] parameters)
    {
        using var connection = _store.Open();
        var command = connection.Command($"UPDATE users SET {set} WHERE {(userId is null ? "lower(name) = lower(@name)" : "user_id = @id")}");
        if (userId is not null)
        {
            command.With("@id", userId);
        }

        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        return command.Run();
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _store.Open();
        var command = connection.Command(sql);
        foreach (var (name, value) in parameters)
        {
            command.With(name, value);
        }

        command.Run();
    }

    private static List<(UserAccount User, string Hash)> Read(DbCommand command) => command.Rows(r => (ReadAccount(r), r.GetString(12)));

    private static UserAccount ReadAccount(DbDataReader reader)
    {
        var schools = reader.GetString(3);
        return new UserAccount(
            reader.GetString(0), reader.GetString(1), reader.GetString(2),
            schools.Length == 0 ? [] : schools.Split(','),
            reader.GetInt64(4) != 0, reader.GetInt64(5) != 0, (int)reader.GetInt64(6),
            reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)))
        {
            SecurityStamp = reader.GetString(9),
            Provider = reader.GetString(10),
            Mapped = reader.GetInt64(11) != 0,
        };
    }
}
