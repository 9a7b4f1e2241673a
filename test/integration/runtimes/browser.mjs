/**
 * The smoke checks in a browser page, bundled by esbuild ('gatehouse' resolves to the built
 * dist/index.js). The page's result is the promise window.__gatehouseSmoke.
 */
import * as gatehouse from 'gatehouse';
import hashes from './fixtures/hashes.json' with { type: 'json' };
import tokens from './fixtures/tokens.json' with { type: 'json' };
import pbkdf2AboveCap from './fixtures/pbkdf2-above-cap.json' with { type: 'json' };
import argon2 from './fixtures/argon2.json' with { type: 'json' };
import { runSmoke } from './smoke.mjs';

window.__gatehouseSmoke = runSmoke(gatehouse, { hashes, tokens, pbkdf2AboveCap, argon2 }).then(
  (result) => ({ runtime: 'browser', version: navigator.userAgent, ...result }),
  (error) => ({ fatal: String(error?.stack ?? error) }),
);
