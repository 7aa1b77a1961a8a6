using System.Security.Cryptography;
using AlertPipeline.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Users;

/// <summary>A request to create or change an account that cannot be carried out; the message says why.</summary>
internal sealed class UserAccountException(string message) : Exception(message);

/// <summary>
/// Local console accounts in <c>system.db</c>. Passwords are stored only as ASP.NET Core Identity hashes
/// (PBKDF2, salted, versioned). A run of failed passwords locks the account for a while, but only for the network
/// address they came from (<c>sign_in_locks</c>): otherwise anyone who knows a DSL's account name could keep that
/// DSL out of the console at will. Guessing from many addresses is held back by the per-address rate limit.
/// Each account has a security stamp, changed whenever its password, role, schools or state change; a session
/// carries the stamp it was issued with and ends once it no longer matches.
/// </summary>
internal sealed class UserStore
{
    private const string Columns = "user_id, name, role, schools, disabled, must_change, failed_attempts, locked_until, created_at, security_stamp";

    private static readonly PasswordHasher<UserAccount> Hasher = new();

    // Verified when the name is unknown, so an unknown name costs the same time as a wrong password and the
    // response time does not tell an attacker which names exist.
    private static readonly string DecoyHash = Hasher.HashPassword(null!, "decoy-password-never-valid");

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _clock;
    private readonly UserOptions _options;

    public UserStore(SystemDatabase database, TimeProvider clock, IOptions<UserOptions> options)
    {
        _database = database.Database;
        _clock = clock;
        _options = options.Value;
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
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
            """);
        SqliteDatabase.EnsureColumn(connection, "users", "security_stamp", "TEXT NOT NULL DEFAULT ''");
        // Accounts from before stamps existed get one now; their open sessions (no stamp claim) end once.
        SqliteDatabase.Execute(connection, "UPDATE users SET security_stamp = lower(hex(randomblob(16))) WHERE security_stamp = ''");
    }

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

        CheckPassword(password);
        if (Find(name) is not null)
        {
            throw new UserAccountException($"an account named '{name}' already exists");
        }

        var user = new UserAccount("u_" + Guid.NewGuid().ToString("N")[..16], name, role, [.. schools], false, mustChangePassword, 0, null, _clock.GetUtcNow())
        {
            SecurityStamp = NewStamp(),
        };
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO users(user_id, name, role, schools, password_hash, must_change, created_at, security_stamp)
            VALUES ($id, $name, $role, $schools, $hash, $must, $at, $stamp)
            """;
        command.Parameters.AddWithValue("$stamp", user.SecurityStamp);
        command.Parameters.AddWithValue("$id", user.UserId);
        command.Parameters.AddWithValue("$name", user.Name);
        command.Parameters.AddWithValue("$role", user.Role);
        command.Parameters.AddWithValue("$schools", string.Join(',', user.Schools));
        command.Parameters.AddWithValue("$hash", Hasher.HashPassword(user, password));
        command.Parameters.AddWithValue("$must", mustChangePassword ? 1 : 0);
        command.Parameters.AddWithValue("$at", user.CreatedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return user;
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
        if (user.Disabled)
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
                INSERT INTO sign_in_locks(user_id, address, failed_attempts, locked_until) VALUES ($id, $address, $n, $until)
                ON CONFLICT(user_id, address) DO UPDATE SET failed_attempts = $n, locked_until = $until
                """, ("$id", user.UserId), ("$address", address), ("$n", lockNow ? 0 : failed),
                ("$until", lockNow ? (now + _options.LockoutDuration).ToUnixTimeMilliseconds() : DBNull.Value));
            return (lockNow ? SignInOutcome.LockedOut : SignInOutcome.Invalid, user);
        }

        Execute("DELETE FROM sign_in_locks WHERE user_id = $id AND address = $address", ("$id", user.UserId), ("$address", address));
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

        Execute("DELETE FROM sign_in_locks WHERE user_id = $id", ("$id", user.UserId));
        return true;
    }

    /// <summary>For each account with a lock in force now, how many addresses it is locked for.</summary>
    public IReadOnlyDictionary<string, int> ActiveLocks()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT user_id, COUNT(*) FROM sign_in_locks WHERE locked_until > $now GROUP BY user_id";
        command.Parameters.AddWithValue("$now", _clock.GetUtcNow().ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var locks = new Dictionary<string, int>(StringComparer.Ordinal);
        while (reader.Read())
        {
            locks[reader.GetString(0)] = (int)reader.GetInt64(1);
        }

        return locks;
    }

    private (int Failed, DateTimeOffset? LockedUntil) LockFor(string userId, string address)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT failed_attempts, locked_until FROM sign_in_locks WHERE user_id = $id AND address = $address";
        command.Parameters.AddWithValue("$id", userId);
        command.Parameters.AddWithValue("$address", address);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? ((int)reader.GetInt64(0), reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)))
            : (0, null);
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
        Update(user.UserId, "password_hash = $hash, must_change = 0, security_stamp = $stamp", ("$hash", Hasher.HashPassword(user, replacement)), ("$stamp", stamp));
        return (SignInOutcome.Success, user with { MustChangePassword = false, SecurityStamp = stamp });
    }

    /// <summary>Disables the account and changes its stamp, which ends its open sessions and live streams.</summary>
    public bool Disable(string name) => Update(null, "disabled = 1, security_stamp = $stamp", ("$name", name), ("$stamp", NewStamp())) > 0;

    /// <summary>
    /// Ends every session of the account without changing anything else (for any change to role, schools or
    /// sign-in method made elsewhere, and for "sign out everywhere").
    /// </summary>
    public bool RotateSecurityStamp(string userId) => Update(userId, "security_stamp = $stamp", ("$stamp", NewStamp())) > 0;

    private static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public UserAccount? Find(string name) => FindWithHash(name)?.User;

    public UserAccount? FindById(string userId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, password_hash FROM users WHERE user_id = $id";
        command.Parameters.AddWithValue("$id", userId);
        return Read(command).FirstOrDefault().User;
    }

    public IReadOnlyList<UserAccount> List()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, password_hash FROM users ORDER BY name";
        return [.. Read(command).Select(r => r.User)];
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
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, password_hash FROM users WHERE name = $name";
        command.Parameters.AddWithValue("$name", name.Trim());
        var rows = Read(command);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Updates one account by id, or (id null) by the <c>$name</c> parameter.</summary>
    private int Update(string? userId, string set, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE users SET {set} WHERE {(userId is null ? "name = $name" : "user_id = $id")}";
        if (userId is not null)
        {
            command.Parameters.AddWithValue("$id", userId);
        }

        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    private static List<(UserAccount User, string Hash)> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var result = new List<(UserAccount, string)>();
        while (reader.Read())
        {
            var schools = reader.GetString(3);
            result.Add((new UserAccount(
                reader.GetString(0), reader.GetString(1), reader.GetString(2),
                schools.Length == 0 ? [] : schools.Split(','),
                reader.GetInt64(4) != 0, reader.GetInt64(5) != 0, (int)reader.GetInt64(6),
                reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)))
            {
                SecurityStamp = reader.GetString(9),
            }, reader.GetString(10)));
        }

        return result;
    }
}
