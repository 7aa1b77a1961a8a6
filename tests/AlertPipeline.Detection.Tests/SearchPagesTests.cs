using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests;

public sealed class SearchPagesTests
{
    [Theory]
    [InlineData("https://www.google.com/search?q=can+you+die+from+taking+20+paracetamol")]
    [InlineData("https://www.google.co.uk/search?client=firefox-b-d&q=how+many+pills")]
    [InlineData("https://www.bing.com/search?q=can%20you%20die%20from&form=QBLH")]
    [InlineData("https://duckduckgo.com/?q=self+harm&t=h_")]
    [InlineData("https://www.youtube.com/results?search_query=how+to+tie+a+noose")]
    [InlineData("https://search.yahoo.com/search?p=overdose")]
    [InlineData("https://www.example-school.org.uk/search?keywords=bullying#top")]
    [InlineData("www.ecosia.org/search?method=index&q=knife")]
    public void IsSearchUrl_SearchResultsPages_True(string url) => Assert.True(SearchPages.IsSearchUrl(url));

    [Theory]
    [InlineData("https://www.google.com/maps/place/Manchester")] // no query
    [InlineData("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL2024")] // a video, not a search
    [InlineData("https://www.bbc.co.uk/news?q=")] // empty terms, not a search page
    [InlineData("https://www.google.com/search?q=")] // empty terms
    [InlineData("https://shop.example.com/product?q=12")] // a query parameter, but neither a search engine nor a search page
    [InlineData("google search for cats")] // not a URL with a query
    public void IsSearchUrl_OtherPages_False(string url) => Assert.False(SearchPages.IsSearchUrl(url));

    [Theory]
    [InlineData("can you die from taking 20 paracetamol - Google Search - Google Chrome", true)]
    [InlineData("can you die from taking 20 paracetamol - Google Search", true)]
    [InlineData("how to make a noose - Search - Microsoft Edge", true)]
    [InlineData("self harm at DuckDuckGo — Mozilla Firefox", true)]
    [InlineData("Google Search - Google Chrome", false)] // the empty search page itself
    [InlineData("Can you die from a broken heart? - BBC News - Google Chrome", false)]
    [InlineData("Google Docs - English coursework draft 2 (Macbeth essay)", false)]
    public void IsSearchTitle_EndingLikeAResultsPage(string title, bool expected) => Assert.Equal(expected, SearchPages.IsSearchTitle(title));

    [Fact]
    public void Effective_AddsSearchOnlyForSearchPagesOfUrlAndTitleSources()
    {
        Assert.Equal(SourceKinds.Url | SourceKinds.Search, SearchPages.Effective("https://www.google.com/search?q=kms", SourceKinds.Url));
        Assert.Equal(SourceKinds.Title | SourceKinds.Search, SearchPages.Effective("kms - Google Search", SourceKinds.Title));
        Assert.Equal(SourceKinds.Chat, SearchPages.Effective("kms - Google Search", SourceKinds.Chat)); // a chat message quoting a title
        Assert.Equal(SourceKinds.Url, SearchPages.Effective("https://www.bbc.co.uk/news", SourceKinds.Url));
    }

    /// <summary>
    /// A search-only list entry ("can you die from") applies to the same query seen as the results page's URL or
    /// window title; without the search page the title is not flagged by it.
    /// </summary>
    [Theory]
    [InlineData("can you die from taking 20 paracetamol - Google Search - Google Chrome", SourceKinds.Title)]
    [InlineData("https://www.google.com/search?q=can+you+die+from+taking+20+paracetamol", SourceKinds.Url)]
    [InlineData("https://www.bing.com/search?q=can%20you%20die%20from%20taking%2020%20paracetamol&form=QBLH", SourceKinds.Url)]
    public void Scan_SearchOnlyEntry_FlagsTheSameQueryAsUrlOrTitle(string text, SourceKinds source)
    {
        var searched = Some.SeedDetector.Scan("can you die from taking 20 paracetamol", SourceKinds.Search);
        var result = Some.SeedDetector.Scan(text, source);
        Assert.True(result.Flagged, $"'{text}' not flagged");
        Assert.Contains("suicide", result.Categories);
        Assert.Equal(searched.Severity, result.Severity);
        Assert.Contains(result.Matches, m => m.Term == "can you die from");

        // The same words in a page title that is not a search: the search-only entry does not apply.
        var article = Some.SeedDetector.Scan("can you die from taking 20 paracetamol - Pill Facts - Google Chrome", SourceKinds.Title);
        Assert.DoesNotContain(article.Matches, m => m.Term == "can you die from");
    }
}
