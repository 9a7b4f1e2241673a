/**
 * DES (FIPS 46-3) as the traditional Unix crypt(3) uses it: 25 encryptions of a zero block under
 * a key made of the password's first 8 bytes, with the E expansion perturbed by a 12-bit salt.
 * Bit-array code after Version 7 Unix's crypt.c: slow by DES standards, and fine for 25 blocks.
 * Only for verifying legacy hashes.
 */

// Tables of FIPS 46-3, 1-based bit positions.
const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
];
const E = [
  32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
  16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1,
];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
];
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];
/** The final permutation, the inverse of IP. */
const FP = IP.map((_, i) => IP.indexOf(i + 1) + 1);

function toBits(bytes: Uint8Array): Uint8Array {
  const bits = new Uint8Array(bytes.length * 8);
  for (let i = 0; i < bits.length; i++) bits[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return bits;
}

function fromBits(bits: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(bits.length / 8);
  for (let i = 0; i < bits.length; i++) bytes[i >> 3]! |= bits[i]! << (7 - (i & 7));
  return bytes;
}

/** The 16 round keys of 48 bits. */
function keySchedule(key: Uint8Array): Uint8Array[] {
  const keyBits = toBits(key);
  const cd = Uint8Array.from(PC1, (position) => keyBits[position - 1]!);
  const rounds: Uint8Array[] = [];
  for (const shift of SHIFTS) {
    for (let s = 0; s < shift; s++) {
      const c0 = cd[0]!;
      const d0 = cd[28]!;
      cd.copyWithin(0, 1, 28);
      cd.copyWithin(28, 29, 56);
      cd[27] = c0;
      cd[55] = d0;
    }
    rounds.push(Uint8Array.from(PC2, (position) => cd[position - 1]!));
  }
  return rounds;
}

/** Encrypt the 64-bit block in place with the given round keys and (salted) expansion table. */
function encryptBits(block: Uint8Array, keys: readonly Uint8Array[], expansion: readonly number[]): void {
  const lr = Uint8Array.from(IP, (position) => block[position - 1]!);
  const f = new Uint8Array(32);
  const pre = new Uint8Array(48);
  for (const k of keys) {
    for (let j = 0; j < 48; j++) pre[j] = lr[32 + expansion[j]! - 1]! ^ k[j]!;
    for (let box = 0; box < 8; box++) {
      const t = 6 * box;
      const row = (pre[t]! << 1) | pre[t + 5]!;
      const column = (pre[t + 1]! << 3) | (pre[t + 2]! << 2) | (pre[t + 3]! << 1) | pre[t + 4]!;
      const value = S[box]![row * 16 + column]!;
      for (let b = 0; b < 4; b++) f[4 * box + b] = (value >> (3 - b)) & 1;
    }
    for (let j = 0; j < 32; j++) {
      const left = lr[j]!;
      lr[j] = lr[32 + j]!;
      lr[32 + j] = left ^ f[P[j]! - 1]!;
    }
  }
  // The last round's halves are not swapped: undo the loop's swap before the final permutation.
  for (let j = 0; j < 64; j++) block[j] = lr[(FP[j]! - 1 + 32) % 64]!;
}

/** DES encryption of one 8-byte block (for known-answer tests of the tables). */
export function desEncryptBlock(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const block = toBits(plaintext);
  encryptBits(block, keySchedule(key), E);
  return fromBits(block);
}

/**
 * crypt(3)'s DES: `count` encryptions of a zero block; salt bit i (0..11) swaps E entries i and
 * i + 24. `key` is the 8 key bytes (the password's bytes shifted left by one).
 */
export function desCryptBlock(key: Uint8Array, salt: number, count = 25): Uint8Array {
  const expansion = [...E];
  for (let i = 0; i < 12; i++) {
    if ((salt >> i) & 1) [expansion[i], expansion[i + 24]] = [expansion[i + 24]!, expansion[i]!];
  }
  const keys = keySchedule(key);
  const block = new Uint8Array(64);
  for (let i = 0; i < count; i++) encryptBits(block, keys, expansion);
  return fromBits(block);
}
