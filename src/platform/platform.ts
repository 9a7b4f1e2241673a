/**
 * What gatehouse needs from a runtime, as one small interface in two parts: Platform (HMAC,
 * base64url, UTF-8: what tokens need) and HashingPlatform (digests and KDFs: what password hashing
 * needs; apart so that a tokens-only bundle carries no KDF). Two implementations of each:
 * node.ts / node-hashing.ts (node:crypto and Buffer, found at run time on Node, Deno and Bun) and
 * web.ts / web-hashing.ts (Web Crypto and @noble/hashes, everywhere). runtime.ts picks one, once;
 * nothing outside src/platform/ asks which. Both give the same bytes for the same inputs (tests run
 * the suites on both).
 */
/** node:crypto's `argon2(algorithm, parameters, callback)` (Node >= 24.7), or null. */
export type NodeArgon2 = (
  algorithm: 'argon2d' | 'argon2i' | 'argon2id',
  parameters: {
    message: Uint8Array;
    nonce: Uint8Array;
    parallelism: number;
    tagLength: number;
    memory: number;
    passes: number;
    secret?: Uint8Array;
    associatedData?: Uint8Array;
  },
  callback: (error: Error | null, derived: Uint8Array) => void,
) => void;

/** One Argon2 derivation for a native implementation; parameters already checked (RFC 9106 and the caps). */
export interface NativeArgon2Job {
  /** 0 argon2d, 1 argon2i, 2 argon2id (RFC 9106's y). */
  typeCode: 0 | 1 | 2;
  version: 0x10 | 0x13;
  m: number;
  t: number;
  p: number;
  dkLen: number;
  password: Uint8Array;
  salt: Uint8Array;
  secret: Uint8Array;
  ad: Uint8Array;
}

/** One-shot digests the password formats use. */
export type DigestName = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type Digest = (data: Uint8Array) => Uint8Array;
/** The hashes of HMAC-based JWS algorithms (HS256, HS384, HS512). */
export type HmacHash = 'sha256' | 'sha384' | 'sha512';
/** PBKDF2's hashes, as Web Crypto names them. */
export type Pbkdf2Hash = 'SHA-1' | 'SHA-256' | 'SHA-512';

/**
 * The base64url HMAC tag of an ASCII input (a JWS signing input). Synchronous where the runtime
 * allows it (node:crypto), else a promise (Web Crypto).
 */
export type HmacSigner = (hash: HmacHash, input: string) => string | Promise<string>;

export interface ScryptJob {
  N: number;
  r: number;
  p: number;
  dkLen: number;
  /** Bytes the derivation may allocate; more is refused. */
  maxmem: number;
}

/**
 * The runtime services of tokens (see the module comment).
 *
 * @example
 * const tag = await platform().hmacSigner(secret, ['sha256']).then((sign) => sign('sha256', 'a.b'));
 */
export interface Platform {
  /** 'node' where node:crypto is used, 'web' for the portable path. */
  readonly name: 'node' | 'web';
  /** A signer over a copy of `secret`, for the listed hashes only. */
  hmacSigner(secret: Uint8Array, hashes: readonly HmacHash[]): Promise<HmacSigner>;
  /** base64 of HMAC-SHA-256 over `data` (a string: its UTF-8 bytes), synchronously: a keyed fingerprint. */
  hmacSha256Base64(key: Uint8Array, data: Uint8Array | string): string;
  /** Unpadded base64url (RFC 4648 section 5). */
  encodeBase64Url(bytes: Uint8Array): string;
  /** Bytes of strict unpadded base64url, or null. */
  decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null;
  /** base64url of a string's UTF-8 bytes. */
  base64UrlOfText(text: string): string;
  /** UTF-8 text, or null for invalid UTF-8. */
  utf8DecodeStrict(bytes: Uint8Array): string | null;
}

/**
 * The runtime services of password hashing (see the module comment).
 *
 * @example
 * const key = await hashingPlatform().scrypt(password, salt, { N: 16384, r: 8, p: 1, dkLen: 32, maxmem: 32 << 20 });
 */
export interface HashingPlatform {
  /** A one-shot digest function. */
  digest(name: DigestName): Digest;
  /** scrypt (RFC 7914) off the event loop or in yielding slices; parameters already checked. */
  scrypt(password: Uint8Array, salt: Uint8Array, job: ScryptJob): Promise<Uint8Array>;
  /** PBKDF2-HMAC (RFC 8018); arguments already checked. */
  pbkdf2(hash: Pbkdf2Hash, password: Uint8Array, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array>;
  /** A native Argon2 (node:crypto on Node >= 24.7), or null. */
  readonly argon2: NodeArgon2 | null;
  /**
   * The tag from @node-rs/argon2 on the libuv pool (Node, where the optional peer is installed), or
   * null where it is not there or does not take these parameters (the caller falls back).
   */
  nativeArgon2(job: NativeArgon2Job): Promise<Uint8Array> | null;
  /** True where `nativeArgon2` has a module to run (it may still decline some parameters). */
  hasNativeArgon2(): boolean;
}
