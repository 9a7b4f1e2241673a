/**
 * EksBlowfish ("expensive key schedule Blowfish"), the core of bcrypt, in plain TypeScript.
 *
 * State is two Int32Arrays (P: 18 words, S: the four S-boxes back to back, 1024 words), words are
 * int32 and every sum is folded back by the following `^`, so V8 keeps it all in integer registers.
 * The hot loop (filling the S-boxes, 512 block encryptions per key expansion) has the 16 Feistel
 * rounds unrolled and the P-array in local variables: the S-boxes change during the fill, P does not.
 */
import { PI_HEX } from './blowfish-pi.js';

/** Words in the state: P-array (18) then S-boxes (4 x 256). */
export const STATE_WORDS = 18 + 1024;

let piWords: Int32Array | undefined;

/** Blowfish's initial state, the hex digits of pi (parsed once, on first use). */
export function piState(): Int32Array {
  if (!piWords) {
    const words = new Int32Array(STATE_WORDS);
    for (let i = 0; i < STATE_WORDS; i++) words[i] = parseInt(PI_HEX.slice(8 * i, 8 * i + 8), 16) | 0;
    piWords = words;
  }
  return piWords;
}

export interface BlowfishState {
  readonly P: Int32Array;
  readonly S: Int32Array;
}

/** A fresh state holding the initial (pi) values. */
export function newState(): BlowfishState {
  const pi = piState();
  return { P: pi.slice(0, 18), S: pi.slice(18) };
}

/**
 * The 18 words that a byte string contributes to the P-array: the bytes read big-endian,
 * cycling back to the start whenever they run out (Blowfish_stream2word).
 */
export function cycleWords(bytes: Uint8Array): Int32Array {
  if (bytes.length === 0) throw new RangeError('key stream needs at least one byte');
  const out = new Int32Array(18);
  let j = 0;
  for (let i = 0; i < 18; i++) {
    let word = 0;
    for (let k = 0; k < 4; k++) {
      word = (word << 8) | bytes[j]!;
      j = j + 1 === bytes.length ? 0 : j + 1;
    }
    out[i] = word;
  }
  return out;
}

/** Encrypt the block lr[0..1] in place with the current state (P read from memory: it may be changing). */
export function encryptBlock(P: Int32Array, S: Int32Array, lr: Int32Array): void {
  let l = lr[0]! ^ P[0]!;
  let r = lr[1]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[1]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[2]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[3]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[4]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[5]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[6]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[7]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[8]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[9]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[10]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[11]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[12]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[13]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[14]!;
  r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ P[15]!;
  l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ P[16]!;
  lr[0] = r ^ P[17]!;
  lr[1] = l;
}

/**
 * ExpandKey(state, salt, key): P ^= key words, then re-key P and S by encrypting a running block
 * that is xored with successive salt words before each encryption. Run once per hash.
 */
export function expandKey({ P, S }: BlowfishState, keyWords: Int32Array, saltWords: Int32Array): void {
  for (let i = 0; i < 18; i++) P[i] = P[i]! ^ keyWords[i]!;
  const lr = new Int32Array(2);
  let s = 0;
  for (let i = 0; i < 18; i += 2) {
    lr[0] = lr[0]! ^ saltWords[s]!;
    lr[1] = lr[1]! ^ saltWords[s + 1]!;
    s = (s + 2) & 3;
    encryptBlock(P, S, lr);
    P[i] = lr[0]!;
    P[i + 1] = lr[1]!;
  }
  for (let i = 0; i < 1024; i += 2) {
    lr[0] = lr[0]! ^ saltWords[s]!;
    lr[1] = lr[1]! ^ saltWords[s + 1]!;
    s = (s + 2) & 3;
    encryptBlock(P, S, lr);
    S[i] = lr[0]!;
    S[i + 1] = lr[1]!;
  }
}

const pFill = new Int32Array(2);

/**
 * ExpandKey(state, 0, key): P ^= key words, then re-key P and S by encrypting a running block
 * that starts at zero. bcrypt runs this 2^(cost+1) times; it is the whole cost of a hash.
 */
export function expandZero(P: Int32Array, S: Int32Array, keyWords: Int32Array): void {
  for (let i = 0; i < 18; i++) P[i] = P[i]! ^ keyWords[i]!;
  const lr = pFill;
  lr[0] = 0;
  lr[1] = 0;
  for (let i = 0; i < 18; i += 2) {
    encryptBlock(P, S, lr);
    P[i] = lr[0]!;
    P[i + 1] = lr[1]!;
  }
  // P is fixed from here on: keep it in locals while the S-boxes are rewritten.
  const p0 = P[0]!, p1 = P[1]!, p2 = P[2]!, p3 = P[3]!, p4 = P[4]!, p5 = P[5]!;
  const p6 = P[6]!, p7 = P[7]!, p8 = P[8]!, p9 = P[9]!, p10 = P[10]!, p11 = P[11]!;
  const p12 = P[12]!, p13 = P[13]!, p14 = P[14]!, p15 = P[15]!, p16 = P[16]!, p17 = P[17]!;
  let l = lr[0]!;
  let r = lr[1]!;
  for (let i = 0; i < 1024; i += 2) {
    // Feistel round: half ^= F(other half) ^ P[n], F(x) = ((S0[a] + S1[b]) ^ S2[c]) + S3[d].
    l ^= p0;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p1;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p2;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p3;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p4;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p5;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p6;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p7;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p8;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p9;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p10;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p11;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p12;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p13;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p14;
    r ^= (((S[l >>> 24]! + S[0x100 | ((l >>> 16) & 0xff)]!) ^ S[0x200 | ((l >>> 8) & 0xff)]!) + S[0x300 | (l & 0xff)]!) ^ p15;
    l ^= (((S[r >>> 24]! + S[0x100 | ((r >>> 16) & 0xff)]!) ^ S[0x200 | ((r >>> 8) & 0xff)]!) + S[0x300 | (r & 0xff)]!) ^ p16;
    // Output swaps the halves: (r ^ P[17], l).
    const t = r ^ p17;
    r = l;
    l = t;
    S[i] = l;
    S[i + 1] = r;
  }
}

/** bcrypt's magic plaintext, "OrpheanBeholderScryDoubt", as six big-endian words. */
const ORPHEAN = Int32Array.of(0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274);

/** Encrypt "OrpheanBeholderScryDoubt" 64 times with the final state; the 24 bytes big-endian. */
export function orpheanDigest({ P, S }: BlowfishState): Uint8Array {
  const block = ORPHEAN.slice();
  const lr = new Int32Array(2);
  for (let b = 0; b < 6; b += 2) {
    lr[0] = block[b]!;
    lr[1] = block[b + 1]!;
    for (let n = 0; n < 64; n++) encryptBlock(P, S, lr);
    block[b] = lr[0]!;
    block[b + 1] = lr[1]!;
  }
  const out = new Uint8Array(24);
  for (let i = 0; i < 6; i++) {
    const w = block[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out;
}
