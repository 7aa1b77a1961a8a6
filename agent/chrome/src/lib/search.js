// Search queries read from result-page URLs. The common engines and YouTube by host; any other site's own search by
// the conventional shape (a path ending in /search or /results with a q / query / search_query parameter), because
// pupils search on sites too (a school's learning platform, a forum, a shop).

const ENGINES = [
  { name: 'google', host: /(^|\.)google\.[a-z.]+$/, path: /^\/(search|webhp)?$/, params: ['q'] },
  { name: 'bing', host: /(^|\.)bing\.com$/, path: /^\/(search|images\/search|videos\/search)$/, params: ['q'] },
  { name: 'duckduckgo', host: /(^|\.)duckduckgo\.com$/, path: /^\/$/, params: ['q'] },
  { name: 'yahoo', host: /(^|\.)search\.yahoo\.com$/, path: /^\/search/, params: ['p'] },
  { name: 'youtube', host: /(^|\.)youtube\.com$/, path: /^\/results$/, params: ['search_query'] },
  { name: 'ecosia', host: /(^|\.)ecosia\.org$/, path: /^\/(search|images|videos)$/, params: ['q'] },
  { name: 'brave', host: /^search\.brave\.com$/, path: /^\/search$/, params: ['q'] },
  { name: 'startpage', host: /(^|\.)startpage\.com$/, path: /^\/(do\/)?search$/, params: ['q', 'query'] },
  { name: 'tiktok', host: /(^|\.)tiktok\.com$/, path: /^\/search/, params: ['q'] },
  { name: 'reddit', host: /(^|\.)reddit\.com$/, path: /^\/search\/?$/, params: ['q'] },
];

const SITE_SEARCH_PATH = /\/(search|results)\/?$/i;
const SITE_SEARCH_PARAMS = ['q', 'query', 'search_query', 'search'];

/** { engine, query } for a search-results URL, else null. The query is trimmed and whitespace-collapsed. */
export function searchFromUrl(href) {
  let url;
  try { url = new URL(href); } catch { return null; }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return null;
  }

  const host = url.hostname.toLowerCase();
  const engine = ENGINES.find(e => e.host.test(host));
  if (engine) {
    if (!engine.path.test(url.pathname)) {
      return null;
    }

    // Google keeps the query in the fragment on some instant-search pages (#q=...).
    const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
    return found(engine.name, engine.params.map(p => url.searchParams.get(p) ?? fragment.get(p)));
  }

  return SITE_SEARCH_PATH.test(url.pathname) ? found(host, SITE_SEARCH_PARAMS.map(p => url.searchParams.get(p))) : null;
}

function found(engine, candidates) {
  const query = candidates.find(q => q !== null && q.trim() !== '');
  return query === undefined ? null : { engine, query: query.replace(/\s+/g, ' ').trim() };
}
