using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Rules;

/// <summary>
/// Intent rules (intents.csv), the <c>unless</c> column of lists and combinations, and combinations that need the
/// slang read as slang (issue 13). Small lists written as a curator would, then the curated seeds.
/// </summary>
public sealed class IntentAndContextTests
{
    private static KeywordSourceFile Intents(params string[] rows) =>
        new("intents.csv", "id,category,severity,slots,gap,sources,requires,unless,notes\n" + string.Join("\n", rows) + "\n");

    private static readonly KeywordSourceFile ThreatGroups = Some.Groups(
        "intent,im going to,", "intent,gonna,", "harm-verb,stab~,", "harm-verb,shoot~,", "harm-verb,shot,",
        "target,the school,", "target,everyone,", "game,fortnite,");

    private static Detector Threats(string gap = "2", string unless = "") =>
        Some.Detector(ThreatGroups, Intents($"threat,violence,urgent,intent harm-verb target,{gap},,,{unless},"));

    [Theory]
    [InlineData("im going to shoot the school")]
    [InlineData("gonna stab everyone")]
    [InlineData("I'm going to SHOOT up the school")]
    [InlineData("gonna be stabbing literally everyone")]
    [InlineData("gonna st4b everyone")]
    public void Scan_IntentSlotsInOrderWithinGap_Fires(string text)
    {
        var result = Threats().Scan(text, SourceKinds.Chat);
        Assert.True(result.Flagged, text + " " + string.Join("; ", result.Warnings));
        Assert.Equal(Severity.Urgent, result.Severity);
        Assert.Equal("violence/threat", result.SeverityRule);
    }

    [Theory]
    [InlineData("the school is going to shoot a film with everyone")] // slots out of order
    [InlineData("gonna stab")] // a slot missing
    [InlineData("gonna go to the shops and then maybe stab the pizza everyone")] // beyond the gap (2) between intent and verb
    [InlineData("everyone at the school got shot")] // no intent
    public void Scan_IntentSlotsMissingOrOutOfOrderOrTooFar_DoesNotFire(string text) =>
        Assert.False(Threats().Scan(text, SourceKinds.Chat).Flagged, text);

    [Fact]
    public void Scan_IntentMatch_ExplainsWhichSlotMatchedWhat()
    {
        var match = Assert.Single(Threats().Scan("honestly im going to shoot up the school", SourceKinds.Chat).Matches);
        Assert.Equal(
            [new SlotFill("intent", "im going to"), new SlotFill("harm-verb", "shoot"), new SlotFill("target", "the school")],
            match.Slots);
    }

    [Fact]
    public void Scan_IntentWithUnlessGroupTerm_DoesNotFire()
    {
        var detector = Threats(unless: "game");
        Assert.False(detector.Scan("in fortnite im going to shoot everyone", SourceKinds.Chat).Flagged);
        Assert.True(detector.Scan("im going to shoot everyone", SourceKinds.Chat).Flagged);
    }

    [Fact]
    public void Scan_IntentRule_TryScanAgreesWithScan()
    {
        // TryScan takes the fused path and the quiet-text filter: the rule's literal sets must keep it from being skipped.
        var detector = Threats();
        foreach (var text in new[] { "im going to shoot the school", "gonna stab everyone", "see you at the school tomorrow" })
        {
            Assert.Equal(detector.Scan(text, SourceKinds.Chat).Flagged, detector.TryScan(text, SourceKinds.Chat, out _));
        }
    }

    [Theory]
    [InlineData("stab", new[] { "stab", "stabs", "stabbing", "stabbed" })]
    [InlineData("hide", new[] { "hide", "hides", "hiding", "hided" })]
    [InlineData("bully", new[] { "bully", "bullies", "bullying", "bullied" })]
    [InlineData("laugh at", new[] { "laugh at", "laugh ats", "laugh ating", "laugh ated" })]
    public void Inflect_RegularVerb_AddsItsForms(string word, string[] expected)
    {
        var forms = WordForms.Inflect(word);
        foreach (var form in expected.Where(e => !e.Contains(' ', StringComparison.Ordinal) || e == word))
        {
            Assert.Contains(form, forms);
        }
    }

