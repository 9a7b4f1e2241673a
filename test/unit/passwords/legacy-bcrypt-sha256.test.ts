import { createHash, createHmac } from 'node:crypto';
import bcryptjs from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, HashCostLimitError, MalformedHashError } from '../../../src/errors.js';
import { utf8 } from '../../../src/passwords/encodings.js';
import { bcrypt } from '../../../src/passwords/schemes/bcrypt.js';
import { bcrypt_sha256 } from '../../../src/passwords/schemes/bcrypt-sha256.js';
import fixtures from '../../fixtures/legacy-bcrypt-sha256.json' with { type: 'json' };

const fast = { ...bcrypt_sha256.defaults, rounds: 4 };

/** passlib's formats rebuilt with node:crypto and bcryptjs (independent of the scheme). */
function passlibV2(password: string, cost = 4): string {
  const salt = bcryptjs.genSaltSync(cost).slice(7, 29);
  const key = createHmac('sha256', salt).update(password).digest('base64');
  const inner = bcryptjs.hashSync(key, `$2b$${String(cost).padStart(2, '0')}$${salt}`);
  return `$bcrypt-sha256$v=2,t=2b,r=${cost}$${salt}$${inner.slice(29)}`;
}
function passlibV1(password: string, cost = 4): string {
  const key = createHash('sha256').update(password).digest('base64');
  const inner = bcryptjs.hashSync(key, cost);
  return `$bcrypt-sha256$2a,${cost}$${inner.slice(7, 29)}$${inner.slice(29)}`;
}

describe('bcrypt_sha256: hashes made by passlib 1.7.4', () => {
  it.each(fixtures.vectors.map((v, i) => ({ ...v, i })))('#$i $hash', async ({ password, hash }) => {
    expect(bcrypt_sha256.identify(hash)).toBe(true);
    expect(bcrypt.identify(hash)).toBe(false);
    expect(await bcrypt_sha256.verify(utf8(password), hash, bcrypt_sha256.defaults)).toBe(true);
    expect(await bcrypt_sha256.verify(utf8(password + '!'), hash, bcrypt_sha256.defaults)).toBe(false);
  });
});

describe('bcrypt_sha256', () => {
  it('verifies v2 and v1 hashes rebuilt independently, long passwords kept whole', async () => {
    const long = 'x'.repeat(100);
    for (const make of [passlibV2, passlibV1]) {
      for (const password of ['secret', 'ünïcödé', long]) {
        const hash = make(password);
        expect(await bcrypt_sha256.verify(utf8(password), hash, fast)).toBe(true);
        expect(await bcrypt_sha256.verify(utf8(password.slice(0, -1)), hash, fast)).toBe(false);
      }
    }
    expect(await bcrypt_sha256.verify(utf8('x'.repeat(99) + 'y'), passlibV2(long), fast)).toBe(false);
  });

  it('hashes v2, readable by the independent construction', async () => {
    const hash = await bcrypt_sha256.hash(utf8('pässword'), fast);
    const match = /^\$bcrypt-sha256\$v=2,t=2b,r=4\$([./A-Za-z0-9]{22})\$([./A-Za-z0-9]{31})$/.exec(hash)!;
    expect(match).not.toBeNull();
    const key = createHmac('sha256', match[1]!).update('pässword').digest('base64');
    expect(bcryptjs.compareSync(key, `$2b$04$${match[1]}${match[2]}`)).toBe(true);
    expect(await bcrypt_sha256.verify(utf8('pässword'), hash, fast)).toBe(true);
  });

  it('needsUpdate: cost per policy, v1 always', () => {
    const v2 = fixtures.vectors[0]!.hash; // r=5
    expect(bcrypt_sha256.needsUpdate(v2, { ...fast, rounds: 5 }, 'exact')).toBe(false);
    expect(bcrypt_sha256.needsUpdate(v2, bcrypt_sha256.defaults, 'exact')).toBe(true);
    expect(bcrypt_sha256.needsUpdate(v2, fast, 'minimum')).toBe(false);
    expect(bcrypt_sha256.needsUpdate(passlibV1('x', 5), { ...fast, rounds: 5 }, 'minimum')).toBe(true);
  });

  it('caps cost, rejects malformed hashes and bad settings', async () => {
    const costly = '$bcrypt-sha256$v=2,t=2b,r=25$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.';
    await expect(bcrypt_sha256.verify(utf8('x'), costly, fast)).rejects.toMatchObject({ scheme: 'bcrypt_sha256' });
    await expect(bcrypt_sha256.verify(utf8('x'), costly, fast)).rejects.toBeInstanceOf(HashCostLimitError);
    for (const bad of [
      '$bcrypt-sha256$v=2,t=2a,r=5$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.',
      '$bcrypt-sha256$v=2,t=2b,r=05$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.',
      '$bcrypt-sha256$v=3,t=2b,r=5$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.',
      '$bcrypt-sha256$v=2,t=2b,r=5$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR',
      '$bcrypt-sha256$2y,5$wzsy07WY57bNvkB5gHHFVO$Xt9FssRnO2CJEqj28wwLiCVM8SaMbR.',
    ]) {
      await expect(bcrypt_sha256.verify(utf8('x'), bad, fast)).rejects.toBeInstanceOf(MalformedHashError);
    }
    await expect(bcrypt_sha256.hash(utf8('x'), { rounds: 3, maxRounds: 20 })).rejects.toBeInstanceOf(ConfigurationError);
    await expect(bcrypt_sha256.hash(utf8('x'), { rounds: 21, maxRounds: 20 })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
