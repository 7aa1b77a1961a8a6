using System.Text;
using AlertPipeline.Detection;

namespace AlertPipeline.Benchmarks.Detection;

/// <summary>
/// A deterministic corpus of pupil-device events: mostly benign searches, typed text, titles, URLs and
/// chat of about 200 characters, with capitals, punctuation, numbers and a little slang, and about one in
/// a hundred containing a concern.
/// </summary>
internal static class PupilText
{
    private static readonly string[] SeverityNames = ["low", "medium", "high", "urgent"];

    private static readonly string[] Benign =
    [
        "how to revise for year 9 maths test on fractions and percentages",
        "BBC Bitesize - GCSE Chemistry - Covalent bonding - Revision 3",
        "lol did u see what Jake posted?? 😂😂 so embarrassing",
        "Google Docs - English coursework draft 2 (Macbeth essay)",
        "what time does the library close on saturday",
        "can we meet at the park after school, bring the football",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL2024",
        "Minecraft: how to build a redstone door tutorial 1.20",
        "Mum said I have to tidy my room before I can go to Sam's",
        "Photosynthesis converts light energy into chemical energy in chloroplasts.",
        "homework: answer questions 1-5 on page 42, due Thursday 14th",
        "best trainers under £50 for PE",
        "The Industrial Revolution began in Britain in the late 18th century.",
        "ok see you at 4:30 outside the science block",
        "Teams - Year 8 Geography - Rivers and flooding - Lesson 6",
        "is it going to rain tomorrow in Manchester",
        "I'm so bored in this lesson omg 🙄",
        "Spotify - Taylor Swift - Shake It Off",
        "recipe for chocolate brownies without eggs",
        "who won the football last night? Arsenal 2-1?",
        "Scunthorpe United fixtures 2024/25",
        "Essex county council school holidays 2025",
        "my therapist said I should try journaling, it actually helps",
        "how do I kill the process in Task Manager when Roblox freezes",
        "watched Suicide Squad again, Harley Quinn is the best",
        "bought weed killer for grandad's garden",
    ];

    private static readonly string[] Concerning =
    [
        "honestly i want to die nobody would even notice",
        "how many paracetamol does it take to overdose",
        "i'm going to k1ll myself tonight",
        "s u i c i d e methods that dont hurt",
    ];

    public static (string Text, SourceKinds Source)[] Events(int count, int seed = 42)
    {
        var random = new Random(seed);
        var sources = new[] { SourceKinds.Search, SourceKinds.Typed, SourceKinds.Url, SourceKinds.Title, SourceKinds.Screen, SourceKinds.Chat };
        var events = new (string, SourceKinds)[count];
        var builder = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            builder.Clear();
            while (builder.Length < 180)
            {
                var concern = random.Next(100) == 0;
                builder.Append(concern ? Concerning[random.Next(Concerning.Length)] : Benign[random.Next(Benign.Length)]);
                builder.Append(random.Next(3) == 0 ? ". " : " ");
            }

            events[i] = (builder.ToString(0, Math.Min(builder.Length, 220)), sources[random.Next(sources.Length)]);
        }

        return events;
    }

    /// <summary>A synthetic list shaped like a real one: mostly single words, some phrases and prefixes, spread over categories.</summary>
    public static string GeneratedListCsv(string category, int terms, int seed)
    {
        var random = new Random(seed);
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var builder = new StringBuilder("term,match,severity,sources,requires,notes\n");
        string Word() => new([.. Enumerable.Range(0, random.Next(4, 10)).Select(_ => letters[random.Next(letters.Length)])]);
        while (seen.Count < terms)
        {
            var roll = random.Next(10);
            var term = roll switch
            {
                < 7 => Word(),
                < 9 => Word() + " " + Word(),
                _ => Word() + "*",
            };
            if (seen.Add(term))
            {
                builder.Append(term).Append(roll == 7 || roll == 8 ? ",phrase," : ",,")
                    .Append(SeverityNames[random.Next(4)]).Append(",,,\n");
            }
        }

        return builder.ToString();
    }
}
