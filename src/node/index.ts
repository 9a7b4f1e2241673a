/** gatehouse/node: serve fetch handlers (gatehouse's or any other) on node:http. */
export { createNodeListener, serve } from './serve.js';
export type { FetchHandler, NodeListener, NodeListenerOptions, RunningServer, ServeOptions } from './serve.js';
