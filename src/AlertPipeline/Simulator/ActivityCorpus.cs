namespace AlertPipeline.Simulator;

/// <summary>A homework topic a pupil works on for a while: what they search, read and write about it.</summary>
internal sealed record Topic(string Search, string Document, string WikiArticle, string BitesizePath, string Sentence);

/// <summary>Concerning text and the keyword category that should flag it.</summary>
internal sealed record ConcerningPhrase(string Category, string Text, ConcerningUse Use);

/// <summary>Where a concerning phrase reads naturally: something searched, or something written to someone.</summary>
internal enum ConcerningUse
{
    Search,
    Message,
}

/// <summary>
/// The words the simulator puts in pupils' mouths. Benign text deliberately includes trap words
/// ("suicide squad", "kill the process", Juliet's death) because real pupils type them and a detector
/// that flags them wastes a DSL's time.
/// </summary>
internal static class ActivityCorpus
{
    private static readonly string[] BuiltInSchools =
    [
        "oakfield", "riverside", "hillcrest", "meadowbank", "stmarys", "kingsway", "beechwood", "ashgrove",
        "elmhurst", "westfield", "northgate", "parkside", "brookfield", "highfield", "lakeside", "millbrook",
        "redhill", "southfield", "thornbury", "woodlands",
    ];

    /// <summary>The first <paramref name="count"/> school ids; past the built-in names they repeat with a number.</summary>
    public static IReadOnlyList<string> SchoolNames(int count) =>
        [.. Enumerable.Range(0, Math.Max(0, count)).Select(i =>
            i < BuiltInSchools.Length ? BuiltInSchools[i] : BuiltInSchools[i % BuiltInSchools.Length] + (i / BuiltInSchools.Length + 1))];

    public static readonly string[] FirstNames =
    [
        "jack", "olivia", "muhammad", "amelia", "noah", "isla", "oliver", "ava", "george", "mia", "leo", "ivy",
        "harry", "freya", "oscar", "lily", "archie", "florence", "theo", "grace", "arthur", "sophia", "alfie",
        "evie", "charlie", "aisha", "jacob", "zara", "freddie", "poppy", "ethan", "emily", "adam", "maya",
    ];

    public static readonly string[] Surnames =
    [
        "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel", "robinson",
        "wright", "thompson", "evans", "walker", "white", "roberts", "green", "hall", "khan", "wood", "clarke",
        "jackson", "hughes", "edwards", "lewis", "ahmed", "turner", "hill", "moore", "cooper", "ward", "begum",
    ];

    public static readonly Topic[] Topics =
    [
        new("photosynthesis diagram", "Biology - photosynthesis notes", "Photosynthesis", "guides/zpwmxnb/revision/1",
            "Photosynthesis is the process where plants use light energy to turn carbon dioxide and water into glucose and oxygen."),
        new("causes of ww1", "History - causes of WW1 essay", "Causes_of_World_War_I", "guides/z3kg2nb/revision/1",
            "The main long term causes of the First World War were militarism, alliances, imperialism and nationalism."),
        new("battle of hastings 1066", "Battle of Hastings homework", "Battle_of_Hastings", "guides/zpwp34j/revision/1",
            "William of Normandy won the Battle of Hastings in 1066 after Harold's army was tired from marching north."),
        new("romeo and juliet act 3 summary", "English - Romeo and Juliet act 3", "Romeo_and_Juliet", "guides/zmbj6sg/revision/1",
            "In Act 3 Romeo kills Tybalt after Mercutio dies, and the Prince banishes him from Verona."),
        new("how to solve quadratic equations", "Maths - quadratics practice", "Quadratic_equation", "guides/zsqqtfr/revision/1",
            "To solve x squared plus 5x plus 6 equals 0 you factorise it into (x + 2)(x + 3) so x is -2 or -3."),
        new("macbeth themes ambition", "Macbeth essay", "Macbeth", "guides/zpv4wxs/revision/1",
            "Shakespeare shows that Macbeth's ambition leads him to murder Duncan and in the end destroys him."),
        new("water cycle year 7", "Geography - the water cycle", "Water_cycle", "guides/z3wq6sg/revision/1",
            "Water evaporates from the sea, condenses into clouds and falls as precipitation before flowing back to the sea."),
        new("french past tense etre verbs", "French homework - passe compose", "Passe_compose", "guides/zg3k7p3/revision/1",
            "Je suis alle au cinema avec mes amis le weekend dernier et nous avons mange une pizza."),
        new("what is a covalent bond", "Chemistry - bonding revision", "Covalent_bond", "guides/z33rrwx/revision/1",
            "A covalent bond is a shared pair of electrons between two non-metal atoms."),
        new("an inspector calls priestley message", "An Inspector Calls essay", "An_Inspector_Calls", "guides/zpr3rdm/revision/1",
            "Priestley uses the Inspector to show that we are all responsible for each other in society."),
        new("pythagoras theorem examples", "Maths - Pythagoras", "Pythagorean_theorem", "guides/zm4ygk7/revision/1",
            "In a right angled triangle the square on the hypotenuse equals the sum of the squares on the other two sides."),
        new("how to code a for loop in python", "Computing - Python loops", "For_loop", "guides/zhy39j6/revision/1",
            "A for loop repeats the indented code once for every item in the list, so for i in range(10) runs ten times."),
        new("the cold war for kids", "History - Cold War timeline", "Cold_War", "guides/zxtj6sg/revision/1",
            "The Cold War was a rivalry between the USA and the Soviet Union that never turned into direct fighting."),
        new("plate tectonics earthquakes", "Geography - earthquakes case study", "Plate_tectonics", "guides/zqjqtfr/revision/1",
            "Earthquakes happen at plate boundaries when pressure builds up and the plates suddenly slip."),
        new("hamlet to be or not to be meaning", "English - Hamlet soliloquy", "To_be,_or_not_to_be", "guides/z9w3b82/revision/1",
            "In the soliloquy Hamlet wonders whether it is better to live and suffer or to die and end his troubles."),
    ];

