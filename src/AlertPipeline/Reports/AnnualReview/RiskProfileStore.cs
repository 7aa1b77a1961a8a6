using AlertPipeline.Storage;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Reports.AnnualReview;

/// <summary>A school's risk profile as staff last wrote it in the console, with who and when.</summary>
internal sealed record StoredRiskProfile(string SchoolId, RiskProfileOptions Profile, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>
/// The schools' risk profile notes (age range, SEND, EAL, known local risks) written by staff at
/// <c>/reports/risk-profile</c>, in <c>review.db</c>, owned here. Each save is a new version (the review pack shows the
/// latest; earlier ones stay as the record of what the school believed when); the configuration's
/// <c>AnnualReview:Schools:&lt;id&gt;:RiskProfile</c> is used until staff first save one.
/// </summary>
internal sealed class RiskProfileStore
{
    private readonly SqliteDatabase _database;

    public RiskProfileStore(IOptions<StorageOptions> options)
    {
        var storage = options.Value;
        _database = new SqliteDatabase(Path.Combine(storage.FullDataDirectory, "review.db"), storage.Synchronous);
        using var connection = _database.Open();
        SqliteDatabase.Execute(connection, """
            CREATE TABLE IF NOT EXISTS risk_profiles (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                school_id TEXT NOT NULL,
                age_range TEXT NOT NULL,
                send TEXT NOT NULL,
                eal TEXT NOT NULL,
                local_risks TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                updated_by TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS risk_profiles_by_school ON risk_profiles(school_id, id);
            """);
    }

    public void Save(string schoolId, RiskProfileOptions profile, DateTimeOffset at, string by)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO risk_profiles(school_id, age_range, send, eal, local_risks, updated_at, updated_by)
            VALUES ($school, $age, $send, $eal, $risks, $at, $by)
            """;
        command.Parameters.AddWithValue("$school", schoolId);
        command.Parameters.AddWithValue("$age", profile.AgeRange);
        command.Parameters.AddWithValue("$send", profile.Send);
        command.Parameters.AddWithValue("$eal", profile.Eal);
        command.Parameters.AddWithValue("$risks", profile.LocalRisks);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", by);
        command.ExecuteNonQuery();
    }

    public StoredRiskProfile? Latest(string schoolId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT age_range, send, eal, local_risks, updated_at, updated_by FROM risk_profiles
            WHERE school_id = $school ORDER BY id DESC LIMIT 1
            """;
        command.Parameters.AddWithValue("$school", schoolId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoredRiskProfile(schoolId,
                new RiskProfileOptions { AgeRange = reader.GetString(0), Send = reader.GetString(1), Eal = reader.GetString(2), LocalRisks = reader.GetString(3) },
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetString(5))
            : null;
    }
}
