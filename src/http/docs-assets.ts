/**
 * The Node-only source of /docs's files: swagger-ui-dist read from disk where the runtime has
 * node:fs (Node, Deno, Bun). It lives with the platform code (the only code that knows runtimes);
 * the handler uses it by default and gatehouse/node exports it. Elsewhere (Workers, browsers) a
 * `docs.assets` loader is given instead, or the page explains how to enable Swagger UI.
 */
import { SWAGGER_UI_FILES, type DocsAssetLoader } from './docs.js';
import { nodeBuiltin } from '../platform/runtime.js';

type FsPromises = typeof import('node:fs/promises');
type NodeModule = typeof import('node:module');
type NodePath = typeof import('node:path');

/** Where swagger-ui-dist is installed, resolved from this module, else from the working directory. */
function locateSwaggerUiDist(): string | null {
  const moduleApi = nodeBuiltin<NodeModule>('node:module');
  const path = nodeBuiltin<NodePath>('node:path');
  if (!moduleApi?.createRequire || !path) return null;
  const bases: string[] = [];
  const here = moduleUrl();
  if (here) bases.push(here);
  if (typeof __filename === 'string') bases.push(__filename); // the CommonJS build
  const cwd = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
  if (cwd) bases.push(path.join(cwd, 'index.js'));
  for (const base of bases) {
    try {
      return path.dirname(moduleApi.createRequire(base).resolve('swagger-ui-dist/package.json'));
    } catch {
      // try the next base
    }
  }
  return null;
}

/** import.meta.url in the ESM build; empty in the CommonJS one. */
function moduleUrl(): string | undefined {
  try {
    return import.meta.url;
  } catch {
    return undefined;
  }
}

/**
 * Reads swagger-ui-dist's files from disk where the runtime has node:fs (Node, Deno, Bun), else null.
 *
 * @example
 * import { nodeDocsAssets } from 'gatehouse/node';
 * createAuthHandler({ users, key, docs: { assets: nodeDocsAssets() ?? undefined } });
 */
export function nodeDocsAssets(): DocsAssetLoader | null {
  const fs = nodeBuiltin<FsPromises>('node:fs/promises');
  const path = nodeBuiltin<NodePath>('node:path');
  if (!fs || !path) return null;
  let dir: string | null | undefined;
  return async (name) => {
    if (!Object.hasOwn(SWAGGER_UI_FILES, name)) return null;
    dir ??= locateSwaggerUiDist();
    if (dir === null) return null;
    try {
      return new Uint8Array(await fs.readFile(path.join(dir, name)));
    } catch {
      return null;
    }
  };
}