    /// <summary>Searches that contain words a naive matcher would flag but are ordinary schoolwork or fun.</summary>
    public static readonly string[] TrapSearches =
    [
        "suicide squad cast", "how to kill a process in task manager", "why does juliet kill herself",
        "how many people died in the battle of the somme", "drug trials gcse biology", "how did hitler rise to power",
        "shoot a basketball properly", "scunthorpe united fixtures", "what is a war crime", "breaststroke technique",
        "how to cut a video in capcut", "dying of the light poem meaning", "minecraft how to kill the ender dragon",
    ];

    public static readonly string[] ChatMessages =
    [
        "did u do the maths homework", "whats the answer to q3", "lol that video was so funny",
        "are you coming to football after school", "can you send me the notes from history",
        "omg im dead that was hilarious", "this homework is killing me", "kill the boss on level 3 first",
        "my mum says i can come round at 5", "who's in our group for the science project", "brb dinner",
        "miss said the test is on thursday", "i'm so bored of revision", "can we play minecraft later",
        "did you see the new spiderman trailer", "you're literally the worst at fortnite haha",
    ];

    public static readonly string[] YouTubeVideos =
    [
        "Photosynthesis | Educational Video for Kids", "GCSE Maths - Quadratic Equations", "Minecraft but every block is TNT",
        "The Causes of World War One | History", "MrBeast - I Built 100 Houses", "How to Draw Anime Eyes",
        "Romeo and Juliet in 5 minutes", "FIFA 25 Ultimate Team Pack Opening",
    ];

    /// <summary>Window titles of other things pupils have open, with the process that owns each.</summary>
    public static readonly (string Title, string App)[] AppTitles =
    [
        ("Minecraft", "minecraft"), ("Microsoft Teams", "teams"), ("Google Classroom - Google Chrome", "chrome"),
        ("Seneca Learning - Google Chrome", "chrome"), ("Sparx Maths - Google Chrome", "chrome"), ("Roblox", "roblox"),
        ("Spotify Free", "spotify"), ("Scratch 3.0 - Google Chrome", "chrome"),
    ];

    public static readonly string[] ChatApps = ["teams", "whatsapp", "discord", "snapchat", "instagram"];

    /// <summary>Keyword categories, in the order used to pick them.</summary>
    public static readonly string[] Categories =
        ["suicide", "self-harm", "grooming", "bullying", "weapons", "drugs", "extremism", "gambling", "pornography"];

    public static readonly ConcerningPhrase[] Concerning =
    [
        new("suicide", "i want to die", ConcerningUse.Message),
        new("suicide", "how many paracetamol to overdose", ConcerningUse.Search),
        new("suicide", "kms", ConcerningUse.Message),
        new("suicide", "painless ways to kill myself", ConcerningUse.Search),
        new("suicide", "nobody would even notice if i was gone i want to end it all", ConcerningUse.Message),
        new("suicide", "k1ll mys3lf", ConcerningUse.Message),
        new("suicide", "s u i c i d e", ConcerningUse.Search),
        new("self-harm", "how to hide cuts from my parents", ConcerningUse.Search),
        new("self-harm", "i cut myself again last night", ConcerningUse.Message),
        new("self-harm", "does self harming make the pain stop", ConcerningUse.Search),
        new("grooming", "dont tell your parents about me", ConcerningUse.Message),
        new("grooming", "delete our chats after you read them", ConcerningUse.Message),
        new("grooming", "youre so mature for your age send me a pic", ConcerningUse.Message),
        new("grooming", "lets meet up but its our little secret", ConcerningUse.Message),
        new("bullying", "nobody likes you just kill yourself", ConcerningUse.Message),
        new("bullying", "everyone hates you no wonder you have no friends", ConcerningUse.Message),
        new("bullying", "were all going to get you after school you freak", ConcerningUse.Message),
        new("weapons", "where to buy a zombie knife", ConcerningUse.Search),
        new("weapons", "how to sneak a knife into school", ConcerningUse.Search),
        new("weapons", "how to make a pipe bomb", ConcerningUse.Search),
        new("drugs", "where can i get ket", ConcerningUse.Search),
        new("drugs", "snap plug selling weed near me", ConcerningUse.Message),
        new("drugs", "buy xanax online no prescription", ConcerningUse.Search),
        new("extremism", "download the christchurch shooter manifesto", ConcerningUse.Search),
        new("extremism", "how to join isis", ConcerningUse.Search),
        new("extremism", "great replacement is real we need to fight back", ConcerningUse.Message),
        new("gambling", "best online casino no age verification", ConcerningUse.Search),
        new("gambling", "how to bet on football under 18", ConcerningUse.Search),
        new("pornography", "free porn videos", ConcerningUse.Search),
        new("pornography", "onlyfans leaks", ConcerningUse.Search),
        new("pornography", "xxx hd videos", ConcerningUse.Search),
    ];
}
