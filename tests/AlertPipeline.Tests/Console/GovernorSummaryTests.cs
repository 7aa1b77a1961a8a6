using AlertPipeline.Reports.GovernorSummary;
using AlertPipeline.Tests.Support;
using AlertPipeline.Users;

namespace AlertPipeline.Tests.Console;

public sealed class GovernorSummaryTests
{
    [Fact]
    public async Task Summary_CountsBelowFive_AreSentAsLessThanFiveWithoutTheValue()
    {
        await using var host = await TestHost.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            ConsoleData.SaveAlert(host, category: "bullying", text: "nobody likes you " + i, screenshot: false);
        }

        for (var i = 0; i < 3; i++)
        {
            ConsoleData.SaveAlert(host, school: "riverside", category: "self-harm", text: "cut myself " + i, screenshot: false);
        }

        var report = host.App.Services.GetRequiredService<GovernorSummaryQuery>().Build();

        Assert.Equal(new SummaryCount("self-harm", "self harm", "<5", null), report.ByCategory.Single(c => c.Key == "self-harm"));
        Assert.Equal("<5", report.BySchool.Single(s => s.Key == "riverside").Count);
        Assert.Equal("8", report.Total.Count);

        // With the total exact, showing bullying = 5 would give self-harm away (8 - 5 = 3): it is withheld as well.
        Assert.Equal(new SummaryCount("bullying", "bullying", "≥5", null), report.ByCategory.Single(c => c.Key == "bullying"));
        Assert.Equal("≥5", report.BySchool.Single(s => s.Key == "oakfield").Count);
        foreach (var dimension in new[] { report.ByCategory, report.BySeverity, report.BySchool, report.ByMonth })
        {
            Assert.NotEqual(1, dimension.Count(c => c.Value is null)); // never one withheld cell beside an exact total
        }
    }

    [Fact]
    public async Task SummaryApi_AsGovernor_CarriesNoPupilTextOrAlertId()
    {
        await using var host = await TestHost.StartAsync();
        var alerts = Enumerable.Range(0, 6).Select(i => ConsoleData.SaveAlert(host, text: "i want to die", screenshot: false, login: "oak.y8.awhite")).ToList();
        ConsoleSession.CreateUser(host, "governor", ConsoleRoles.Governor);
        using var governor = await ConsoleSession.SignInAsync(host, "governor", ConsoleSession.Password);

        var json = await governor.Http.GetStringAsync("/api/v1/reports/governor-summary");
        var page = await governor.Http.GetStringAsync("/summary");

        foreach (var text in new[] { json, page })
        {
            Assert.DoesNotContain("oak.y8.awhite", text, StringComparison.Ordinal);
            Assert.DoesNotContain("want to die", text, StringComparison.Ordinal);
            Assert.DoesNotContain(alerts[0].AlertId, text, StringComparison.Ordinal);
        }

        Assert.Contains("\"count\":\"6\"", json, StringComparison.Ordinal);
        Assert.Contains("<svg class=\"chart\" id=\"by-category\"", page, StringComparison.Ordinal);
    }
}
