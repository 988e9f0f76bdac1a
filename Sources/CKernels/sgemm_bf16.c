// bfloat16 GEMM for inference, row-major, single-threaded, float32 in and out:
//   C[m×n] = bf16(op(A))[m×k] · bf16(op(B))[k×n] + beta · C,  products summed in float32.
// Operands are rounded to bfloat16 (nearest even) while packing; the AVX512_BF16 micro-kernel
// (6×64) multiplies pairs along k with _mm512_dpbf16_ps: c[i][j] += a[i][2q]·b[2q][j] + a[i][2q+1]·b[2q+1][j].
// Packed layouts: A panel ap[q·MR + i] = the pair (a[i][2q], a[i][2q+1]) as one 32-bit word;
// B panel bp[(q·NR + j)·2 + t] = b[2q+t][j]. An odd k is padded with a zero pair half.
#include "CKernels.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define GK_BF16_X86 1
#endif

#define KC 256  // k values per packed block (even)
#define NC 512
#define MR 6
#define NR 64

// float -> bfloat16, round to nearest even (NaN kept quiet).
static uint16_t to_bf16(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

// Rows [i0, i0+mr) × depth [p0, p0+kc) of op(A), pairs along k; zero past mr and past k.
static void pack_a_bf16(int transA, const float *a, long lda, long i0, long mr, long p0, long kc, long k, uint16_t *ap) {
    long pairs = (kc + 1) / 2;
    if (!transA && mr == MR) {  // interior panel: adjacent floats of a row form each pair
        uint32_t *ap32 = (uint32_t *)ap;
        long full = kc / 2;
        for (long i = 0; i < MR; i++) {
            const float *row = a + (i0 + i) * lda + p0;
            for (long q = 0; q < full; q++)
                ap32[q * MR + i] = (uint32_t)to_bf16(row[2 * q]) | (uint32_t)to_bf16(row[2 * q + 1]) << 16;
            if (full < pairs) ap32[full * MR + i] = to_bf16(row[2 * full]);
        }
        return;
    }
    for (long q = 0; q < pairs; q++)
        for (long i = 0; i < MR; i++)
            for (long t = 0; t < 2; t++) {
                long p = p0 + 2 * q + t;
                float x = 0;
                if (i < mr && p < p0 + kc && p < k) x = transA ? a[p * lda + i0 + i] : a[(i0 + i) * lda + p];
                ap[(q * MR + i) * 2 + t] = to_bf16(x);
            }
}

#if GK_BF16_X86
// Sixteen floats rounded to bfloat16 (nearest even), left in the top half of each 32-bit lane.
__attribute__((target("avx512f,avx512bw")))
static inline __m512i round_bf16_x16(__m512i x) {
    __m512i odd = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    return _mm512_add_epi32(x, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7fff)));
}

// pack_b_bf16 for untransposed B: two rows of sixteen columns give sixteen (b[2q][j], b[2q+1][j]) words.
__attribute__((target("avx512f,avx512bw")))
static void pack_b_bf16_rows(const float *b, long ldb, long j0, long nr, long p0, long kc, uint16_t *bp) {
    long pairs = (kc + 1) / 2;
    for (long q = 0; q < pairs; q++) {
        const float *r0 = b + (p0 + 2 * q) * ldb + j0, *r1 = r0 + ldb;
        int second = 2 * q + 1 < kc;
        for (long j = 0; j < NR; j += 16) {
            long left = nr - j < 0 ? 0 : nr - j;
            __mmask16 mask = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
            __m512i x0 = round_bf16_x16(_mm512_maskz_loadu_epi32(mask, r0 + j));
            __m512i x1 = second ? round_bf16_x16(_mm512_maskz_loadu_epi32(mask, r1 + j)) : _mm512_setzero_si512();
            __m512i word = _mm512_or_si512(_mm512_and_si512(x1, _mm512_set1_epi32((int)0xffff0000u)), _mm512_srli_epi32(x0, 16));
            _mm512_storeu_si512(bp + (q * NR + j) * 2, word);
        }
    }
}
#endif

// Columns [j0, j0+nr) × depth [p0, p0+kc) of op(B), pairs along k per column; zero past nr and past k.
static void pack_b_bf16(int transB, const float *b, long ldb, long j0, long nr, long p0, long kc, uint16_t *bp) {
#if GK_BF16_X86
    if (!transB) {
        pack_b_bf16_rows(b, ldb, j0, nr, p0, kc, bp);
        return;
    }
#endif
    long pairs = (kc + 1) / 2;
    for (long q = 0; q < pairs; q++) {
        for (long t = 0; t < 2; t++) {
            long p = p0 + 2 * q + t;
            int inside = 2 * q + t < kc;
            for (long j = 0; j < NR; j++) {
                float x = 0;
                if (inside && j < nr) x = transB ? b[(j0 + j) * ldb + p] : b[p * ldb + j0 + j];
                bp[(q * NR + j) * 2 + t] = to_bf16(x);
            }
        }
    }
}

