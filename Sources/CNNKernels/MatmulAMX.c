// Linear-layer GEMMs on AMX tiles, in three bf16 passes ("bf16x3").
//
// Each fp32 operand is split x = hi + lo with hi = bf16(x) and lo = bf16(x − hi); the
// product is hi·hi + hi·lo + lo·hi, with every bf16 product exact in fp32 and the sums
// accumulated in fp32 by the tile unit. What is dropped (lo·lo and the split's rounding)
// is about 2⁻¹⁶ of each product: results carry ~16 significant bits per product instead
// of fp32's 24, and rounding errors of the sums are fp32's. The three passes are one GEMM
// over a tripled inner dimension: A' = [hi | hi | lo], B' = [hi ; lo ; hi].
//
// Shapes: C (m, n) = A (m, k) · B (k, n). A is read by rows (k contiguous), so this serves
// the forward pass and the input gradient; the weight gradient (a reduction over tokens)
// stays on the fp32 kernels. Blocks: 32 rows of A' (converted once, kept in L1) against
// 32-column strips of B' (VNNI pairs, converted once per call); 4 accumulator tiles.
#include "CNNKernels.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include "VectorMath512.h"
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ICRL_AMX __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma,avx512bf16,amx-tile,amx-bf16")))
#define ICRL_AMX_INLINE static inline __attribute__((always_inline)) ICRL_AMX

enum { BLOCK = 32, STEP = 32 };

static int amx_ready = 0;
static pthread_once_t amx_once = PTHREAD_ONCE_INIT;

/// CPUID says AMX-TILE, AMX-BF16 and AVX512-BF16; XCR0 has the tile state enabled; and
/// Linux grants this process the tile data state (arch_prctl ARCH_REQ_XCOMP_PERM).
static void amx_probe(void) {
    unsigned a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
    if (a < 7) return;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    int tile = (d >> 24) & 1, bf16 = (d >> 22) & 1, avx512f = (b >> 16) & 1;
    if (!tile || !bf16 || !avx512f) return;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    if (!((a >> 5) & 1)) return;  // AVX512_BF16
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    if (!((c >> 27) & 1)) return;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // XCR0: SSE, AVX, opmask, ZMM state (bits 1, 2, 5, 6, 7) and tile config/data (17, 18).
    if ((lo & 0x600E6u) != 0x600E6u) return;
#if defined(__linux__)
    const long ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18;
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) return;
    amx_ready = 1;
#endif
}

int icrl_nn_amx_available(void) {
    pthread_once(&amx_once, amx_probe);
    return amx_ready;
}

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} TileConfig;

/// Eight 16 × 64-byte tiles: 0–3 accumulate, 4–5 hold A', 6–7 hold B'.
ICRL_AMX static void configure_tiles(void) {
    TileConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.palette = 1;
    for (int i = 0; i < 8; i++) {
        cfg.rows[i] = 16;
        cfg.colsb[i] = 64;
    }
    _tile_loadconfig(&cfg);
}

/// A grown-on-demand, 64-byte aligned per-thread buffer (slot 0: A', slot 1: B').
static void *scratch(int slot, size_t bytes) {
    static __thread void *buffers[2] = {NULL, NULL};
    static __thread size_t capacity[2] = {0, 0};
    if (bytes > capacity[slot]) {
        free(buffers[slot]);
        buffers[slot] = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!buffers[slot]) {
            fprintf(stderr, "icrl: cannot allocate %zu bytes for the AMX GEMM\n", bytes);
            abort();
        }
        capacity[slot] = bytes;
    }
    return buffers[slot];
}

/// hi = bf16(x) (round to nearest even) and lo = bf16(x − hi), as 16-bit lanes.
ICRL_AMX_INLINE void split16(__m512 x, __m256i *hi, __m256i *lo) {
    __m256bh h = _mm512_cvtneps_pbh(x);
    __m512 hf = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)h), 16));
    *hi = (__m256i)h;
    *lo = (__m256i)_mm512_cvtneps_pbh(_mm512_sub_ps(x, hf));
}

/// A' rows for one block: row r = [hi(a_r) | hi(a_r) | lo(a_r)], each part kp wide
/// (zeros past k); rows past `rows` are zero. a_r = a + r·lda.
ICRL_AMX static void convert_a(uint16_t *dst, long kp, const float *a, long lda, int rows, long k) {
    const long ld = 3 * kp;
    for (int r = 0; r < BLOCK; r++) {
        uint16_t *row = dst + r * ld;
        if (r >= rows) {
            memset(row, 0, (size_t)ld * 2);
            continue;
        }
        const float *ar = a + r * lda;
        for (long k0 = 0; k0 < kp; k0 += 16) {
            __m256i hi, lo;
            split16(_mm512_maskz_loadu_ps(icrl_mask(k - k0), ar + k0), &hi, &lo);
            _mm256_storeu_si256((__m256i *)(row + k0), hi);
            _mm256_storeu_si256((__m256i *)(row + kp + k0), hi);
            _mm256_storeu_si256((__m256i *)(row + 2 * kp + k0), lo);
        }
    }
}

