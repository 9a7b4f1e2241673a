/**
 * The portable PHP password hash's digest (phpass, WordPress before 6.8, phpBB): MD5 of salt and
 * password, then 2^log2 rounds of MD5(previous digest | password). The format lives in
 * schemes/wordpress.ts. Up to 2^20 rounds in JavaScript: on the hashing pool where there is one,
 * else on this thread in slices that yield to the event loop.
 */
import { runOnHashingPool } from '../pool/hashing-pool.js';
import { hashingPlatform } from '../../platform/runtime.js';
import { sliceTimer } from '../../platform/slice.js';
import { concatBytes } from '../../internal/bytes.js';

/**
 * The 16-byte digest (log2 checked by the caller).
 * @param options.inWorker in a hashing-pool worker: run here, without yielding
 * @example
 *   const digest = await phpassDigest(utf8('secret'), utf8('12345678'), 13);
 */
export async function phpassDigest(
  password: Uint8Array,
  salt: Uint8Array,
  log2: number,
  options: { inWorker?: boolean } = {},
): Promise<Uint8Array> {
  if (!options.inWorker) {
    const pooled = runOnHashingPool<Uint8Array>('phpass', [password, salt, log2]);
    if (pooled) return pooled;
  }
  const md5 = hashingPlatform().digest('md5');
  let digest = md5(concatBytes(salt, password));
  const buffer = new Uint8Array(16 + password.length);
  buffer.set(password, 16);
  const tick = options.inWorker ? null : sliceTimer(1024);
  for (let count = 2 ** log2; count > 0; count--) {
    buffer.set(digest);
    digest = md5(buffer);
    const pause = tick?.();
    if (pause) await pause;
  }
  return digest;
}
