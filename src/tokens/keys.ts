/**
 * Token keys: what a key input can be, its import (keys/dispatch.ts and one importer per kind of
 * input: import-secret, import-jwk, import-pem, import-crypto-key, jwks), the slots that sign and
 * verify (keys/hmac-slot.ts on the platform's HMAC, keys/asymmetric-slot.ts on Web Crypto), and
 * the memo of raw inputs (keys/remembered.ts).
 */
export { checkAlgorithmList } from './keys/algorithm-options.js';
export { importTokenKey, slotFromResolved } from './keys/dispatch.js';
export { resolveTokenKey } from './keys/remembered.js';
export type { KeySlot } from './keys/slot.js';
export { isTokenKey, TokenKeyImpl } from './keys/token-key.js';
export type { ImportTokenKeyOptions, NodeKeyObjectLike, TokenKey, TokenKeyInput, TokenKeyResolver, TokenKeySet } from './keys/token-key.js';