/// Stores B' rows k and k + 1 (k even) of the three parts as VNNI pairs. `x0`, `x1` are
/// B's rows k and k + 1 for columns j0 ..< j0 + 16: dword j of VNNI row k/2 is
/// (B'[k][j], B'[k+1][j]). bv: np/32 strips of 32 columns, each (3kp/2, 64) bf16, so that
/// the tiles of one strip are one contiguous, sequentially read block.
ICRL_AMX_INLINE void store_pairs(uint16_t *bv, long np, long kp, long k, long j0, __m512 x0, __m512 x1) {
    __m256i h0, l0, h1, l1;
    split16(x0, &h0, &l0);
    split16(x1, &h1, &l1);
    __m512i hi = _mm512_or_si512(_mm512_cvtepu16_epi32(h0), _mm512_slli_epi32(_mm512_cvtepu16_epi32(h1), 16));
    __m512i lo = _mm512_or_si512(_mm512_cvtepu16_epi32(l0), _mm512_slli_epi32(_mm512_cvtepu16_epi32(l1), 16));
    uint16_t *strip = bv + (j0 / BLOCK) * (3 * kp / 2) * (2 * BLOCK) + 2 * (j0 % BLOCK);
    _mm512_storeu_si512(strip + (k / 2) * (2 * BLOCK), hi);
    _mm512_storeu_si512(strip + ((kp + k) / 2) * (2 * BLOCK), lo);
    _mm512_storeu_si512(strip + ((2 * kp + k) / 2) * (2 * BLOCK), hi);
}

/// B' from B stored by rows: B (k, n) with B[kk][j] = b[kk·ldb + j] (the input gradient's
/// weight). Columns past n and rows past k are zero.
ICRL_AMX static void convert_b_rows(uint16_t *bv, long np, long kp, const float *b, long ldb, long k, long n) {
    for (long kk = 0; kk < kp; kk += 2) {
        for (long j0 = 0; j0 < np; j0 += 16) {
            __mmask16 m = icrl_mask(n - j0);
            __m512 x0 = kk < k ? _mm512_maskz_loadu_ps(m, b + kk * ldb + j0) : _mm512_setzero_ps();
            __m512 x1 = kk + 1 < k ? _mm512_maskz_loadu_ps(m, b + (kk + 1) * ldb + j0) : _mm512_setzero_ps();
            store_pairs(bv, np, kp, kk, j0, x0, x1);
        }
    }
}

/// B' from B stored by columns: B[kk][j] = w[j·ldw + kk] (the forward pass's weightᵀ).
/// A VNNI pair (B[kk][j], B[kk+1][j]) is w's two adjacent elements, so each row of w
/// converts to 16 pair-dwords per 32 elements; 16 rows of them transpose in registers.
ICRL_AMX static void convert_b_columns(uint16_t *bv, long np, long kp, const float *w, long ldw, long k, long n) {
    for (long j0 = 0; j0 < np; j0 += 16) {
        uint16_t *strip = bv + (j0 / BLOCK) * (3 * kp / 2) * (2 * BLOCK) + 2 * (j0 % BLOCK);
        for (long k0 = 0; k0 < kp; k0 += 32) {
            __m512i hi[16], lo[16];
            for (int jj = 0; jj < 16; jj++) {
                __m512 x0 = _mm512_setzero_ps(), x1 = _mm512_setzero_ps();
                if (j0 + jj < n) {
                    const float *row = w + (j0 + jj) * ldw + k0;
                    x0 = _mm512_maskz_loadu_ps(icrl_mask(k - k0), row);
                    x1 = _mm512_maskz_loadu_ps(icrl_mask(k - k0 - 16), row + 16);
                }
                __m256i h0, l0, h1, l1;
                split16(x0, &h0, &l0);
                split16(x1, &h1, &l1);
                hi[jj] = _mm512_inserti64x4(_mm512_castsi256_si512(h0), h1, 1);
                lo[jj] = _mm512_inserti64x4(_mm512_castsi256_si512(l0), l1, 1);
            }
            icrl_transpose16x16(hi);
            icrl_transpose16x16(lo);
            for (int p = 0; p < 16; p++) {
                long row = k0 / 2 + p;
                _mm512_storeu_si512(strip + row * (2 * BLOCK), hi[p]);
                _mm512_storeu_si512(strip + (kp / 2 + row) * (2 * BLOCK), lo[p]);
                _mm512_storeu_si512(strip + (kp + row) * (2 * BLOCK), hi[p]);
            }
        }
    }
}

