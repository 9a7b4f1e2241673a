// Argon2 (RFC 9106), versions 0x10 and 0x13, types d, i and id, for WebAssembly, no libc.
// Built twice by scripts/build-argon2-wasm.mjs: with -msimd128 (the block function on v128
// vectors) and without (plain 64-bit words); both give the same bytes.
//
// The host (kdf/argon2-core.ts) owns the memory: it imports one, grows it to hold the blocks,
// writes password | salt | secret | associated data at heap_base(), calls setup(), then fill()
// or fill_lanes() for every segment (in pieces, yielding between them), then finish(), and wipes
// the memory.

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;

#define EXPORT(name) __attribute__((export_name(#name)))

// ---- BLAKE2b (RFC 7693), unkeyed, digest length 1..64 ----

static const u64 IV[8] = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

static const u8 SIGMA[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
};

typedef struct {
  u64 h[8];
  u64 t; // bytes compressed so far (inputs here stay far below 2^64)
  u8 buf[128];
  u32 fill;
  u32 outlen;
} blake2b;

static inline u64 rotr64(u64 x, u32 n) { return (x >> n) | (x << (64 - n)); }

static u64 load64(const u8 *p) {
  u64 v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void store32(u8 *p, u32 v) {
  for (int i = 0; i < 4; i++) p[i] = (u8)(v >> (8 * i));
}

static void store64(u8 *p, u64 v) {
  for (int i = 0; i < 8; i++) p[i] = (u8)(v >> (8 * i));
}

static void bytes_copy(u8 *to, const u8 *from, u32 n) {
  for (u32 i = 0; i < n; i++) to[i] = from[i];
}

// A zeroing loop the compiler must keep (secrets live in these buffers).
static void wipe(void *p, u32 n) {
  volatile u8 *q = (volatile u8 *)p;
  for (u32 i = 0; i < n; i++) q[i] = 0;
}

#define B2G(a, b, c, d, x, y)  \
  do {                         \
    a = a + b + (x);           \
    d = rotr64(d ^ a, 32);     \
    c = c + d;                 \
    b = rotr64(b ^ c, 24);     \
    a = a + b + (y);           \
    d = rotr64(d ^ a, 16);     \
    c = c + d;                 \
    b = rotr64(b ^ c, 63);     \
  } while (0)

static void blake2b_compress(blake2b *s, const u8 *block, int last) {
  u64 m[16], v[16];
  for (int i = 0; i < 16; i++) m[i] = load64(block + 8 * i);
  for (int i = 0; i < 8; i++) {
    v[i] = s->h[i];
    v[i + 8] = IV[i];
  }
  v[12] ^= s->t;
  if (last) v[14] = ~v[14];
  for (int r = 0; r < 12; r++) {
    const u8 *z = SIGMA[r];
    B2G(v[0], v[4], v[8], v[12], m[z[0]], m[z[1]]);
    B2G(v[1], v[5], v[9], v[13], m[z[2]], m[z[3]]);
    B2G(v[2], v[6], v[10], v[14], m[z[4]], m[z[5]]);
    B2G(v[3], v[7], v[11], v[15], m[z[6]], m[z[7]]);
    B2G(v[0], v[5], v[10], v[15], m[z[8]], m[z[9]]);
    B2G(v[1], v[6], v[11], v[12], m[z[10]], m[z[11]]);
    B2G(v[2], v[7], v[8], v[13], m[z[12]], m[z[13]]);
    B2G(v[3], v[4], v[9], v[14], m[z[14]], m[z[15]]);
  }
  for (int i = 0; i < 8; i++) s->h[i] ^= v[i] ^ v[i + 8];
  wipe(m, sizeof m);
  wipe(v, sizeof v);
}

static void blake2b_init(blake2b *s, u32 outlen) {
  for (int i = 0; i < 8; i++) s->h[i] = IV[i];
  s->h[0] ^= 0x01010000ULL ^ outlen;
  s->t = 0;
  s->fill = 0;
  s->outlen = outlen;
}

static void blake2b_update(blake2b *s, const u8 *in, u32 n) {
  while (n > 0) {
    if (s->fill == 128) {
      // Compress a full buffer only once more input follows: the last block is compressed in final.
      s->t += 128;
      blake2b_compress(s, s->buf, 0);
      s->fill = 0;
    }
    u32 take = 128 - s->fill;
    if (take > n) take = n;
    bytes_copy(s->buf + s->fill, in, take);
    s->fill += take;
    in += take;
    n -= take;
  }
}

static void blake2b_update32(blake2b *s, u32 v) {
  u8 b[4];
  store32(b, v);
  blake2b_update(s, b, 4);
}

static void blake2b_final(blake2b *s, u8 *out) {
  s->t += s->fill;
  for (u32 i = s->fill; i < 128; i++) s->buf[i] = 0;
  blake2b_compress(s, s->buf, 1);
  u8 full[64];
  for (int i = 0; i < 8; i++) store64(full + 8 * i, s->h[i]);
  bytes_copy(out, full, s->outlen);
  wipe(full, sizeof full);
  wipe(s, sizeof *s);
}

// H' (RFC 9106 section 3.3): the variable-length hash of `prefix` (4 bytes of length come first).
static void hprime(u8 *out, u32 outlen, const u8 *in, u32 inlen) {
  blake2b s;
  if (outlen <= 64) {
    blake2b_init(&s, outlen);
    blake2b_update32(&s, outlen);
    blake2b_update(&s, in, inlen);
    blake2b_final(&s, out);
    return;
  }
  u8 v[64];
  blake2b_init(&s, 64);
  blake2b_update32(&s, outlen);
  blake2b_update(&s, in, inlen);
  blake2b_final(&s, v);
  bytes_copy(out, v, 32);
  out += 32;
  u32 remaining = outlen - 32;
  while (remaining > 64) {
    blake2b_init(&s, 64);
    blake2b_update(&s, v, 64);
    blake2b_final(&s, v);
    bytes_copy(out, v, 32);
    out += 32;
    remaining -= 32;
  }
  blake2b_init(&s, remaining);
  blake2b_update(&s, v, 64);
  blake2b_final(&s, out);
  wipe(v, sizeof v);
}

// ---- the block function G (RFC 9106 section 3.5) ----

#define BLOCK_WORDS 128
typedef struct {
  u64 v[BLOCK_WORDS];
} block;

// Load one word of each of a reference block's 16 cache lines before fill_block() runs: the block
// is usually far away in memory, and the loads of fill_block's copy loop come too late (the CPU's
// window of instructions in flight ends before the last lines are asked for), so the misses would
// come in two or three waves instead of one. The volatile sink keeps the loads.
static volatile u64 touch_sink;
static inline __attribute__((always_inline)) void touch_block(const block *b) {
  u64 any = 0;
  for (int i = 0; i < BLOCK_WORDS; i += 8) any ^= b->v[i];
  touch_sink = any;
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

// x + y + 2 * lo32(x) * lo32(y) for the four words of (x0 x1) and (y0 y1). WebAssembly has no
// 32x32->64 multiply of the low halves of 64-bit lanes (x86's pmuludq); extmul takes 32-bit lanes
// 0-1 or 2-3, so one shuffle per operand gathers the low halves of two vectors for both products.
static inline __attribute__((always_inline)) void blamka2(v128_t *x0, v128_t *x1, v128_t y0, v128_t y1) {
  v128_t x = wasm_i32x4_shuffle(*x0, *x1, 0, 2, 4, 6), y = wasm_i32x4_shuffle(y0, y1, 0, 2, 4, 6);
  v128_t product0 = wasm_u64x2_extmul_low_u32x4(x, y), product1 = wasm_u64x2_extmul_high_u32x4(x, y);
  *x0 = wasm_i64x2_add(wasm_i64x2_add(*x0, y0), wasm_i64x2_add(product0, product0));
  *x1 = wasm_i64x2_add(wasm_i64x2_add(*x1, y1), wasm_i64x2_add(product1, product1));
}

#define ROTR32(x) wasm_i32x4_shuffle(x, x, 1, 0, 3, 2)
// Shifts, not a byte shuffle: V8 builds a byte shuffle's mask from immediates every time (5 instructions).
#define ROTR24(x) wasm_v128_or(wasm_u64x2_shr(x, 24), wasm_i64x2_shl(x, 40))
#define ROTR16(x) wasm_i8x16_shuffle(x, x, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9)
#define ROTR63(x) wasm_v128_xor(wasm_u64x2_shr(x, 63), wasm_i64x2_add(x, x))

#define GHALF(A0, B0, C0, D0, A1, B1, C1, D1, ROT_D, ROT_B) \
  do {                                                     \
    blamka2(&A0, &A1, B0, B1);                             \
    D0 = ROT_D(wasm_v128_xor(D0, A0));                     \
    D1 = ROT_D(wasm_v128_xor(D1, A1));                     \
    blamka2(&C0, &C1, D0, D1);                             \
    B0 = ROT_B(wasm_v128_xor(B0, C0));                     \
    B1 = ROT_B(wasm_v128_xor(B1, C1));                     \
  } while (0)

// A row of four words held as two vectors (X0 X1), rotated by one word: left (words 1 2 3 0) or
// right (3 0 1 2). The diagonal step of a round rotates B left, C by two (a swap), D right; and back.
#define ROTATE_LEFT(X0, X1, t)             \
  do {                                     \
    t = wasm_i64x2_shuffle(X0, X1, 1, 2);  \
    X1 = wasm_i64x2_shuffle(X1, X0, 1, 2); \
    X0 = t;                                \
  } while (0)
#define ROTATE_RIGHT(X0, X1, t)            \
  do {                                     \
    t = wasm_i64x2_shuffle(X1, X0, 1, 2);  \
    X1 = wasm_i64x2_shuffle(X0, X1, 1, 2); \
    X0 = t;                                \
  } while (0)
#define SHIFT_ROWS(B0, B1, C0, C1, D0, D1, t, ROTATE_B, ROTATE_D) \
  do {                                                          \
    ROTATE_B(B0, B1, t);                                        \
    t = C0, C0 = C1, C1 = t;                                    \
    ROTATE_D(D0, D1, t);                                        \
  } while (0)
#define DIAGONALIZE(B0, B1, C0, C1, D0, D1, t) SHIFT_ROWS(B0, B1, C0, C1, D0, D1, t, ROTATE_LEFT, ROTATE_RIGHT)
#define UNDIAGONALIZE(B0, B1, C0, C1, D0, D1, t) SHIFT_ROWS(B0, B1, C0, C1, D0, D1, t, ROTATE_RIGHT, ROTATE_LEFT)

// Two independent BLAKE2 rounds without message, their steps interleaved (the CPU overlaps the
// two chains: ~4% on a 64 MiB hash, spills included). Each round works on 16 words held as 8
// vectors (A0 A1) (B0 B1) (C0 C1) (D0 D1), x[0..7] and y[0..7]: columns first, then the
// diagonals. Inlined: V8 keeps the vectors in registers instead of passing them through memory.
static inline __attribute__((always_inline)) void round_pair(v128_t x[8], v128_t y[8]) {
  v128_t a0 = x[0], a1 = x[1], b0 = x[2], b1 = x[3], c0 = x[4], c1 = x[5], d0 = x[6], d1 = x[7], t;
  v128_t e0 = y[0], e1 = y[1], f0 = y[2], f1 = y[3], g0 = y[4], g1 = y[5], h0 = y[6], h1 = y[7], u;
  GHALF(a0, b0, c0, d0, a1, b1, c1, d1, ROTR32, ROTR24);
  GHALF(e0, f0, g0, h0, e1, f1, g1, h1, ROTR32, ROTR24);
  GHALF(a0, b0, c0, d0, a1, b1, c1, d1, ROTR16, ROTR63);
  GHALF(e0, f0, g0, h0, e1, f1, g1, h1, ROTR16, ROTR63);
  DIAGONALIZE(b0, b1, c0, c1, d0, d1, t);
  DIAGONALIZE(f0, f1, g0, g1, h0, h1, u);
  GHALF(a0, b0, c0, d0, a1, b1, c1, d1, ROTR32, ROTR24);
  GHALF(e0, f0, g0, h0, e1, f1, g1, h1, ROTR32, ROTR24);
  GHALF(a0, b0, c0, d0, a1, b1, c1, d1, ROTR16, ROTR63);
  GHALF(e0, f0, g0, h0, e1, f1, g1, h1, ROTR16, ROTR63);
  UNDIAGONALIZE(b0, b1, c0, c1, d0, d1, t);
  UNDIAGONALIZE(f0, f1, g0, g1, h0, h1, u);
  x[0] = a0, x[1] = a1, x[2] = b0, x[3] = b1, x[4] = c0, x[5] = c1, x[6] = d0, x[7] = d1;
  y[0] = e0, y[1] = e1, y[2] = f0, y[3] = f1, y[4] = g0, y[5] = g1, y[6] = h0, y[7] = h1;
}

// next = G(prev, ref) (xor next when `with_xor`: passes after the first, version 0x13).
// R = prev ^ ref waits in `next` (xored with it) while the rounds run: each row pair is loaded,
// mixed and stored once, each column pair likewise, and no copy of R is made or read back (a
// quarter of the block's time here went to those copies). `next` may be `ref` (the address
// blocks): every vector is read before it is written.
static void fill_block(const block *prev, const block *ref, block *next, int with_xor) {
  v128_t r[64], x[8], y[8];
  const v128_t *p = (const v128_t *)prev->v, *q = (const v128_t *)ref->v;
  v128_t *n = (v128_t *)next->v;
  // The 8 rows (vectors 8i..8i+7), two at a time.
  for (int i = 0; i < 64; i += 16) {
    for (int j = 0; j < 8; j++) {
      x[j] = wasm_v128_xor(wasm_v128_load(p + i + j), wasm_v128_load(q + i + j));
      y[j] = wasm_v128_xor(wasm_v128_load(p + i + 8 + j), wasm_v128_load(q + i + 8 + j));
      wasm_v128_store(n + i + j, with_xor ? wasm_v128_xor(x[j], wasm_v128_load(n + i + j)) : x[j]);
      wasm_v128_store(n + i + 8 + j, with_xor ? wasm_v128_xor(y[j], wasm_v128_load(n + i + 8 + j)) : y[j]);
    }
    round_pair(x, y);
    for (int j = 0; j < 8; j++) r[i + j] = x[j], r[i + 8 + j] = y[j];
  }
  // The 8 columns (vectors i, i+8, ..., i+56), two at a time, each xored into next at once.
  for (int i = 0; i < 8; i += 2) {
    for (int j = 0; j < 8; j++) x[j] = r[i + 8 * j], y[j] = r[i + 1 + 8 * j];
    round_pair(x, y);
    for (int j = 0; j < 8; j++) {
      wasm_v128_store(n + i + 8 * j, wasm_v128_xor(wasm_v128_load(n + i + 8 * j), x[j]));
      wasm_v128_store(n + i + 1 + 8 * j, wasm_v128_xor(wasm_v128_load(n + i + 1 + 8 * j), y[j]));
    }
  }
}

#else

static inline u64 fblamka(u64 x, u64 y) {
  u64 product = (x & 0xffffffffULL) * (y & 0xffffffffULL);
  return x + y + 2 * product;
}

#define GB(a, b, c, d)          \
  do {                          \
    a = fblamka(a, b);          \
    d = rotr64(d ^ a, 32);      \
    c = fblamka(c, d);          \
    b = rotr64(b ^ c, 24);      \
    a = fblamka(a, b);          \
    d = rotr64(d ^ a, 16);      \
    c = fblamka(c, d);          \
    b = rotr64(b ^ c, 63);      \
  } while (0)

#define ROUND(v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15) \
  do {                                                                             \
    GB(v0, v4, v8, v12);                                                           \
    GB(v1, v5, v9, v13);                                                           \
    GB(v2, v6, v10, v14);                                                          \
    GB(v3, v7, v11, v15);                                                          \
    GB(v0, v5, v10, v15);                                                          \
    GB(v1, v6, v11, v12);                                                          \
    GB(v2, v7, v8, v13);                                                           \
    GB(v3, v4, v9, v14);                                                           \
  } while (0)

static void fill_block(const block *prev, const block *ref, block *next, int with_xor) {
  u64 r[BLOCK_WORDS], keep[BLOCK_WORDS];
  for (int i = 0; i < BLOCK_WORDS; i++) {
    r[i] = prev->v[i] ^ ref->v[i];
    keep[i] = with_xor ? r[i] ^ next->v[i] : r[i];
  }
  for (int i = 0; i < 8; i++) {
    u64 *v = r + 16 * i;
    ROUND(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
  }
  for (int i = 0; i < 8; i++) {
    u64 *v = r + 2 * i;
    ROUND(v[0], v[1], v[16], v[17], v[32], v[33], v[48], v[49], v[64], v[65], v[80], v[81], v[96], v[97], v[112], v[113]);
  }
  for (int i = 0; i < BLOCK_WORDS; i++) next->v[i] = keep[i] ^ r[i];
}

#endif

// ---- Argon2 ----

enum { ARGON2_D = 0, ARGON2_I = 1, ARGON2_ID = 2 };
#define SYNC_POINTS 4
#define ADDRESSES_IN_BLOCK 128

extern u8 __heap_base;

static struct {
  u32 type, version, lanes, passes, lane_length, segment_length;
  block *memory;
  u8 h0[72]; // H0, then two words of block position for the first blocks
  block address, input, zero;
} st;

// Where the host puts the inputs and, from setup() on, the blocks: the first 1 KiB boundary
// after the stack and the constants.
EXPORT(heap_base) u32 heap_base(void) { return ((u32)&__heap_base + 1023) & ~1023u; }

static void block_from_bytes(block *b, const u8 *bytes) {
  for (int i = 0; i < BLOCK_WORDS; i++) b->v[i] = load64(bytes + 8 * i);
}

// RFC 9106 section 3.2 steps 1-5. Inputs at heap_base(): password | salt | secret | ad.
// The caller has checked the parameters (m >= 8 p, lengths); `memory_blocks` is m rounded down
// to a multiple of 4 p. Returns 0.
EXPORT(setup)
u32 setup(u32 type, u32 version, u32 memory_kib, u32 passes, u32 lanes, u32 tag_length, u32 pwd_len, u32 salt_len,
          u32 secret_len, u32 ad_len) {
  const u8 *in = (const u8 *)heap_base();
  u32 memory_blocks = memory_kib - memory_kib % (SYNC_POINTS * lanes);
  st.type = type;
  st.version = version;
  st.lanes = lanes;
  st.passes = passes;
  st.lane_length = memory_blocks / lanes;
  st.segment_length = st.lane_length / SYNC_POINTS;
  st.memory = (block *)heap_base();

  blake2b s;
  blake2b_init(&s, 64);
  blake2b_update32(&s, lanes);
  blake2b_update32(&s, tag_length);
  blake2b_update32(&s, memory_kib);
  blake2b_update32(&s, passes);
  blake2b_update32(&s, version);
  blake2b_update32(&s, type);
  blake2b_update32(&s, pwd_len);
  blake2b_update(&s, in, pwd_len);
  blake2b_update32(&s, salt_len);
  blake2b_update(&s, in + pwd_len, salt_len);
  blake2b_update32(&s, secret_len);
  blake2b_update(&s, in + pwd_len + salt_len, secret_len);
  blake2b_update32(&s, ad_len);
  blake2b_update(&s, in + pwd_len + salt_len + secret_len, ad_len);
  blake2b_final(&s, st.h0);
  // The inputs may overlap the first blocks: gone from here on (the host wipes its copies).
  wipe((void *)in, pwd_len + salt_len + secret_len + ad_len);

  u8 bytes[1024];
  for (u32 lane = 0; lane < lanes; lane++) {
    for (u32 j = 0; j < 2; j++) {
      store32(st.h0 + 64, j);
      store32(st.h0 + 68, lane);
      hprime(bytes, 1024, st.h0, 72);
      block_from_bytes(&st.memory[lane * st.lane_length + j], bytes);
    }
  }
  wipe(bytes, sizeof bytes);
  wipe(st.h0, sizeof st.h0);
  return 0;
}

static void next_addresses(void) {
  st.input.v[6]++;
  fill_block(&st.zero, &st.input, &st.address, 0);
  fill_block(&st.zero, &st.address, &st.address, 0);
}

// The block that block i of segment (pass, slice, lane) references, picked by the pseudo-random
// word (RFC 9106 section 3.4.1.2).
static inline __attribute__((always_inline)) block *reference(u32 pass, u32 slice, u32 lane, u32 i, u64 pseudo) {
  u32 ref_lane = (u32)((pseudo >> 32) % st.lanes);
  if (pass == 0 && slice == 0) ref_lane = lane;
  int same_lane = ref_lane == lane;
  // index_alpha: the window of blocks this one may reference, and where in it.
  u32 area;
  if (pass == 0) {
    if (slice == 0) area = i - 1;
    else area = slice * st.segment_length + (same_lane ? i - 1 : (i == 0 ? (u32)-1 : 0));
  } else {
    area = st.lane_length - st.segment_length + (same_lane ? i - 1 : (i == 0 ? (u32)-1 : 0));
  }
  u64 x = pseudo & 0xffffffffULL;
  x = (x * x) >> 32;
  u32 relative = area - 1 - (u32)(((u64)area * x) >> 32);
  u32 window_start = 0;
  if (pass != 0) window_start = slice == SYNC_POINTS - 1 ? 0 : (slice + 1) * st.segment_length;
  u32 ref_index = (u32)(((u64)window_start + relative) % st.lane_length);
  return &st.memory[ref_lane * st.lane_length + ref_index];
}

// Argon2i, and argon2id's first half pass, take their references from address blocks, not the data.
static int data_independent(u32 pass, u32 slice) {
  return st.type == ARGON2_I || (st.type == ARGON2_ID && pass == 0 && slice < 2);
}

// Blocks [start, end) of the segment (pass, slice, lane): RFC 9106 section 3.4. A segment may be
// filled in several calls, in order; the host yields between them.
EXPORT(fill) void fill(u32 pass, u32 slice, u32 lane, u32 start, u32 end) {
  int independent = data_independent(pass, slice);
  if (pass == 0 && slice == 0 && start < 2) start = 2; // the first two blocks come from setup
  if (start >= end) return;
  if (independent) {
    for (int i = 0; i < BLOCK_WORDS; i++) st.zero.v[i] = st.input.v[i] = 0;
    st.input.v[0] = pass;
    st.input.v[1] = lane;
    st.input.v[2] = slice;
    st.input.v[3] = st.lane_length * st.lanes;
    st.input.v[4] = st.passes;
    st.input.v[5] = st.type;
    st.input.v[6] = start / ADDRESSES_IN_BLOCK;
    // The loop makes an address block at each multiple of 128; a start in between needs its own.
    if (start % ADDRESSES_IN_BLOCK != 0) next_addresses();
  }
  u32 lane_start = lane * st.lane_length;
  u32 offset = slice * st.segment_length + start; // within the lane
  for (u32 i = start; i < end; i++, offset++) {
    u32 prev = offset == 0 ? st.lane_length - 1 : offset - 1;
    u64 pseudo;
    if (independent) {
      if (i % ADDRESSES_IN_BLOCK == 0) next_addresses();
      pseudo = st.address.v[i % ADDRESSES_IN_BLOCK];
    } else {
      pseudo = st.memory[lane_start + prev].v[0];
    }
    block *ref = reference(pass, slice, lane, i, pseudo);
    touch_block(ref);
    fill_block(&st.memory[lane_start + prev], ref, &st.memory[lane_start + offset], st.version != 0x10 && pass != 0);
  }
}

#define LANE_GROUP 4
// Blocks [start, end) of the segment (pass, slice) of every lane, block by block across the lanes.
// The lanes of a slice are independent, so the reference blocks of up to four lanes are asked for
// at once and their cache misses overlap, instead of coming one block after another (~7% on a
// 64 MiB, p=4 hash). For data-dependent segments; the others go lane by lane through fill().
EXPORT(fill_lanes) void fill_lanes(u32 pass, u32 slice, u32 start, u32 end) {
  if (data_independent(pass, slice)) {
    for (u32 lane = 0; lane < st.lanes; lane++) fill(pass, slice, lane, start, end);
    return;
  }
  if (pass == 0 && slice == 0 && start < 2) start = 2; // the first two blocks come from setup
  int with_xor = st.version != 0x10 && pass != 0;
  for (u32 i = start; i < end; i++) {
    u32 offset = slice * st.segment_length + i;
    u32 prev = offset == 0 ? st.lane_length - 1 : offset - 1;
    for (u32 first = 0; first < st.lanes; first += LANE_GROUP) {
      u32 count = st.lanes - first < LANE_GROUP ? st.lanes - first : LANE_GROUP;
      block *refs[LANE_GROUP];
      for (u32 k = 0; k < count; k++) {
        u32 lane = first + k;
        refs[k] = reference(pass, slice, lane, i, st.memory[lane * st.lane_length + prev].v[0]);
        touch_block(refs[k]);
      }
      for (u32 k = 0; k < count; k++) {
        u32 lane_start = (first + k) * st.lane_length;
        fill_block(&st.memory[lane_start + prev], refs[k], &st.memory[lane_start + offset], with_xor);
      }
    }
  }
}

// The tag (RFC 9106 section 3.2 steps 7-8), written at the start of the memory; returns its address.
EXPORT(finish) u32 finish(u32 tag_length) {
  block *last = &st.memory[st.lane_length - 1];
  for (u32 lane = 1; lane < st.lanes; lane++) {
    block *other = &st.memory[lane * st.lane_length + st.lane_length - 1];
    for (int i = 0; i < BLOCK_WORDS; i++) last->v[i] ^= other->v[i];
  }
  u8 bytes[1024];
  for (int i = 0; i < BLOCK_WORDS; i++) store64(bytes + 8 * i, last->v[i]);
  u8 *out = (u8 *)heap_base();
  hprime(out, tag_length, bytes, 1024);
  wipe(bytes, sizeof bytes);
  wipe(&st.address, sizeof st.address);
  wipe(&st.input, sizeof st.input);
  return (u32)out;
}
