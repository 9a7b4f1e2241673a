/** The CLI's usage errors (exit 2, with the usage text) and its argument parser that raises them. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: printed with the usage text, exit status 2. */
export class UsageError extends Error {}

export const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** parseArgs, with its complaints turned into usage errors (exit 2). */
export function parse<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
