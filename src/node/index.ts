/** gatehouse/node: serve fetch handlers (gatehouse's or any other) on node:http, and the Node-only pieces. */
export { createNodeListener, serve } from './serve.js';
export type { FetchHandler, NodeListener, NodeListenerOptions, RunningServer, ServeOptions } from './serve.js';
export { createJsonFileUserStore } from './json-file-store.js';
export type { JsonFileUserStore } from './json-file-store.js';
export { nodeDocsAssets } from '../http/docs-assets.js';
export { installLightResponses } from './light-response.js';
export { requireUserMiddleware } from './require-user.js';
export type { NodeNext, RequireUserMiddleware, UserRequest } from './require-user.js';
