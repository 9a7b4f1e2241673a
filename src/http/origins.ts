/**
 * Origins as configuration: `https://app.example.com`, checked once when a handler is made, so that
 * a typo (a path, a trailing slash, a scheme a browser never sends) is a ConfigurationError at
 * start and not a silent refusal at request time. Browsers serialize the `Origin` header as scheme,
 * lower-case host and a port only when it is not the default: the list is kept in that form and
 * compared with the header as an exact string.
 */
import { ConfigurationError } from '../errors.js';

/** @internal The origin `text` names, serialized as a browser sends it; a ConfigurationError naming `option` otherwise. */
export function parseOrigin(text: unknown, option: string): string {
  let url: URL | undefined;
  try {
    url = typeof text === 'string' ? new URL(text) : undefined;
  } catch {
    // refused below
  }
  const shown = typeof text === 'string' ? JSON.stringify(text.slice(0, 200)) : typeof text;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigurationError(`${option}: ${shown} is not an http(s) origin such as https://app.example.com`);
  }
  const text_ = text as string;
  // new URL() adds a '/' path to a bare origin: anything beyond it (even a trailing '/', '?' or '#') was written.
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password || /[/?#]$/.test(text_)) {
    throw new ConfigurationError(
      `${option}: ${shown} is not an origin: give scheme, host and port only (${url.origin}), without a path, query or trailing slash`,
    );
  }
  return url.origin;
}

/** @internal A list of origins, each checked by parseOrigin; duplicates (after serialization) refused. */
export function parseOriginList(list: unknown, option: string): readonly string[] {
  if (!Array.isArray(list)) throw new ConfigurationError(`${option} must be an array of origins such as ['https://app.example.com']`);
  const seen = new Set<string>();
  for (const [index, text] of list.entries()) {
    const origin = parseOrigin(text, `${option}[${index}]`);
    if (seen.has(origin)) throw new ConfigurationError(`${option}: ${origin} is listed twice`);
    seen.add(origin);
  }
  return [...seen];
}

/** @internal The origin of an absolute URL (`https://host:port`), as the URL parser serializes it. */
export function originOfUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

/**
 * @internal A header value fit to be named in an error body or a log line: printable ASCII only
 * (others become '?'), at most 120 characters (a cut value ends in '...').
 */
export function shownHeader(value: string): string {
  const cut = value.length > 120 ? `${value.slice(0, 120)}...` : value;
  return cut.replace(/[^\x20-\x7e]/g, '?');
}
