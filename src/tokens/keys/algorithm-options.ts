/** Checks of the `algorithm` / `algorithms` options (one place, for import, create and verify). */
import { algorithmInfo, type TokenAlgorithm } from '../algorithms.js';
import { TokenKeyError } from '../errors.js';

/** The algorithm, or TokenKeyError when it is not one gatehouse implements. */
export function checkAlgorithmOption(value: unknown, label: string): TokenAlgorithm | undefined {
  if (value === undefined) return undefined;
  if (!algorithmInfo(value)) throw new TokenKeyError(`${label} is not a supported JWS algorithm`);
  return value as TokenAlgorithm;
}

/** A non-empty list of supported algorithms, or TokenKeyError. */
export function checkAlgorithmList(value: unknown, label: string): TokenAlgorithm[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw new TokenKeyError(`${label} must be a non-empty array`);
  return value.map((alg) => checkAlgorithmOption(alg, `every entry of ${label}`)!);
}