/// C (m, n) = A (m, k) · B' with the epilogue c = acc (+ bias) (+ residual), A by rows.
ICRL_AMX static void amx_gemm_rows(float *c, long ldc, const float *a, long lda, const uint16_t *bv, long np,
                                   long kp, long m, long n, long k, const float *bias, const float *residual,
                                   long ldr) {
    const long la = 3 * kp, steps = 3 * kp / STEP;
    uint16_t *abuf = scratch(0, (size_t)BLOCK * la * 2);
    float tmp[BLOCK][BLOCK] __attribute__((aligned(64)));
    configure_tiles();
    for (long m0 = 0; m0 < m; m0 += BLOCK) {
        int rows = m - m0 < BLOCK ? (int)(m - m0) : BLOCK;
        convert_a(abuf, kp, a + m0 * lda, lda, rows, k);
        for (long n0 = 0; n0 < np; n0 += BLOCK) {
            const uint16_t *strip = bv + (n0 / BLOCK) * (3 * kp / 2) * (2 * BLOCK);
            _tile_zero(0);
            _tile_zero(1);
            _tile_zero(2);
            _tile_zero(3);
            for (long s = 0; s < steps; s++) {
                const uint16_t *as = abuf + s * STEP, *bs = strip + s * (STEP / 2) * (2 * BLOCK);
                _tile_loadd(4, as, la * 2);
                _tile_loadd(5, as + 16 * la, la * 2);
                _tile_loadd(6, bs, BLOCK * 4);
                _tile_loadd(7, bs + 32, BLOCK * 4);
                _tile_dpbf16ps(0, 4, 6);
                _tile_dpbf16ps(1, 4, 7);
                _tile_dpbf16ps(2, 5, 6);
                _tile_dpbf16ps(3, 5, 7);
            }
            _tile_stored(0, &tmp[0][0], BLOCK * 4);
            _tile_stored(1, &tmp[0][16], BLOCK * 4);
            _tile_stored(2, &tmp[16][0], BLOCK * 4);
            _tile_stored(3, &tmp[16][16], BLOCK * 4);
            for (int r = 0; r < rows; r++) {
                float *cr = c + (m0 + r) * ldc + n0;
                const float *rr = residual ? residual + (m0 + r) * ldr + n0 : NULL;
                for (int h = 0; h < 2; h++) {
                    __mmask16 mk = icrl_mask(n - n0 - 16 * h);
                    if (!mk) break;
                    __m512 v = _mm512_load_ps(&tmp[r][16 * h]);
                    if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, bias + n0 + 16 * h));
                    if (rr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mk, rr + 16 * h));
                    _mm512_mask_storeu_ps(cr + 16 * h, mk, v);
                }
            }
        }
    }
    _tile_release();
}

static inline long round_up(long x, long to) { return (x + to - 1) / to * to; }

ICRL_AMX void icrl_linear_forward_amx(float *out, const float *inp, const float *weight, const float *bias,
                                      const float *residual, long n, int c, int oc) {
    if (n <= 0 || oc <= 0) return;
    const long kp = round_up(c > 0 ? c : 1, STEP), np = round_up(oc, BLOCK);
    uint16_t *bv = scratch(1, (size_t)(3 * kp / 2) * (size_t)(2 * np) * 2);
    convert_b_columns(bv, np, kp, weight, c, c, oc);
    amx_gemm_rows(out, oc, inp, c, bv, np, kp, n, oc, c, bias, residual, oc);
}

ICRL_AMX void icrl_linear_backward_input_amx(float *dinp, const float *dout, const float *weight, long n, int c,
                                             int oc) {
    if (n <= 0 || c <= 0) return;
    const long kp = round_up(oc > 0 ? oc : 1, STEP), np = round_up(c, BLOCK);
    uint16_t *bv = scratch(1, (size_t)(3 * kp / 2) * (size_t)(2 * np) * 2);
    convert_b_rows(bv, np, kp, weight, c, oc, c);
    amx_gemm_rows(dinp, c, dout, oc, bv, np, kp, n, c, oc, NULL, NULL, 0);
}

#else

int icrl_nn_amx_available(void) { return 0; }
void icrl_linear_forward_amx(float *out, const float *inp, const float *weight, const float *bias,
                             const float *residual, long n, int c, int oc) { abort(); }
void icrl_linear_backward_input_amx(float *dinp, const float *dout, const float *weight, long n, int c, int oc) {
    abort();
}

#endif
