/**
 * Drepper's SHA-crypt digest (steps 1-21 of https://www.akkadia.org/drepper/SHA-crypt.txt): the
 * format, limits and hash64 transposition live in schemes/sha-crypt.ts. Up to a million rounds of
 * SHA-256/512 in JavaScript: on the hashing pool where there is one, else on this thread in slices
 * that yield to the event loop.
 */
import { runOnHashingPool } from '../pool/hashing-pool.js';
import { hashingPlatform } from '../../platform/runtime.js';
import { sliceTimer } from '../../platform/slice.js';
import { concatBytes } from '../../internal/bytes.js';

export type ShaCryptDigestName = 'sha256' | 'sha512';

/** `source` repeated to `length` bytes (Drepper's P and S sequences, and the B/A fill). */
function repeatTo(source: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += source.length) out.set(source.subarray(0, Math.min(source.length, length - i)), i);
  return out;
}

/**
 * The raw digest of `password` under `salt` and `rounds` (checked by the caller: 1000..999,999,999).
 * @param options.inWorker in a hashing-pool worker: run here, without yielding
 * @example
 *   const digest = await shaCryptDigest('sha512', utf8('secret'), utf8('saltsalt'), 5000);
 */
export async function shaCryptDigest(
  name: ShaCryptDigestName,
  password: Uint8Array,
  salt: Uint8Array,
  rounds: number,
  options: { inWorker?: boolean } = {},
): Promise<Uint8Array> {
  if (!options.inWorker) {
    const pooled = runOnHashingPool<Uint8Array>('sha-crypt', [name, password, salt, rounds]);
    if (pooled) return pooled;
  }
  const digest = hashingPlatform().digest(name);
  const size = digest(new Uint8Array(0)).length;
  const b = digest(concatBytes(password, salt, password));
  const aParts: Uint8Array[] = [password, salt, repeatTo(b, password.length)];
  for (let n = password.length; n > 0; n >>>= 1) aParts.push(n & 1 ? b : password);
  let a = digest(concatBytes(...aParts));

  const dp = digest(repeatTo(password, password.length * password.length));
  const p = repeatTo(dp, password.length);
  const ds = digest(repeatTo(salt, salt.length * (16 + a[0]!)));
  const s = repeatTo(ds, salt.length);

  // One buffer per round shape, reused: the rounds dominate the cost.
  const buffer = new Uint8Array(2 * Math.max(size, p.length) + s.length + p.length);
  const tick = options.inWorker ? null : sliceTimer();
  for (let i = 0; i < rounds; i++) {
    let o = 0;
    const first = i & 1 ? p : a;
    buffer.set(first, o);
    o += first.length;
    if (i % 3) {
      buffer.set(s, o);
      o += s.length;
    }
    if (i % 7) {
      buffer.set(p, o);
      o += p.length;
    }
    const last = i & 1 ? a : p;
    buffer.set(last, o);
    o += last.length;
    a = digest(buffer.subarray(0, o));
    const pause = tick?.();
    if (pause) await pause;
  }
  return a;
}
