/**
 * Issue 7, part 5: after a failed verify of a hash cheaper than the default scheme, login spends
 * the rest of a dummy verify's time, so a wrong password and an unknown user cost the same. Checked
 * here with fake schemes on a fake clock (the mechanism); the wall-clock ratios for every scheme of
 * the default context are measured in bench/authenticate.bench.ts.
 */
import { describe, expect, it } from 'vitest';
import type { CryptContextTestOptions } from '../../../src/passwords/context.js';
import type { PasswordScheme } from '../../../src/passwords/index.js';
import { CryptContext } from '../../../src/passwords/registry.js';
import { authenticateUser, createMemoryUserStore } from '../../../src/users/index.js';

/** Schemes whose verify advances the fake clock by a cost written in the hash: `$fake-<name>$<ms>$<password>`. */
function fakeWorld() {
  let t = 0;
  const slept: number[] = [];
  const scheme = (name: string, cost: () => number): PasswordScheme => ({
    name,
    defaults: {},
    identify: (hash) => hash.startsWith(`$${name}$`),
    hash: async (password) => `$${name}$${new TextDecoder().decode(password)}`,
    verify: async (password, hash) => {
      t += cost();
      return hash === `$${name}$${new TextDecoder().decode(password)}`;
    },
    needsUpdate: () => false,
  });
  let defaultCost = 100;
  const options: CryptContextTestOptions = {
    schemes: [scheme('slow', () => defaultCost), scheme('cheap', () => 5), scheme('medium', () => 40), scheme('costly', () => 300)],
    timing: {
      now: () => t,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    },
  };
  const context = new CryptContext(options);
  const store = createMemoryUserStore({
    legacy: { username: 'legacy', hashed_password: '$cheap$right' },
    bcrypt12: { username: 'bcrypt12', hashed_password: '$medium$right' },
    modern: { username: 'modern', hashed_password: '$slow$right' },
    heavy: { username: 'heavy', hashed_password: '$costly$right' },
  });
  const timed = async (username: string, password: string) => {
    const start = t;
    const user = await authenticateUser(store, username, password, { context });
    return { ok: user !== null, ms: t - start };
  };
  return { context, timed, slept, setDefaultCost: (ms: number) => (defaultCost = ms) };
}

describe('hardenRuntime', () => {
  it('a wrong password on a hash close to the default waits out the rest of a dummy verify', async () => {
    const world = fakeWorld();
    expect(await world.timed('ghost', 'x')).toEqual({ ok: false, ms: 100 }); // measures the dummy verify
    expect(await world.timed('bcrypt12', 'wrong')).toEqual({ ok: false, ms: 100 });
    expect(world.slept).toEqual([60]); // waited, not computed
    expect(await world.timed('modern', 'wrong')).toEqual({ ok: false, ms: 100 }); // no pad needed
    expect(world.slept).toEqual([60]);
  });

  it('a wrong password on a cheap hash runs a real dummy verify: at most 10% longer, following the load', async () => {
    const world = fakeWorld();
    await world.timed('ghost', 'x');
    expect(await world.timed('legacy', 'wrong')).toEqual({ ok: false, ms: 105 });
    world.setDefaultCost(300); // the machine got busier: both follow at once
    expect(await world.timed('legacy', 'wrong')).toEqual({ ok: false, ms: 305 });
    expect(await world.timed('ghost', 'x')).toEqual({ ok: false, ms: 300 });
    expect(world.slept).toEqual([]);
  });

  it('with no estimate yet, the pad is a real dummy verify (which measures it)', async () => {
    const world = fakeWorld();
    expect(await world.timed('bcrypt12', 'wrong')).toEqual({ ok: false, ms: 140 });
    expect(world.slept).toEqual([]);
    expect((await world.timed('bcrypt12', 'wrong')).ms).toBe(100);
  });

  it('right passwords and costlier hashes are not padded', async () => {
    const world = fakeWorld();
    await world.timed('ghost', 'x');
    expect(await world.timed('legacy', 'right')).toEqual({ ok: true, ms: 5 });
    expect(await world.timed('bcrypt12', 'right')).toEqual({ ok: true, ms: 40 });
    expect(await world.timed('heavy', 'wrong')).toEqual({ ok: false, ms: 300 });
    expect(world.slept).toEqual([]);
  });

  it('the estimate is the median of recent dummy verifies: it follows the load, not one outlier', async () => {
    const world = fakeWorld();
    await world.timed('ghost', 'x');
    world.setDefaultCost(200); // the machine got busier
    for (let i = 0; i < 7; i++) await world.timed('ghost', 'x');
    expect((await world.timed('bcrypt12', 'wrong')).ms).toBe(200);
    world.setDefaultCost(5000);
    await world.timed('ghost', 'x');
    world.setDefaultCost(200);
    expect((await world.timed('bcrypt12', 'wrong')).ms).toBe(200);
  });

  it('verify itself is unchanged: hardening is the login\'s', async () => {
    const world = fakeWorld();
    expect(await world.context.verify('wrong', '$cheap$right')).toBe(false);
    expect(world.slept).toEqual([]);
  });
});
