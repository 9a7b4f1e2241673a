/**
 * /docs when swagger-ui-dist (an optional peer dependency) is missing, and FastAPI's CDN page
 * (opt-in with `docs.cdn`). The installed case is covered in http.test.ts and http-dist.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createAuthHandler } from '../../../src/http/index.js';
import { BASE, KEY, context, makeUsers } from '../../helpers/http.js';

const users = makeUsers();
const missing = async () => null;

describe('/docs without swagger-ui-dist', () => {
  const handle = createAuthHandler({ users, key: KEY, context, docs: { assets: missing, title: 'My API' } });

  it('serves a page that says how to enable Swagger UI, and links the OpenAPI document', async () => {
    const response = await handle(new Request(`${BASE}/docs`));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('<title>My API - API docs are not enabled</title>');
    expect(html).toContain('<pre>npm install swagger-ui-dist</pre>');
    expect(html).toContain('<a href="/openapi.json">/openapi.json</a>');
    expect(html).toContain('docs: { cdn: true }');
    expect(html).not.toContain('<script');
    // HEAD agrees with GET.
    const head = await handle(new Request(`${BASE}/docs`, { method: 'HEAD' }));
    expect(head.headers.get('content-length')).toBe(String(new TextEncoder().encode(html).byteLength));
  });

  it('still serves the OpenAPI document, and 404 for the files it does not have', async () => {
    expect((await handle(new Request(`${BASE}/openapi.json`))).status).toBe(200);
    for (const name of ['swagger-ui-bundle.js', 'swagger-ui.css', 'oauth2-redirect.js']) {
      expect((await handle(new Request(`${BASE}/docs/${name}`))).status).toBe(404);
    }
  });

  it('switches to Swagger UI once the files can be loaded (a missing file is looked for again)', async () => {
    let installed = false;
    const h = createAuthHandler({
      users,
      key: KEY,
      context,
      docs: { assets: async (name) => (installed && name === 'swagger-ui-bundle.js' ? 'window.SwaggerUIBundle=1' : null) },
    });
    expect(await (await h(new Request(`${BASE}/docs`))).text()).toContain('Swagger UI is not installed');
    installed = true;
    expect(await (await h(new Request(`${BASE}/docs`))).text()).toContain('<script src="/docs/swagger-ui-bundle.js"');
  });
});

describe('/docs with docs.cdn (FastAPI\'s page)', () => {
  it('cdn: true loads Swagger UI from jsDelivr as FastAPI does, and serves no files itself', async () => {
    let loads = 0;
    const h = createAuthHandler({ users, key: KEY, context, docs: { cdn: true, assets: async () => (loads++, 'x') } });
    const html = await (await h(new Request(`${BASE}/docs`))).text();
    expect(html).toContain('<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js" charset="utf-8"></script>');
    expect(html).toContain('href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"');
    expect(html).toContain('url: "/openapi.json"');
    expect(html).toContain('oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect"');
    const redirect = await (await h(new Request(`${BASE}/docs/oauth2-redirect`))).text();
    expect(redirect).toContain('<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/oauth2-redirect.js"></script>');
    expect((await h(new Request(`${BASE}/docs/swagger-ui-bundle.js`))).status).toBe(404);
    expect(loads).toBe(0);
  });

  it('takes another CDN base URL (trailing slash dropped, HTML-escaped)', async () => {
    const h = createAuthHandler({ users, key: KEY, context, docs: { cdn: 'https://assets.example/swagger-ui/5?a=1&b=2/' } });
    const html = await (await h(new Request(`${BASE}/docs`))).text();
    expect(html).toContain('<script src="https://assets.example/swagger-ui/5?a=1&#38;b=2/swagger-ui-bundle.js"');
  });
});