#if GK_BF16_X86
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))
static void kernel_bf16(long pairs, const uint16_t *a, const uint16_t *b, float *c, long ldc, int accumulate) {
    __m512 acc[MR][4];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = _mm512_setzero_ps();
    const uint32_t *a32 = (const uint32_t *)a;
    for (long q = 0; q < pairs; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 32);
        __m512bh b2 = (__m512bh)_mm512_loadu_si512(b + 64), b3 = (__m512bh)_mm512_loadu_si512(b + 96);
        for (int i = 0; i < MR; i++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)a32[i]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], x, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], x, b1);
            acc[i][2] = _mm512_dpbf16_ps(acc[i][2], x, b2);
            acc[i][3] = _mm512_dpbf16_ps(acc[i][3], x, b3);
        }
        a32 += MR;
        b += 2 * NR;
    }
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < 4; j++) {
            float *q = c + i * ldc + 16 * j;
            _mm512_storeu_ps(q, accumulate ? _mm512_add_ps(_mm512_loadu_ps(q), acc[i][j]) : acc[i][j]);
        }
}
#endif

int gk_sgemm_bf16_supported(void) {
#if GK_BF16_X86
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

long gk_sgemm_bf16_packed_a_size(long m, long k) {
    return (m + MR - 1) / MR * MR * ((k + 1) / 2 * 2);
}

void gk_sgemm_bf16_pack_a(int transA, long m, long k, const float *a, long lda, uint16_t *ap) {
    long mPanels = (m + MR - 1) / MR, mPadded = mPanels * MR;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC, pairs = (kc + 1) / 2;
        for (long r = 0; r < mPanels; r++) {
            long mr = m - r * MR < MR ? m - r * MR : MR;
            pack_a_bf16(transA, a, lda, r * MR, mr, p0, kc, k, ap + p0 * mPadded + r * MR * 2 * pairs);
        }
    }
}

int gk_sgemm_bf16_packed(int transB, long m, long n, long k, const uint16_t *ap, const float *b, long ldb,
                         float beta, float *c, long ldc) {
    if (!gk_sgemm_bf16_supported()) return -1;
#if GK_BF16_X86
    if (m <= 0 || n <= 0) return 0;
    if (beta != 0 && beta != 1)
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] *= beta;
    if (k <= 0) {
        if (beta == 0)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return 0;
    }
    long mPanels = (m + MR - 1) / MR, mPadded = mPanels * MR;
    long ncMax = n < NC ? (n + NR - 1) / NR * NR : NC;
    uint16_t *bp = NULL;
    if (posix_memalign((void **)&bp, 64, (size_t)(KC * ncMax) * sizeof(uint16_t)) != 0) abort();
    float edge[MR * NR];
    for (long j0 = 0; j0 < n; j0 += NC) {
        long nc = n - j0 < NC ? n - j0 : NC, nPanels = (nc + NR - 1) / NR;
        for (long p0 = 0; p0 < k; p0 += KC) {
            long kc = k - p0 < KC ? k - p0 : KC, pairs = (kc + 1) / 2;
            int accumulate = p0 > 0 || beta != 0;
            for (long s = 0; s < nPanels; s++) {
                long nr = nc - s * NR < NR ? nc - s * NR : NR;
                pack_b_bf16(transB, b, ldb, j0 + s * NR, nr, p0, kc, bp + s * NR * 2 * pairs);
            }
            for (long r = 0; r < mPanels; r++) {
                long mr = m - r * MR < MR ? m - r * MR : MR;
                const uint16_t *apanel = ap + p0 * mPadded + r * MR * 2 * pairs;
                for (long s = 0; s < nPanels; s++) {
                    long nr = nc - s * NR < NR ? nc - s * NR : NR;
                    float *ct = c + r * MR * ldc + j0 + s * NR;
                    if (mr == MR && nr == NR) {
                        kernel_bf16(pairs, apanel, bp + s * NR * 2 * pairs, ct, ldc, accumulate);
                    } else {
                        kernel_bf16(pairs, apanel, bp + s * NR * 2 * pairs, edge, NR, 0);
                        for (long i = 0; i < mr; i++)
                            for (long j = 0; j < nr; j++)
                                ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + edge[i * NR + j] : edge[i * NR + j];
                    }
                }
            }
        }
    }
    free(bp);
#endif
    return 0;
}

int gk_sgemm_bf16(int transA, int transB, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                  float beta, float *c, long ldc) {
    if (!gk_sgemm_bf16_supported()) return -1;
    if (m <= 0 || n <= 0 || k <= 0) return gk_sgemm_bf16_packed(transB, m, n, k, NULL, b, ldb, beta, c, ldc);
    uint16_t *ap = NULL;
    if (posix_memalign((void **)&ap, 64, (size_t)gk_sgemm_bf16_packed_a_size(m, k) * sizeof(uint16_t)) != 0) abort();
    gk_sgemm_bf16_pack_a(transA, m, k, a, lda, ap);
    int status = gk_sgemm_bf16_packed(transB, m, n, k, ap, b, ldb, beta, c, ldc);
    free(ap);
    return status;
}
