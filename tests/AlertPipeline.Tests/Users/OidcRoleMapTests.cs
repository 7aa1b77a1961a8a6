using AlertPipeline.Schools;
using AlertPipeline.Users.Oidc;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Users;

public sealed class OidcRoleMapTests
{
    private static readonly OidcProviderOptions Entra = new()
    {
        Authority = "https://login.microsoftonline.com/3f2a0000-0000-0000-0000-000000000000/v2.0",
        ClientId = "app",
        ClientSecret = "secret",
        Domains = ["oakfield.sch.uk"],
        Groups = new(StringComparer.Ordinal)
        {
            ["g-dsl-oak"] = "dsl:oakfield",
            ["g-dsl-riv"] = "dsl:riverside",
            ["g-trust"] = "trust-dsl",
            ["g-it"] = "it",
        },
        Emails = new(StringComparer.OrdinalIgnoreCase) { ["head@oakfield.sch.uk"] = "governor" },
    };

    private static ExternalIdentity Person(string email, params string[] groups) => new("microsoft", "sub-1", email, true, null, groups);

    [Fact]
    public void Map_TwoDslGroups_AddsTheirSchools()
    {
        var grant = OidcRoleMap.Map(Person("a@oakfield.sch.uk", "g-dsl-riv", "g-dsl-oak", "g-other"), Entra, out var conflict);

        Assert.Null(conflict);
        Assert.Equal("dsl:oakfield,riverside", grant!.ToString());
    }

    [Fact]
    public void Map_TrustDslAndDslGroups_TrustDslCoversDsl()
    {
        Assert.Equal("trust-dsl", OidcRoleMap.Map(Person("a@oakfield.sch.uk", "g-dsl-oak", "g-trust"), Entra, out _)!.ToString());
    }

    [Fact]
    public void Map_TwoDifferentJobs_RefusedAsConflict()
    {
        Assert.Null(OidcRoleMap.Map(Person("a@oakfield.sch.uk", "g-dsl-oak", "g-it"), Entra, out var conflict));
        Assert.Equal("groups give more than one role (dsl, it)", conflict);
    }

    [Fact]
    public void Map_EmailEntry_WinsOverGroups()
    {
        Assert.Equal("governor", OidcRoleMap.Map(Person("Head@Oakfield.sch.uk", "g-it"), Entra, out _)!.ToString());
    }

    [Fact]
    public void Map_NoMappedGroup_GivesNoRole()
    {
        Assert.Null(OidcRoleMap.Map(Person("a@oakfield.sch.uk", "g-staff"), Entra, out var conflict));
        Assert.Null(conflict);
    }

    [Theory]
    [InlineData("a@gmail.com", true, null, "not in an allowed domain")]
    [InlineData("a@oakfield.sch.uk", false, null, "has not verified")]
    [InlineData("a@oakfield.sch.uk", true, "other.org", "Workspace domain 'other.org'")]
    [InlineData(null, true, null, "no e-mail address")]
    public void Refusal_OutsideDomainUnverifiedOrNoEmail_SaysWhy(string? email, bool verified, string? hd, string reason)
    {
        var refusal = OidcRoleMap.Refusal(new ExternalIdentity("google", "s", email, verified, hd, []), Entra);

        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadProviderSettings_NamesEachKeyAndValue()
    {
        var trust = Options.Create(new TrustOptions { Schools = new(StringComparer.Ordinal) { ["oakfield"] = new SchoolOptions() } });
        var options = new OidcOptions
        {
            Providers = new(StringComparer.Ordinal)
            {
                ["Microsoft"] = new OidcProviderOptions
                {
                    Authority = "http://login.example.org/tenant",
                    Groups = new(StringComparer.Ordinal) { ["g1"] = "dsl:narnia", ["g2"] = "superuser", ["g3"] = "dsl" },
                    Domains = ["@oakfield"],
                },
            },
        };

        var result = new OidcOptionsValidator(trust).Validate(null, options);

        var text = string.Join("\n", result.Failures!);
        Assert.Contains("Users:Oidc:Providers:Microsoft: a provider's name must be 1-32 lower-case", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:Authority must be an https:// address", text, StringComparison.Ordinal);
        Assert.Contains("(was 'http://login.example.org/tenant')", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:ClientId is required", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:ClientSecret is required", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:Groups:g1: school 'narnia' is not configured under Trust:Schools (configured: oakfield)", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:Groups:g2 must be a role", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:Groups:g3 must be a role", text, StringComparison.Ordinal);
        Assert.Contains("Users:Oidc:Providers:Microsoft:Domains: '@oakfield' is not an e-mail domain", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EntraAndGoogleAsDocumented_Passes()
    {
        var trust = Options.Create(new TrustOptions { Schools = new(StringComparer.Ordinal) { ["oakfield"] = new SchoolOptions(), ["riverside"] = new SchoolOptions() } });
        var google = new OidcProviderOptions { Authority = "https://accounts.google.com", ClientId = "id.apps.googleusercontent.com", ClientSecret = "s", Domains = ["oakfield.sch.uk"], Emails = new(StringComparer.OrdinalIgnoreCase) { ["dsl@oakfield.sch.uk"] = "dsl:oakfield" } };

        var result = new OidcOptionsValidator(trust).Validate(null, new OidcOptions { Providers = new(StringComparer.Ordinal) { ["microsoft"] = Entra, ["google"] = google } });

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
