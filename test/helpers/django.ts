/**
 * A throwaway Django project for tests: a settings module written here (django.contrib.auth on
 * SQLite or PostgreSQL), `manage.py migrate`, and Django's own ORM driven from small scripts —
 * the old app that shares its `auth_user` table with gatehouse. Uses Debian's python3-django
 * (3.2) through /usr/bin/python3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** True when Django (and psycopg2 for PostgreSQL) can be imported by Debian's python3. */
export function djangoAvailable(postgres = false): boolean {
  const modules = postgres ? 'django, psycopg2' : 'django';
  return existsSync(PYTHON) && spawnSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
}

export type DjangoDatabase =
  | { engine: 'sqlite'; path: string }
  | { engine: 'postgres'; host: string; port: number; name: string; user: string; password?: string };

export interface DjangoProject {
  dir: string;
  /** `python3 -m django <args>` with this project's settings (what `manage.py <args>` runs). */
  manage(args: string[], env?: Record<string, string>): { status: number | null; stdout: string; stderr: string };
  /**
   * Run Python with Django set up and `User` imported; `input` is `data` (JSON), and whatever the
   * code assigns to `result` comes back as JSON.
   */
  run<T = unknown>(code: string, data?: unknown): T;
  remove(): void;
}

function databaseSettings(db: DjangoDatabase): string {
  if (db.engine === 'sqlite') return JSON.stringify({ default: { ENGINE: 'django.db.backends.sqlite3', NAME: db.path } });
  return JSON.stringify({
    default: {
      ENGINE: 'django.db.backends.postgresql',
      HOST: db.host,
      PORT: String(db.port),
      NAME: db.name,
      USER: db.user,
      PASSWORD: db.password ?? '',
    },
  });
}

/** Write the project and migrate it (creates Django's auth_user as Django does). */
export function createDjangoProject(db: DjangoDatabase): DjangoProject {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-django-'));
  writeFileSync(
    join(dir, 'gh_settings.py'),
    [
      'import json',
      "SECRET_KEY = 'gatehouse-test-only'",
      "INSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth']",
      `DATABASES = json.loads(${JSON.stringify(databaseSettings(db))})`,
      'USE_TZ = True',
      "DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'",
      '',
    ].join('\n'),
  );
  const env = { ...process.env, DJANGO_SETTINGS_MODULE: 'gh_settings', PYTHONPATH: dir, PYTHONWARNINGS: 'ignore' };
  const project: DjangoProject = {
    dir,
    manage(args, extra = {}) {
      const r = spawnSync(PYTHON, ['-m', 'django', ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    },
    run<T>(code: string, data?: unknown): T {
      const script = [
        'import json, sys, django',
        'django.setup()',
        'from django.contrib.auth import authenticate, get_user_model',
        'User = get_user_model()',
        'data = json.load(sys.stdin)',
        'result = None',
        code,
        'json.dump(result, sys.stdout)',
      ].join('\n');
      const r = spawnSync(PYTHON, ['-c', script], { cwd: dir, env, encoding: 'utf8', input: JSON.stringify(data ?? null) });
      if (r.status !== 0) throw new Error(`Django script failed (${r.status}): ${r.stderr}`);
      return JSON.parse(r.stdout) as T;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const migrated = project.manage(['migrate', '--noinput', '-v', '0']);
  if (migrated.status !== 0) throw new Error(`manage.py migrate failed: ${migrated.stderr}`);
  return project;
}
