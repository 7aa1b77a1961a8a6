using AlertPipeline.ConsoleUi;
using AlertPipeline.Simulator;
using AlertPipeline.Tests.Support;
using Microsoft.Extensions.Options;

namespace AlertPipeline.Tests.Console;

public sealed class RosterTests
{
    [Fact]
    public void Roster_EveryPupilOfTheDefaultDemo_HasANameAndYearGroup()
    {
        var roster = new Roster(Options.Create(new ConsoleOptions()));
        var demo = new ActivityGenerator(Options.Create(new SimulatorOptions()), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero)), new ScreenshotRenderer());

        Assert.All(demo.Pupils, p =>
        {
            var pupil = roster.Find(p.Login);
            Assert.True(pupil is not null, $"{p.Login} is not on seeds/roster/pupils.csv");
            Assert.Equal(p.SchoolId, pupil.SchoolId);
            Assert.Equal($"Year {p.Login.Split('.')[1][1..]}", pupil.YearGroup);
        });
    }
}
