/**
 * The CLI's flags for other apps' tables (issue 23): --layout, --table-prefix and --wordpress-format
 * are checked before any database is opened (usage errors, exit 2), and named in the help.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/cli.js';

const ENV = { GATEHOUSE_DATABASE: undefined, SECRET_KEY: 'a test key of enough length for HS256 here' };
const DB = ['--database', 'sqlite:/nonexistent/dir/never-opened.db'];

describe('--layout, --table-prefix, --wordpress-format', () => {
  it('refuses what cannot be right before touching a database', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['serve', '--layout', 'laravel'], /--layout and --table-prefix need --database/],
      [['user', 'list', '--layout', 'rails', ...DB], /unknown --layout "rails" \(known: django\|wordpress\|laravel\|fastapi-users\|better-auth\)/],
      [['user', 'list', '--layout', 'laravel', '--table-prefix', 'x_', ...DB], /--table-prefix is for --layout wordpress/],
      [['user', 'list', '--preset', 'wordpress', '--wordpress-format', 'md5', ...DB], /--wordpress-format is phpass/],
    ];
    for (const [args, message] of cases) {
      const result = await run(args, '', ENV);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  }, 60_000);

  it('names the layouts in the help of serve and user', async () => {
    const serve = await run(['serve', '--help'], '', ENV);
    expect(serve.stdout).toContain('--layout NAME');
    expect(serve.stdout).toContain('django|wordpress|laravel|fastapi-users|better-auth');
    const user = await run(['user', 'add', '--help'], '', ENV);
    expect(user.stdout).toContain('--table-prefix P');
  }, 30_000);
});
