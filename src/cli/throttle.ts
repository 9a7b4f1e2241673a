/** @internal `gatehouse serve`'s throttle options: --throttle-store URL, --throttle-options JSON, --no-throttle. */
import { GatehouseError } from '../errors.js';
import type { ThrottleOptions } from '../http/auth/login-throttle.js';
import { openCounterStore } from '../throttle/open.js';
import { UsageError } from './usage.js';

export interface CliThrottle {
  readonly options: ThrottleOptions | false;
  /** Closes the store's connection (after the server stopped). */
  readonly close: () => Promise<void>;
}

/** The throttle the CLI serves with; bad values throw UsageError (exit 2), an unreachable store a plain error (exit 1). */
export async function throttleFromCli(
  storeUrl: string | undefined,
  optionsJson: string | undefined,
  off: boolean,
): Promise<CliThrottle> {
  if (off) {
    if (storeUrl !== undefined || optionsJson !== undefined) throw new UsageError('--no-throttle takes no --throttle-store or --throttle-options');
    return { options: false, close: async () => {} };
  }
  let policy: ThrottleOptions = {};
  if (optionsJson !== undefined) {
    try {
      policy = JSON.parse(optionsJson) as ThrottleOptions;
    } catch {
      throw new UsageError('--throttle-options must be JSON');
    }
    if (policy === null || typeof policy !== 'object' || Array.isArray(policy) || 'store' in policy) {
      throw new UsageError('--throttle-options must be a JSON object of throttle options (the store is --throttle-store)');
    }
  }
  let store;
  try {
    store = openCounterStore(storeUrl ?? 'memory');
  } catch (error) {
    throw new UsageError(`--throttle-store: ${(error as Error).message}`);
  }
  // Reach the store now: a wrong URL stops here, not at the first failed login.
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
    });
    await Promise.race([store.get('gatehouse:login:startup-check', Date.now()), timeout]).finally(() => clearTimeout(timer));
  } catch (error) {
    await store.close?.();
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    throw new Error(`--throttle-store is unreachable (${error instanceof GatehouseError ? error.message : String(error)}${detail})`);
  }
  return {
    options: { ...policy, store },
    close: async () => {
      await store.close?.();
    },
  };
}
