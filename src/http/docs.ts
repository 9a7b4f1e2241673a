/**
 * Swagger UI at /docs, served from the swagger-ui-dist package's own files (no CDN).
 * Files come through an asset loader: on Node, Deno and Bun the package is located and read from
 * disk; bundlers and Workers pass `docs.assets` instead. swagger-ui-dist is an optional peer
 * dependency: without it /docs explains how to enable it, and `docs.cdn` opts in to FastAPI's
 * page, which loads Swagger UI from jsDelivr.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { BoundedMap } from '../internal/bounded-map.js';

/**
 * Returns a swagger-ui-dist file's content, or null when it is not available.
 *
 * @example
 * // Cloudflare Workers: the files bundled as static assets.
 * const assets: DocsAssetLoader = async (name) => {
 *   const response = await env.ASSETS.fetch(`https://assets.local/docs/${name}`);
 *   return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
 * };
 * createAuthHandler({ users, key, docs: { assets } });
 */
export type DocsAssetLoader = (name: string) => Promise<Uint8Array | string | null | undefined>;

/**
 * The only files served under the docs path, with their content types.
 *
 * @example
 * for (const name of Object.keys(SWAGGER_UI_FILES)) copyFileSync(`node_modules/swagger-ui-dist/${name}`, `public/docs/${name}`);
 */
export const SWAGGER_UI_FILES: Readonly<Record<string, string>> = Object.freeze({
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
});

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that is also safe inside a <script> element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Where FastAPI's get_swagger_ui_html loads Swagger UI from by default. */
export const SWAGGER_UI_CDN = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5';

/**
 * The /docs page, as FastAPI's get_swagger_ui_html writes it. Its files come from `assetBase`
 * (default: under `docsPath`, served by the handler; a CDN URL in `docs.cdn` mode).
 */
export function swaggerUiHtml(options: { title: string; docsPath: string; openapiPath: string; assetBase?: string }): string {
  const { title, docsPath, openapiPath } = options;
  const assetBase = options.assetBase ?? docsPath;
  const asset = (name: string) => escapeHtml(`${assetBase}/${name}`);
  return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<link type="text/css" rel="stylesheet" href="${asset('swagger-ui.css')}">
<link rel="shortcut icon" href="${asset('favicon-32x32.png')}">
<title>${escapeHtml(title)} - Swagger UI</title>
</head>
<body>
<div id="swagger-ui">
</div>
<script src="${asset('swagger-ui-bundle.js')}" charset="utf-8"></script>
<script>
const ui = SwaggerUIBundle({
    url: ${scriptJson(openapiPath)},
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": true,
    "showExtensions": true,
    "showCommonExtensions": true,
    oauth2RedirectUrl: window.location.origin + ${scriptJson(`${docsPath}/oauth2-redirect`)},
    presets: [
        SwaggerUIBundle.presets.apis
    ],
})
</script>
</body>
</html>
`;
}

/** The OAuth2 redirect page (swagger-ui-dist's oauth2-redirect.html), its script under `assetBase`. */
export function oauth2RedirectHtml(assetBase: string): string {
  return `<!doctype html>
<html lang="en-US">
<head>
<meta charset="utf-8">
<title>Swagger UI: OAuth2 Redirect</title>
</head>
<body>
<script src="${escapeHtml(`${assetBase}/oauth2-redirect.js`)}"></script>
</body>
</html>
`;
}

/** /docs when swagger-ui-dist is not installed: what to do, and the document that is served anyway. */
export function docsUnavailableHtml(options: { title: string; openapiPath: string }): string {
  const title = escapeHtml(options.title);
  const openapi = escapeHtml(options.openapiPath);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title} - API docs are not enabled</title>
</head>
<body>
<h1>Swagger UI is not installed</h1>
<p>The interactive docs need the optional <code>swagger-ui-dist</code> package, which gatehouse serves from
your own server (no CDN). To enable them, install it next to gatehouse and restart:</p>
<pre>npm install swagger-ui-dist</pre>
<p>Bundlers and Workers pass its files through <code>docs.assets</code>; or set <code>docs: { cdn: true }</code>
to load Swagger UI from jsDelivr, as FastAPI does. The OpenAPI document is here either way:
<a href="${openapi}">${openapi}</a>.</p>
</body>
</html>
`;
}

/**
 * The security headers of a docs page: a Content-Security-Policy that allows only the page's own
 * assets (scripts, styles, images and requests to its own origin) and its inline scripts by hash
 * (so the page stays FastAPI's), no framing, no type sniffing.
 *
 * @example
 * const headers = docsPageHeaders(swaggerUiHtml({ title: 'api', docsPath: '/docs', openapiPath: '/openapi.json' }));
 */
export function docsPageHeaders(html: string, assetOrigin?: string): Array<[string, string]> {
  // The CDN page (docs.cdn) loads Swagger UI's script and styles from that origin, and nothing else.
  const assets = assetOrigin ? ` ${new URL(assetOrigin).origin}` : '';
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
    let binary = '';
    for (const byte of sha256(new TextEncoder().encode(match[1]!))) binary += String.fromCharCode(byte);
    hashes.push(` 'sha256-${btoa(binary)}'`);
  }
  const policy = [
    "default-src 'none'",
    `script-src 'self'${assets}${hashes.join('')}`,
    // Swagger UI ships its icons as data: URLs.
    `style-src 'self'${assets}`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return [
    ['content-security-policy', policy],
    ['x-frame-options', 'DENY'],
    ['x-content-type-options', 'nosniff'],
  ];
}

/** Loads each allowed file once and keeps it (bounded by the allowlist: one entry per file). */
export function cachedAssets(load: DocsAssetLoader): (name: string) => Promise<Uint8Array | string | null> {
  // Twice the allowlist: BoundedMap keeps ⌊maxEntries/2⌋ for sure, and every file must stay.
  const cache = new BoundedMap<string, Promise<Uint8Array | string | null>>(2 * Object.keys(SWAGGER_UI_FILES).length);
  return (name) => {
    if (!Object.hasOwn(SWAGGER_UI_FILES, name)) return Promise.resolve(null);
    let entry = cache.get(name);
    if (!entry) {
      entry = Promise.resolve()
        .then(() => load(name))
        .then(
          (content) => content ?? null,
          () => null, // a failing loader means the file is not available
        );
      // A missing file is looked for again on the next request.
      void entry.then((content) => content === null && cache.delete(name));
      cache.set(name, entry);
    }
    return entry;
  };
}
