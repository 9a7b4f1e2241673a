/** The HTTP part of gatehouse: the tutorial's endpoints as a fetch handler, and its building blocks. */
export { createAuthHandler, DEFAULT_PATHS } from './handler.js';
export type { AuthHandler, AuthHandlerOptions, AuthPaths, AuthRoutes, DocsOptions } from './handler.js';
export { createAuth, publicUser, TUTORIAL_SCOPES } from './auth/index.js';
export type { Auth, AuthEvent, AuthEventHook, AuthEventType, AuthOptions, AuthResult, OAuth2ErrorStyle, PublicUser, RefreshTokensOptions, RequireUserOptions, SessionsOptions } from './auth/index.js';
export { readLoginForm } from './form.js';
export type { LoginForm, ReadLoginFormOptions } from './form.js';
export { readBearerToken } from './bearer.js';
// Browser apps: cookies, the session cookie's settings, the origin rule (CSRF) and CORS.
export { clearCookie, parseCookies, readCookie, serializeCookie } from './cookies.js';
export type { CookieAttributes, CookieParseOptions, SameSite } from './cookies.js';
export { DEFAULT_SESSION_COOKIE_NAME, type SessionCookieOptions } from './session-cookie.js';
export { createOriginCheck } from './origin-check.js';
export type { OriginCheck, OriginCheckOptions } from './origin-check.js';
export type { CorsOptions } from './cors.js';
export { clientAddressOf, setClientAddress, UNKNOWN_CLIENT } from './client-address.js';
export type { ClientAddressResolver } from './client-address.js';
export { createOpenApiDocument } from './openapi.js';
export type { OpenApiOptions, OpenApiSessions } from './openapi.js';
export { SWAGGER_UI_FILES } from './docs.js';
export type { DocsAssetLoader } from './docs.js';
export { jsonResponse, type JsonResponseInit } from './response.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
// Login throttling: the policy, client addresses, the counter-store interface and the memory store.
export { createLoginThrottle, checkLoginThrottle } from '../throttle/policy.js';
export type {
  AddressThrottleOptions,
  LoginThrottle,
  LoginThrottleOptions,
  ThrottleCallOptions,
  ThrottleDecision,
  UsernameThrottleOptions,
} from '../throttle/policy.js';
export { loginThrottledResponse } from './auth/login-throttle.js';
export type { ThrottleOptions } from './auth/login-throttle.js';
export { clientAddressKey, resolveClientAddress, trustedProxies, type HeaderSource } from '../throttle/address.js';
export type { ResolveClientAddressOptions, TrustedProxies } from '../throttle/address.js';
export { createMemoryCounterStore } from '../throttle/memory.js';
export type { MemoryCounterStoreOptions } from '../throttle/memory.js';
export { CounterStoreError, DEFAULT_COUNTER_TABLE } from '../throttle/store.js';
export type { Counter, CounterStore } from '../throttle/store.js';
