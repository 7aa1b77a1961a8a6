namespace AlertPipeline.Detection;

/// <summary>
/// Search queries seen through another source. A search results page's URL (<c>google.com/search?q=…</c>) and its
/// window title (<c>"… - Google Search - Google Chrome"</c>) carry what the pupil searched for, so list entries
/// for searches apply to them too: <see cref="Effective"/> adds <see cref="SourceKinds.Search"/> to the source.
/// Agents that cannot see the search box still report the URL and the title; without this, an entry such as
/// "can you die from" (searches only) would miss the same query arriving as a URL or a title.
/// </summary>
public static class SearchPages
{
    // Hosts whose pages with a query parameter are web searches.
    private static readonly string[] SearchHosts =
        ["google.", "bing.com", "duckduckgo.com", "search.yahoo.", "ecosia.org", "search.brave.com", "yandex.", "startpage.com", "kiddle.co", "swiggle.org.uk"];

    // Query parameters that hold the search terms, on those hosts or on any site's search page.
    private static readonly string[] QueryParameters = ["q", "query", "p", "search_query", "text", "search", "searchterm", "keyword", "keywords"];

    // Window-title endings of search results pages, after the browser's name is removed.
    private static readonly string[] TitleEndings =
        [" - Google Search", " - Google-Suche", " - Recherche Google", " - Bing", " - Search", " at DuckDuckGo", " - DuckDuckGo", " - Ecosia", " - Yahoo Search Results", " - Brave Search"];

    private static readonly string[] BrowserEndings =
        [" - Google Chrome", " - Chromium", " - Microsoft Edge", " — Mozilla Firefox", " - Mozilla Firefox", " - Safari", " - Opera", " - Brave"];

    /// <summary><paramref name="source"/> plus <see cref="SourceKinds.Search"/> when the URL or title is a search results page.</summary>
    public static SourceKinds Effective(string text, SourceKinds source)
    {
        if ((source & SourceKinds.Search) != 0 || text.Length == 0)
        {
            return source;
        }

        if ((source & SourceKinds.Url) != 0 && IsSearchUrl(text))
        {
            return source | SourceKinds.Search;
        }

        if ((source & SourceKinds.Title) != 0 && IsSearchTitle(text))
        {
            return source | SourceKinds.Search;
        }

        return source;
    }

    /// <summary>A URL with a non-empty search-terms parameter, on a search engine or on a page whose path says "search".</summary>
    public static bool IsSearchUrl(ReadOnlySpan<char> url)
    {
        var question = url.IndexOf('?');
        if (question < 0)
        {
            return false;
        }

        var beforeQuery = url[..question];
        var scheme = beforeQuery.IndexOf("://", StringComparison.Ordinal);
        var hostAndPath = scheme >= 0 ? beforeQuery[(scheme + 3)..] : beforeQuery;
        var slash = hostAndPath.IndexOf('/');
        var host = slash >= 0 ? hostAndPath[..slash] : hostAndPath;
        var path = slash >= 0 ? hostAndPath[slash..] : [];
        var searchPage = path.Contains("search", StringComparison.OrdinalIgnoreCase) || path.Contains("results", StringComparison.OrdinalIgnoreCase);
        foreach (var known in SearchHosts)
        {
            searchPage |= host.Contains(known, StringComparison.OrdinalIgnoreCase);
        }

        if (!searchPage)
        {
            return false;
        }

        var query = url[(question + 1)..];
        var fragment = query.IndexOf('#');
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            if (equals <= 0 || equals == pair.Length - 1)
            {
                continue;
            }

            var name = pair[..equals];
            foreach (var parameter in QueryParameters)
            {
                if (name.Equals(parameter, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A window title that ends like a search results page's, with or without the browser's name after it.</summary>
    public static bool IsSearchTitle(ReadOnlySpan<char> title)
    {
        title = title.TrimEnd();
        foreach (var browser in BrowserEndings)
        {
            if (title.EndsWith(browser, StringComparison.OrdinalIgnoreCase))
            {
                title = title[..^browser.Length].TrimEnd();
                break;
            }
        }

        foreach (var ending in TitleEndings)
        {
            if (title.Length > ending.Length && title.EndsWith(ending, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