    [Fact]
    public void Parse_IntentWithUnknownGroup_NamesFileLineAndGroup()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(ThreatGroups, Intents("threat,violence,urgent,intent harm-verbs target,2,,,,")));
        Assert.Equal("intents.csv:2: slots 'harm-verbs' is not a group defined in groups.csv", ex.Message);
    }

    [Fact]
    public void Parse_IntentWithOnlyShortWords_IsRejectedAsRunningOnEveryText()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(
            Some.Groups("a,im,", "b,u,"), Intents("short,violence,high,a b,1,,,,")));
        Assert.Contains("would run on every text", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7", "'7' is not a whole number from 0 to 6")]
    [InlineData("x", "'x' is not a whole number from 0 to 6")]
    public void Parse_IntentWithBadGap_NamesTheValue(string gap, string message)
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(ThreatGroups, Intents($"threat,violence,urgent,intent harm-verb target,{gap},,,,")));
        Assert.Equal("intents.csv:2: gap " + message, ex.Message);
    }

    [Fact]
    public void Parse_EntryWithUnknownUnlessGroup_NamesIt()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(
            Some.Groups("sweets,candy,"),
            new KeywordSourceFile("drugs.csv", "term,match,severity,sources,requires,notes,unless\nbars,word,medium,,,,sweet\n")));
        Assert.StartsWith("drugs.csv:2: unless 'sweet' is not a group defined in groups.csv", ex.Message, StringComparison.Ordinal);
    }

    private static Detector Drugs() => Some.Detector(
        Some.Groups("drug-context,buy,", "drug-context,selling,", "drug-context,grams,", "buy,buy,", "buy,selling,", "sweets,candy,", "sweets,chocolate,", "schoolwork,altogether,"),
        new KeywordSourceFile("drugs.csv", "term,match,severity,sources,requires,notes,unless\nbars,word,medium,,drug-context,,sweets\ncocaine,word,medium,,,,\n"),
        new KeywordSourceFile("combinations.csv", "id,category,group,raise_to,notes,unless\ndrugs-plus-buy,drugs,buy,urgent,,schoolwork\n"));

    [Fact]
    public void Scan_SlangWithEverydaySenseWord_DoesNotFire()
    {
        Assert.False(Drugs().Scan("we are selling candy bars for the trip", SourceKinds.Chat).Flagged);
        Assert.True(Drugs().Scan("anyone selling bars", SourceKinds.Chat).Flagged);
    }

    [Fact]
    public void Scan_SlangWhoseOnlyContextIsTheCombinationsWord_KeepsItsOwnSeverity()
    {
        // "buy" made "bars" a drug; it cannot then also make buying it urgent.
        var result = Drugs().Scan("where can i buy bars", SourceKinds.Chat);
        Assert.Equal(Severity.Medium, result.Severity);
        Assert.Empty(result.Combinations);
    }

    [Fact]
    public void Scan_SlangWithItsOwnContextAndABuyingWord_IsRaised() =>
        Assert.Equal(Severity.Urgent, Drugs().Scan("buy bars 2 grams", SourceKinds.Chat).Severity);

    [Fact]
    public void Scan_UnambiguousTermWithBuyingWord_IsRaised() =>
        Assert.Equal(Severity.Urgent, Drugs().Scan("want to buy cocaine", SourceKinds.Chat).Severity);

    [Fact]
    public void Scan_CombinationWithItsUnlessGroupTerm_DoesNotRaise()
    {
        var result = Drugs().Scan("Jo bought cocaine and Al bought 3 more. How many did they buy altogether?", SourceKinds.Typed);
        Assert.Equal(Severity.Medium, result.Severity);
    }

    // The curated seeds: the everyday lines of issue 13's kind stay quiet, and the intent rules catch plain-English concerns
    // that no single list term names. Our own wording, not the issue's.
    [Theory]
    [InlineData("Sam sells 12 chocolate bars at the school fair. How many are left if he started with 40?")]
    [InlineData("Priya bought a bag of 30 party balloons for her sister's birthday")]
    [InlineData("slice the carrots then you need to cut the onions into rings")]
    [InlineData("ok see you at the bus stop tomorrow xxx")]
    [InlineData("night x")]
    [InlineData("omg the new boy in 9C is well fit")]
    [InlineData("my cousin is gay and his husband is lovely")]
    [InlineData("we learned about Sikh festivals in RE today")]
    [InlineData("In Macbeth, Lady Macbeth persuades her husband to stab King Duncan")]
    [InlineData("pull the weeds out of the flower bed before you mow the lawn")]
    [InlineData("I don't want to be late for the bus again")]
    public void SeedScan_EverydaySchoolLine_IsNotAnAlertAtMediumOrAbove(string text)
    {
        var result = Some.SeedDetector.Scan(text, SourceKinds.Typed);
        Assert.True(result.Severity is null or < Severity.Medium, $"{text}: {result.Explanation}");
    }

    [Theory]
    [InlineData("ima stab everyone in my form on monday", "violence", Severity.Urgent)]
    [InlineData("how would i get hold of a handgun in manchester", "weapons", Severity.Urgent)]
    [InlineData("how many sleeping pills does it take to never wake up", "suicide", Severity.Urgent)]
    [InlineData("how can i burn myself without my mum knowing", "self-harm", Severity.Urgent)]
    [InlineData("right lets all blank that new girl tomorrow", "bullying", Severity.High)]
    [InlineData("honestly my family would be happier without me", "suicide", Severity.Urgent)]
    [InlineData("trans people are vermin", "hate-speech", Severity.High)]
    [InlineData("I can pick you up from the corner, just keep it a secret from your dad", "child-sexual-exploitation", Severity.Urgent)]
    public void SeedScan_PlainEnglishConcern_IsCaughtByAnIntentRule(string text, string category, Severity atLeast)
    {
        var result = Some.SeedDetector.Scan(text, SourceKinds.Chat);
        Assert.Contains(category, result.Categories);
        Assert.True(result.Severity >= atLeast, $"{text}: {result.Explanation}");
        Assert.Contains(result.Matches, m => m.Category == category && m.Slots.Count > 0);
    }
}
