/**
 * The fold under which two usernames are the same account to a person and to the login throttle:
 * NFKC, then lower case (`JohnDoe`, fullwidth `ｊohndoe` and `johndoe`; NFC and NFD `josé`). Stores
 * refuse a new name whose fold equals an existing one's, so an attacker cannot own a look-alike of
 * a victim's account (issue #18: its successful logins would reset the victim's throttle counter).
 */

/** @internal NFKC + lower case, the throttle's fold (throttle/policy.ts counts under it too). */
export function foldUsername(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/**
 * @internal The groups of names (two or more each) that share a fold, in the order first seen.
 *
 * @example
 * lookAlikeGroups(['JohnDoe', 'alice', 'johndoe']); // [['JohnDoe', 'johndoe']]
 */
export function lookAlikeGroups(names: Iterable<string>): string[][] {
  const byFold = new Map<string, string[]>();
  for (const name of names) {
    const fold = foldUsername(name);
    const group = byFold.get(fold);
    if (group) group.push(name);
    else byFold.set(fold, [name]);
  }
  return [...byFold.values()].filter((group) => group.length > 1);
}
