/** The CLI's typo suggestions (issue 20): edit distance, and a suggestion only when one candidate is close. */
import { describe, expect, it } from 'vitest';
import { closest, editDistance, parse } from '../../../src/cli/usage.js';

describe('gatehouse CLI suggestions', () => {
  it('editDistance counts insertions, deletions, substitutions and swaps of neighbours as 1', () => {
    expect(editDistance('database', 'database')).toBe(0);
    expect(editDistance('databse', 'database')).toBe(1); // a letter left out
    expect(editDistance('dtaabase', 'database')).toBe(1); // two letters swapped
    expect(editDistance('port', 'part')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('closest suggests the near candidate, nothing when none is near or two are as near', () => {
    const serve = ['help', 'port', 'host', 'users', 'database', 'scopes', 'preset', 'trusted-proxy', 'throttle-store'];
    expect(closest('databse', serve)).toBe('database');
    expect(closest('DATABASE', serve)).toBe('database');
    expect(closest('trusted-proxies', serve)).toBe('trusted-proxy');
    expect(closest('prot', serve)).toBe('port');
    expect(closest('zzzzzzz', serve)).toBeUndefined();
    expect(closest('x', serve)).toBeUndefined();
    expect(closest('hort', ['port', 'host'])).toBeUndefined(); // one edit from both: no guess
  });

  it("parse turns node's parseArgs text into one line naming the option", () => {
    const options = { database: { type: 'string' }, scopes: { type: 'boolean' } } as const;
    const message = (args: string[]) => {
      try {
        parse({ args, options });
      } catch (error) {
        return (error as Error).message;
      }
      return 'parsed';
    };
    expect(message(['--databse', 'x'])).toBe('unknown option --databse (did you mean --database?)');
    expect(message(['--databse=x'])).toBe('unknown option --databse (did you mean --database?)');
    expect(message(['--frobnicate'])).toBe('unknown option --frobnicate');
    expect(message(['--database'])).toBe('--database needs a value');
    expect(message(['--scopes=yes'])).toBe('--scopes takes no value');
    expect(message(['stray'])).toBe('unexpected argument stray');
    expect(message(['--database', 'x'])).toBe('parsed');
  });
});
