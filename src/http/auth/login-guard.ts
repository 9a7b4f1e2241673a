/** @deprecated The login throttle's former module (a test imports its types from here): see login-throttle.ts. */
export { loginThrottledResponse, type ThrottleOptions } from './login-throttle.js';
