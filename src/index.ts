export * from './errors.js';
export * from './passwords/index.js';
