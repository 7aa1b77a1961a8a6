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
/// (PBKDF2, salted, versioned); a run of failed passwords locks the account for a while.
/// </summary>
internal sealed class UserStore
{
    private const string Columns = "user_id, name, role, schools, disabled, must_change, failed_attempts, locked_until, created_at";

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
            """);
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

        var user = new UserAccount("u_" + Guid.NewGuid().ToString("N")[..16], name, role, [.. schools], false, mustChangePassword, 0, null, _clock.GetUtcNow());
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO users(user_id, name, role, schools, password_hash, must_change, created_at)
            VALUES ($id, $name, $role, $schools, $hash, $must, $at)
            """;
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

    public (SignInOutcome Outcome, UserAccount? User) SignIn(string name, string password)
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

        if (user.LockedUntil is { } until && until > now)
        {
            return (SignInOutcome.LockedOut, user);
        }

        if (Hasher.VerifyHashedPassword(user, hash, password) == PasswordVerificationResult.Failed)
        {
            var failed = user.FailedAttempts + 1;
            var lockNow = failed >= _options.LockoutThreshold;
            Update(user.UserId, "failed_attempts = $n, locked_until = $until",
                ("$n", lockNow ? 0 : failed), ("$until", lockNow ? (now + _options.LockoutDuration).ToUnixTimeMilliseconds() : DBNull.Value));
            return (lockNow ? SignInOutcome.LockedOut : SignInOutcome.Invalid, user);
        }

        Update(user.UserId, "failed_attempts = 0, locked_until = NULL");
        return (user.MustChangePassword ? SignInOutcome.MustChangePassword : SignInOutcome.Success, user with { FailedAttempts = 0, LockedUntil = null });
    }

    /// <summary>Signs in with the current password and replaces it; the new one must differ and be long enough.</summary>
    public (SignInOutcome Outcome, UserAccount? User) ChangePassword(string name, string current, string replacement)
    {
        var (outcome, user) = SignIn(name, current);
        if (outcome is not (SignInOutcome.Success or SignInOutcome.MustChangePassword) || user is null)
        {
            return (outcome, user);
        }

        if (string.Equals(current, replacement, StringComparison.Ordinal))
        {
            throw new UserAccountException("the new password must differ from the current one");
        }

        CheckPassword(replacement);
        Update(user.UserId, "password_hash = $hash, must_change = 0", ("$hash", Hasher.HashPassword(user, replacement)));
        return (SignInOutcome.Success, user with { MustChangePassword = false });
    }

    public bool Disable(string name) => Update(null, "disabled = 1", ("$name", name)) > 0;

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
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))), reader.GetString(9)));
        }

        return result;
    }
}
