/** verifyAccessToken's maxTokenAge (issue 7, part 6), against tokens signed by PyJWT's rules via node:crypto. */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors.js';
import { importTokenKey, TokenClaimError, verifyAccessToken } from '../../../src/tokens/index.js';
import { KEY, craft } from '../../helpers/http.js';

const NOW = 1_800_000_000;
const at = new Date(NOW * 1000);

describe('maxTokenAge', () => {
  const cases: Array<[string, Record<string, unknown>, number | string, boolean]> = [
    ['exp - iat equal to the limit', { iat: NOW - 100, exp: NOW + 3500 }, 3600, true],
    ['exp - iat one second over', { iat: NOW - 100, exp: NOW + 3501 }, 3600, false],
    ['no iat: exp - now within', { exp: NOW + 3600 }, '1h', true],
    ['no iat: exp - now over', { exp: NOW + 3601 }, '1h', false],
    ['no iat: a year', { exp: NOW + 31_536_000 }, '30m', false],
    ['iat far in the past, exp soon', { iat: NOW - 86_400, exp: NOW + 60 }, '1h', false],
    ['a duration string', { iat: NOW, exp: NOW + 1800 }, '30 minutes', true],
  ];
  for (const [name, claims, maxTokenAge, ok] of cases) {
    it(`${name}: ${ok ? 'accepted' : 'refused'}`, async () => {
      const verdict = verifyAccessToken(craft({ payload: { sub: 'alice', ...claims } }), { key: KEY, currentDate: at, maxTokenAge });
      if (ok) expect((await verdict).sub).toBe('alice');
      else await expect(verdict).rejects.toBeInstanceOf(TokenClaimError);
    });
  }

  it('clockTolerance widens the exp - now rule only', async () => {
    const token = craft({ payload: { sub: 'alice', exp: NOW + 3630 } });
    await expect(verifyAccessToken(token, { key: KEY, currentDate: at, maxTokenAge: 3600 })).rejects.toBeInstanceOf(TokenClaimError);
    expect((await verifyAccessToken(token, { key: KEY, currentDate: at, maxTokenAge: 3600, clockTolerance: 30 })).sub).toBe('alice');
  });

  it('a token without exp is refused even with requireExp: false', async () => {
    const token = craft({ payload: { sub: 'alice' } });
    expect((await verifyAccessToken(token, { key: KEY, currentDate: at, requireExp: false })).sub).toBe('alice');
    await expect(verifyAccessToken(token, { key: KEY, currentDate: at, requireExp: false, maxTokenAge: 60 })).rejects.toThrow(/exp/);
  });

  it('a cached token is held to the rule of each call', async () => {
    const key = await importTokenKey(KEY);
    const token = craft({ payload: { sub: 'alice', exp: NOW + 7200 } });
    expect((await verifyAccessToken(token, { key, currentDate: at })).sub).toBe('alice'); // now cached
    await expect(verifyAccessToken(token, { key, currentDate: at, maxTokenAge: '1h' })).rejects.toBeInstanceOf(TokenClaimError);
  });

  it('a bad maxTokenAge is a ConfigurationError', async () => {
    for (const bad of [-1, 'forever', Number.NaN]) {
      await expect(verifyAccessToken(craft({ payload: { sub: 'a', exp: NOW + 5 } }), { key: KEY, currentDate: at, maxTokenAge: bad })).rejects.toBeInstanceOf(ConfigurationError);
    }
  });
});
