/*
 * The expensive part of bcrypt, EksBlowfish's 2^cost rounds of ExpandKey(state, 0, key) then
 * ExpandKey(state, 0, salt), for WebAssembly. Everything else (setup, output) stays in
 * TypeScript (../blowfish.ts), which also runs these rounds itself where WebAssembly cannot be
 * compiled at run time.
 *
 * Build: node scripts/build-bcrypt-wasm.mjs (Debian's clang and lld, no libc).
 *
 * The host writes the state into `state` before a call and reads it back after:
 *   words    0..1023  S-boxes (4 x 256)
 *   words 1024..1041  P-array
 *   words 1042..1059  the key cycled to 18 words
 *   words 1060..1077  the salt cycled to 18 words
 * The build links `state` at address 0 (--global-base=0): S-box loads are then just
 * `i32.load offset=0x400*n (index << 2)`, with no base address to add (~7% faster on V8).
 */
typedef unsigned int u32;

#define P_WORDS 18
#define S_WORDS 1024
#define STATE_WORDS (P_WORDS + S_WORDS + 2 * P_WORDS)

static u32 state[STATE_WORDS];

__attribute__((export_name("state"))) u32 *state_address(void) { return state; }

/* Blowfish's F: ((S0[a] + S1[b]) ^ S2[c]) + S3[d], the S-boxes back to back. */
#define F(S, x) \
  ((((S)[(x) >> 24] + (S)[0x100 | (((x) >> 16) & 0xff)]) ^ (S)[0x200 | (((x) >> 8) & 0xff)]) + \
   (S)[0x300 | ((x) & 0xff)])

/* One block encryption of (l, r), 16 rounds unrolled; p0..p17 are the subkeys. */
#define ENCRYPT(S, l, r, p)                                      \
  do {                                                           \
    l ^= p[0];                                                   \
    r ^= F(S, l) ^ p[1];  l ^= F(S, r) ^ p[2];                   \
    r ^= F(S, l) ^ p[3];  l ^= F(S, r) ^ p[4];                   \
    r ^= F(S, l) ^ p[5];  l ^= F(S, r) ^ p[6];                   \
    r ^= F(S, l) ^ p[7];  l ^= F(S, r) ^ p[8];                   \
    r ^= F(S, l) ^ p[9];  l ^= F(S, r) ^ p[10];                  \
    r ^= F(S, l) ^ p[11]; l ^= F(S, r) ^ p[12];                  \
    r ^= F(S, l) ^ p[13]; l ^= F(S, r) ^ p[14];                  \
    r ^= F(S, l) ^ p[15]; l ^= F(S, r) ^ p[16];                  \
    u32 t = r ^ p[17];                                           \
    r = l;                                                       \
    l = t;                                                       \
  } while (0)

/* ExpandKey(state, 0, words): P ^= words, then re-key P and S from a zero block. */
static inline void expand_zero(u32 *restrict P, u32 *restrict S, const u32 *restrict words) {
  for (int i = 0; i < P_WORDS; i++) P[i] ^= words[i];
  u32 l = 0, r = 0;
  for (int i = 0; i < P_WORDS; i += 2) {
    ENCRYPT(S, l, r, P);
    P[i] = l;
    P[i + 1] = r;
  }
  /* P is fixed while the S-boxes are rewritten: a copy the compiler can keep in locals. */
  u32 p[P_WORDS];
  for (int i = 0; i < P_WORDS; i++) p[i] = P[i];
  for (int i = 0; i < S_WORDS; i += 2) {
    ENCRYPT(S, l, r, p);
    S[i] = l;
    S[i + 1] = r;
  }
}

/* `count` rounds of the expensive key schedule. */
__attribute__((export_name("rounds"))) void rounds(u32 count) {
  u32 *S = state;
  u32 *P = state + S_WORDS;
  const u32 *key = state + S_WORDS + P_WORDS;
  const u32 *salt = key + P_WORDS;
  while (count--) {
    expand_zero(P, S, key);
    expand_zero(P, S, salt);
  }
}
