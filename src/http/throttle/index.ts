/** Login throttling: the policy, client addresses, the counter-store interface and the memory store. */
export { createLoginThrottle, checkLoginThrottle } from './policy.js';
export type {
  AddressThrottleOptions,
  LoginThrottle,
  LoginThrottleOptions,
  ThrottleCallOptions,
  ThrottleDecision,
  UsernameThrottleOptions,
} from './policy.js';
export { loginThrottledResponse } from './login.js';
export type { ThrottleOptions } from './login.js';
export { clientAddressKey, resolveClientAddress, trustedProxies } from './address.js';
export type { ResolveClientAddressOptions, TrustedProxies } from './address.js';
export { createMemoryCounterStore } from './memory.js';
export type { MemoryCounterStoreOptions } from './memory.js';
export { CounterStoreError, DEFAULT_COUNTER_TABLE } from './store.js';
export type { Counter, CounterStore } from './store.js';
