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

    // The last " - " part of a search results page's window title, after the browser's name is removed.
    private static readonly HashSet<string> TitleEndings = new(
        ["Google Search", "Google-Suche", "Recherche Google", "Bing", "Search", "DuckDuckGo", "Ecosia", "Yahoo Search Results", "Brave Search"],
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string> Browsers = new(
        ["Google Chrome", "Chromium", "Microsoft Edge", "Mozilla Firefox", "Safari", "Opera", "Brave"],
        StringComparer.OrdinalIgnoreCase);

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> TitleEndingLookup = TitleEndings.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> BrowserLookup = Browsers.GetAlternateLookup<ReadOnlySpan<char>>();

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
        if (beforeQuery.ContainsAny(' ', '\n', '\t'))
        {
            return false; // not a URL (most texts are not: this keeps the host checks below off them)
        }

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
        // Every title pays for this: a vectorised search for a dash first, then the last separator and a set lookup.
        if (!title.ContainsAny('-', '\u2014'))
        {
            return false;
        }

        var rest = LastPart(title.TrimEnd(), out var last);
        if (BrowserLookup.Contains(last))
        {
            rest = LastPart(rest, out last);
        }

        if (rest.IsEmpty)
        {
            return false;
        }

        // "Google Search - Google Chrome" (the search page with nothing searched) has no " - " left: no ending.
        return TitleEndingLookup.Contains(last)
            || (last.IsEmpty && rest.EndsWith(" at DuckDuckGo", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The title before its last " - " or " — ", and in <paramref name="last"/> the part after it (empty when there is none: the whole title is returned).</summary>
    private static ReadOnlySpan<char> LastPart(ReadOnlySpan<char> title, out ReadOnlySpan<char> last)
    {
        // The last dash with a space either side ("1-5" and "co-op" are not separators).
        var at = title.Length;
        do
        {
            at = title[..at].LastIndexOfAny('-', '\u2014');
        }
        while (at > 0 && !(title[at - 1] == ' ' && at + 1 < title.Length && title[at + 1] == ' '));

        at--; // to the space before the dash
        if (at < 0)
        {
            last = [];
            return title;
        }

        last = title[(at + 3)..].Trim();
        return title[..at].TrimEnd();
    }
}
