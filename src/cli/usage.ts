/** The CLI's usage errors (exit 2, one line and where to read more) and its argument parser that raises them. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A mistake in how the command was called: printed as one line, then `see gatehouse COMMAND --help`
 * (`help` names the command whose help to point at; default the whole `gatehouse --help`), exit status 2.
 */
export class UsageError extends Error {
  help: string | undefined;
  constructor(message: string, help?: string) {
    super(message);
    this.help = help;
  }
}

export const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Edit distance between two strings (optimal string alignment: an insertion, deletion,
 * substitution or swap of two neighbours counts 1), e.g. databse -> database is 1.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]!.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]!.push(best);
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The candidate closest to `given`, when close enough to be a typo: at most 1 edit for words of up to
 * 4 characters, 2 up to 8, 3 beyond; a tie between two candidates suggests neither.
 */
export function closest(given: string, candidates: Iterable<string>): string | undefined {
  const limit = given.length <= 4 ? 1 : given.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  let tie = false;
  for (const candidate of candidates) {
    const distance = editDistance(given.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      [best, bestDistance, tie] = [candidate, distance, false];
    } else if (distance === bestDistance && candidate !== best) {
      tie = true;
    }
  }
  return best !== undefined && bestDistance <= limit && !tie ? best : undefined;
}

/** `unknown WHAT "given"` with `(did you mean X?)` when one of `known` is close. */
export function unknown(what: string, given: string, known: Iterable<string>, help?: string, prefix = ''): UsageError {
  const near = closest(given, known);
  // Shown as typed unless it holds control characters (a hostile argument must not drive the terminal).
  const shown = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(given) ? JSON.stringify(given) : given;
  return new UsageError(`unknown ${what} ${prefix}${shown}${near === undefined ? '' : ` (did you mean ${prefix}${near}?)`}`, help);
}

/**
 * parseArgs, with its complaints turned into one-line usage errors (exit 2) that point at
 * `gatehouse <help> --help`: an unknown option is named with the closest known one, if any.
 */
export function parse<T extends ParseArgsConfig>(config: T, help?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(describeParseError(error as Error & { code?: string }, config), help);
  }
}

function describeParseError(error: Error & { code?: string }, config: ParseArgsConfig): string {
  const options = config.options ?? {};
  const quoted = /'([^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      // "Unknown option '--databse'. To specify a positional argument starting with a '-', ..."
      const given = quoted ?? '';
      if (!given.startsWith('--')) return `unknown option ${given}`;
      const name = given.slice(2).split('=', 1)[0]!;
      return unknown('option', name, Object.keys(options), undefined, '--').message;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      // "Option '--port <value>' argument missing", "... argument is ambiguous", "Option '--scopes' does not take an argument"
      const option = quoted?.split(' ', 1)[0] ?? 'an option';
      if (/does not take an argument/.test(error.message)) return `${option} takes no value`;
      if (/ambiguous/.test(error.message)) return `${option} needs a value (for one starting with "-", write ${option}=VALUE)`;
      return `${option} needs a value`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}`.trimEnd();
    default:
      return error.message;
  }
}
