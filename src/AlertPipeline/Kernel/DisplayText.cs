namespace AlertPipeline.Kernel;

/// <summary>How the console and reports name things to people.</summary>
internal static class DisplayText
{
    /// <summary>A category as a heading: <c>self-harm</c> reads "Self harm".</summary>
    public static string Category(string category)
    {
        var text = category.Replace('-', ' ');
        return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
    }
}
