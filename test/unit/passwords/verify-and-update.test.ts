/**
 * verifyAndUpdate identifies the stored hash once and turns the password into bytes once: the bytes
 * it verified are the bytes it rehashes (issue 19, item 5). Checked with counting schemes.
 */
import { describe, expect, it } from 'vitest';
import { CryptContext, PasswordPolicyError, defineScheme, type PasswordScheme } from '../../../src/index.js';
import { constantTimeEqualString, fromUtf8 } from '../../../src/passwords/encodings.js';

function countingScheme(name: string, cost: number, maxBytes = Infinity) {
  const seen = { identify: 0, verified: [] as Uint8Array[], hashed: [] as Uint8Array[] };
  const prefix = `$${name}$`;
  const parse = (hash: string) => /^\$\w+\$(\d+)\$(.*)$/.exec(hash)!;
  const scheme: PasswordScheme<{ cost: number }> = defineScheme({
    name,
    defaults: { cost },
    identify(hash) {
      seen.identify++;
      return hash.startsWith(prefix);
    },
    async hash(password, settings) {
      if (password.length > maxBytes) throw new PasswordPolicyError(`longer than ${maxBytes} bytes`);
      seen.hashed.push(password);
      return `${prefix}${settings.cost}$${fromUtf8(password)}`;
    },
    async verify(password, hash) {
      seen.verified.push(password);
      return constantTimeEqualString(parse(hash)[2]!, fromUtf8(password));
    },
    needsUpdate: (hash, settings) => Number(parse(hash)[1]) !== settings.cost,
  });
  return { scheme, seen };
}

describe('verifyAndUpdate', () => {
  it('identifies the hash once and rehashes the very bytes it verified', async () => {
    const current = countingScheme('current', 2);
    const context = new CryptContext({ schemes: [current.scheme] });
    const { valid, newHash } = await context.verifyAndUpdate('pässword', '$current$1$pässword');
    expect(valid).toBe(true);
    expect(newHash).toBe('$current$2$pässword');
    expect(current.seen.identify).toBe(1);
    expect(current.seen.verified).toHaveLength(1);
    expect(current.seen.hashed).toHaveLength(1);
    expect(current.seen.hashed[0]).toBe(current.seen.verified[0]);
  });

  it('answers as before: wrong password, current hash, missing hash, refused rehash', async () => {
    const current = countingScheme('current', 2, 40); // refuses more than 40 bytes, as bcrypt more than 72
    const old = countingScheme('old', 1);
    const context = new CryptContext({ schemes: [current.scheme, old.scheme], deprecated: ['old'] });
    expect(await context.verifyAndUpdate('nope', '$old$1$secret')).toEqual({ valid: false, newHash: null });
    expect(await context.verifyAndUpdate('secret', '$current$2$secret')).toEqual({ valid: true, newHash: null });
    expect(await context.verifyAndUpdate('secret', '$old$1$secret')).toEqual({ valid: true, newHash: '$current$2$secret' });
    expect(await context.verifyAndUpdate('secret', null)).toEqual({ valid: false, newHash: null });
    // the default scheme refuses the password (bcrypt's 72 bytes): the old hash is kept
    const long = 'a secret longer than forty bytes, by a few';
    expect(await context.verifyAndUpdate(long, `$old$1$${long}`)).toEqual({ valid: true, newHash: null });
  });
});
