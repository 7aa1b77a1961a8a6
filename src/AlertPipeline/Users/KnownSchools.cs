using AlertPipeline.Schools;

namespace AlertPipeline.Users;

/// <summary>
/// A DSL account's schools must be schools the trust configures: an alert carries the school id the device agent
/// sends, which is a configured one, so a DSL of 'narnia' would be created, sign in, and see nothing, ever, while
/// everyone believes that school is covered.
/// </summary>
internal static class KnownSchools
{
    /// <exception cref="UserAccountException">A school is not under <c>Trust:Schools</c>; the message names it and the configured ones.</exception>
    public static void Require(IEnumerable<string> schools, TrustOptions trust)
    {
        var unknown = schools.Where(s => !trust.Schools.ContainsKey(s)).ToList();
        if (unknown.Count > 0)
        {
            throw new UserAccountException(
                $"school '{string.Join("', '", unknown)}' is not configured (Trust:Schools: {(trust.Schools.Count == 0 ? "none" : string.Join(", ", trust.Schools.Keys.Order(StringComparer.Ordinal)))}): a DSL of it would see no alert");
        }
    }
}
