// Single-precision GEMM, row-major, single-threaded (GANCore splits products over the cores):
//   C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C,  op(X) = X or Xᵀ.
// Goto/BLIS scheme: A is packed once into MR-row panels (k-major), B a KC×NC block at a time into
// NR-column panels; a register-blocked micro-kernel adds one MR×NR tile of C per (panel, panel) pair.
// Kernels: AVX-512 (6×64, 24 zmm accumulators), AVX2+FMA (6×16, 12 ymm), portable C (4×16),
// chosen at run time with __builtin_cpu_supports; gk_sgemm_with_path forces one (tests).
#include "CKernels.h"

#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

#define KC 256   // depth of one packed block (A micro-panel MR×KC stays in L1)
#define NC 512   // columns of one packed B block (KC×NC floats: 512 KB, in L2)
#define MR_MAX 6
#define NR_MAX 64

// One micro-kernel: c[0..mr, 0..nr] (+)= Σ_p a[p·MR + i] · b[p·NR + j] over p < kc, full MR×NR tile;
// accumulate = 0 overwrites c, 1 adds into it.
typedef void (*gk_kernel)(long kc, const float *a, const float *b, float *c, long ldc, int accumulate);

// ---- portable C: 4×16 ------------------------------------------------------------------------
static void kernel_portable(long kc, const float *a, const float *b, float *c, long ldc, int accumulate) {
    float acc[4][16] = {{0}};
    for (long p = 0; p < kc; p++) {
        const float *bp = b + p * 16;
        for (int i = 0; i < 4; i++) {
            float ai = a[p * 4 + i];
            for (int j = 0; j < 16; j++) acc[i][j] += ai * bp[j];
        }
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 16; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

#if GK_X86
// ---- AVX2 + FMA: 6×16 ------------------------------------------------------------------------
__attribute__((target("avx2,fma")))
static void kernel_avx2(long kc, const float *a, const float *b, float *c, long ldc, int accumulate) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
    __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8), x;
        x = _mm256_broadcast_ss(a + 0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a + 1); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a + 2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a + 3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
        x = _mm256_broadcast_ss(a + 4); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
        x = _mm256_broadcast_ss(a + 5); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
        a += 6; b += 16;
    }
#define GK_STORE8(row, col, v) do { float *q = c + (row) * ldc + (col); \
        _mm256_storeu_ps(q, accumulate ? _mm256_add_ps(_mm256_loadu_ps(q), v) : v); } while (0)
    GK_STORE8(0, 0, c00); GK_STORE8(0, 8, c01); GK_STORE8(1, 0, c10); GK_STORE8(1, 8, c11);
    GK_STORE8(2, 0, c20); GK_STORE8(2, 8, c21); GK_STORE8(3, 0, c30); GK_STORE8(3, 8, c31);
    GK_STORE8(4, 0, c40); GK_STORE8(4, 8, c41); GK_STORE8(5, 0, c50); GK_STORE8(5, 8, c51);
#undef GK_STORE8
}

// ---- AVX-512: 6×64 ---------------------------------------------------------------------------
// c[i][0..64] (+)= Σ_p a[6p + i] · b[64p .. 64p + 64]: zmm0-23 accumulate (row i in zmm4i..4i+3),
// zmm24-27 hold one row of the B panel, zmm28/29 the broadcast a values. Inline assembly (not
// intrinsics) so that debug builds, whose C is compiled at -O0, run it at full speed too.
__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma")))
static void kernel_avx512(long kc, const float *a, const float *b, float *c, long ldc, int accumulate) {
    long ldcBytes = ldc * (long)sizeof(float), acc = accumulate, t;
    __asm__ volatile(
        "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"
        "vpxord %%zmm1, %%zmm1, %%zmm1\n\t"
        "vpxord %%zmm2, %%zmm2, %%zmm2\n\t"
        "vpxord %%zmm3, %%zmm3, %%zmm3\n\t"
        "vpxord %%zmm4, %%zmm4, %%zmm4\n\t"
        "vpxord %%zmm5, %%zmm5, %%zmm5\n\t"
        "vpxord %%zmm6, %%zmm6, %%zmm6\n\t"
        "vpxord %%zmm7, %%zmm7, %%zmm7\n\t"
        "vpxord %%zmm8, %%zmm8, %%zmm8\n\t"
        "vpxord %%zmm9, %%zmm9, %%zmm9\n\t"
        "vpxord %%zmm10, %%zmm10, %%zmm10\n\t"
        "vpxord %%zmm11, %%zmm11, %%zmm11\n\t"
        "vpxord %%zmm12, %%zmm12, %%zmm12\n\t"
        "vpxord %%zmm13, %%zmm13, %%zmm13\n\t"
        "vpxord %%zmm14, %%zmm14, %%zmm14\n\t"
        "vpxord %%zmm15, %%zmm15, %%zmm15\n\t"
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\t"
        "vpxord %%zmm17, %%zmm17, %%zmm17\n\t"
        "vpxord %%zmm18, %%zmm18, %%zmm18\n\t"
        "vpxord %%zmm19, %%zmm19, %%zmm19\n\t"
        "vpxord %%zmm20, %%zmm20, %%zmm20\n\t"
        "vpxord %%zmm21, %%zmm21, %%zmm21\n\t"
        "vpxord %%zmm22, %%zmm22, %%zmm22\n\t"
        "vpxord %%zmm23, %%zmm23, %%zmm23\n\t"
        "test %[k], %[k]\n\t"
        "jz 2f\n\t"
        "1:\n\t"
        "vmovups 0(%[b]), %%zmm24\n\t"
        "vmovups 64(%[b]), %%zmm25\n\t"
        "vmovups 128(%[b]), %%zmm26\n\t"
        "vmovups 192(%[b]), %%zmm27\n\t"
        "vbroadcastss 0(%[a]), %%zmm28\n\t"
        "vfmadd231ps %%zmm24, %%zmm28, %%zmm0\n\t"
        "vfmadd231ps %%zmm25, %%zmm28, %%zmm1\n\t"
        "vfmadd231ps %%zmm26, %%zmm28, %%zmm2\n\t"
        "vfmadd231ps %%zmm27, %%zmm28, %%zmm3\n\t"
        "vbroadcastss 4(%[a]), %%zmm29\n\t"
        "vfmadd231ps %%zmm24, %%zmm29, %%zmm4\n\t"
        "vfmadd231ps %%zmm25, %%zmm29, %%zmm5\n\t"
        "vfmadd231ps %%zmm26, %%zmm29, %%zmm6\n\t"
        "vfmadd231ps %%zmm27, %%zmm29, %%zmm7\n\t"
        "vbroadcastss 8(%[a]), %%zmm28\n\t"
        "vfmadd231ps %%zmm24, %%zmm28, %%zmm8\n\t"
        "vfmadd231ps %%zmm25, %%zmm28, %%zmm9\n\t"
        "vfmadd231ps %%zmm26, %%zmm28, %%zmm10\n\t"
        "vfmadd231ps %%zmm27, %%zmm28, %%zmm11\n\t"
        "vbroadcastss 12(%[a]), %%zmm29\n\t"
        "vfmadd231ps %%zmm24, %%zmm29, %%zmm12\n\t"
        "vfmadd231ps %%zmm25, %%zmm29, %%zmm13\n\t"
        "vfmadd231ps %%zmm26, %%zmm29, %%zmm14\n\t"
        "vfmadd231ps %%zmm27, %%zmm29, %%zmm15\n\t"
        "vbroadcastss 16(%[a]), %%zmm28\n\t"
        "vfmadd231ps %%zmm24, %%zmm28, %%zmm16\n\t"
        "vfmadd231ps %%zmm25, %%zmm28, %%zmm17\n\t"
        "vfmadd231ps %%zmm26, %%zmm28, %%zmm18\n\t"
        "vfmadd231ps %%zmm27, %%zmm28, %%zmm19\n\t"
        "vbroadcastss 20(%[a]), %%zmm29\n\t"
        "vfmadd231ps %%zmm24, %%zmm29, %%zmm20\n\t"
        "vfmadd231ps %%zmm25, %%zmm29, %%zmm21\n\t"
        "vfmadd231ps %%zmm26, %%zmm29, %%zmm22\n\t"
        "vfmadd231ps %%zmm27, %%zmm29, %%zmm23\n\t"
        "add $24, %[a]\n\t"
        "add $256, %[b]\n\t"
        "dec %[k]\n\t"
        "jnz 1b\n\t"
        "2:\n\t"
        "lea (%[c], %[ldc], 2), %[t]\n\t"
        "add %[ldc], %[t]\n\t"
        "test %[acc], %[acc]\n\t"
        "jz 3f\n\t"
        "vaddps (%[c]), %%zmm0, %%zmm0\n\t"
        "vaddps 64(%[c]), %%zmm1, %%zmm1\n\t"
        "vaddps 128(%[c]), %%zmm2, %%zmm2\n\t"
        "vaddps 192(%[c]), %%zmm3, %%zmm3\n\t"
        "vaddps (%[c], %[ldc], 1), %%zmm4, %%zmm4\n\t"
        "vaddps 64(%[c], %[ldc], 1), %%zmm5, %%zmm5\n\t"
        "vaddps 128(%[c], %[ldc], 1), %%zmm6, %%zmm6\n\t"
        "vaddps 192(%[c], %[ldc], 1), %%zmm7, %%zmm7\n\t"
        "vaddps (%[c], %[ldc], 2), %%zmm8, %%zmm8\n\t"
        "vaddps 64(%[c], %[ldc], 2), %%zmm9, %%zmm9\n\t"
        "vaddps 128(%[c], %[ldc], 2), %%zmm10, %%zmm10\n\t"
        "vaddps 192(%[c], %[ldc], 2), %%zmm11, %%zmm11\n\t"
        "vaddps (%[t]), %%zmm12, %%zmm12\n\t"
        "vaddps 64(%[t]), %%zmm13, %%zmm13\n\t"
        "vaddps 128(%[t]), %%zmm14, %%zmm14\n\t"
        "vaddps 192(%[t]), %%zmm15, %%zmm15\n\t"
        "vaddps (%[t], %[ldc], 1), %%zmm16, %%zmm16\n\t"
        "vaddps 64(%[t], %[ldc], 1), %%zmm17, %%zmm17\n\t"
        "vaddps 128(%[t], %[ldc], 1), %%zmm18, %%zmm18\n\t"
        "vaddps 192(%[t], %[ldc], 1), %%zmm19, %%zmm19\n\t"
        "vaddps (%[t], %[ldc], 2), %%zmm20, %%zmm20\n\t"
        "vaddps 64(%[t], %[ldc], 2), %%zmm21, %%zmm21\n\t"
        "vaddps 128(%[t], %[ldc], 2), %%zmm22, %%zmm22\n\t"
        "vaddps 192(%[t], %[ldc], 2), %%zmm23, %%zmm23\n\t"
        "3:\n\t"
        "vmovups %%zmm0, (%[c])\n\t"
        "vmovups %%zmm1, 64(%[c])\n\t"
        "vmovups %%zmm2, 128(%[c])\n\t"
        "vmovups %%zmm3, 192(%[c])\n\t"
        "vmovups %%zmm4, (%[c], %[ldc], 1)\n\t"
        "vmovups %%zmm5, 64(%[c], %[ldc], 1)\n\t"
        "vmovups %%zmm6, 128(%[c], %[ldc], 1)\n\t"
        "vmovups %%zmm7, 192(%[c], %[ldc], 1)\n\t"
        "vmovups %%zmm8, (%[c], %[ldc], 2)\n\t"
        "vmovups %%zmm9, 64(%[c], %[ldc], 2)\n\t"
        "vmovups %%zmm10, 128(%[c], %[ldc], 2)\n\t"
        "vmovups %%zmm11, 192(%[c], %[ldc], 2)\n\t"
        "vmovups %%zmm12, (%[t])\n\t"
        "vmovups %%zmm13, 64(%[t])\n\t"
        "vmovups %%zmm14, 128(%[t])\n\t"
        "vmovups %%zmm15, 192(%[t])\n\t"
        "vmovups %%zmm16, (%[t], %[ldc], 1)\n\t"
        "vmovups %%zmm17, 64(%[t], %[ldc], 1)\n\t"
        "vmovups %%zmm18, 128(%[t], %[ldc], 1)\n\t"
        "vmovups %%zmm19, 192(%[t], %[ldc], 1)\n\t"
        "vmovups %%zmm20, (%[t], %[ldc], 2)\n\t"
        "vmovups %%zmm21, 64(%[t], %[ldc], 2)\n\t"
        "vmovups %%zmm22, 128(%[t], %[ldc], 2)\n\t"
        "vmovups %%zmm23, 192(%[t], %[ldc], 2)\n\t"
        "vzeroupper\n\t"
        : [a] "+r"(a), [b] "+r"(b), [k] "+r"(kc), [t] "=&r"(t)
        : [c] "r"(c), [ldc] "r"(ldcBytes), [acc] "r"(acc)
        : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "memory", "cc");
}
#endif

// ---- packing ---------------------------------------------------------------------------------
// A rows [i0, i0+mr) × depth [p0, p0+kc) of alpha·op(A) into ap[p·MR + i], zero rows past mr.
static void pack_a(int transA, const float *a, long lda, long i0, long mr, long p0, long kc, int MR, float alpha,
                   float *ap) {
    for (long p = 0; p < kc; p++) {
        float *dst = ap + p * MR;
        if (transA) {  // op(A)[i][p] = A[p][i]
            const float *src = a + (p0 + p) * lda + i0;
            for (long i = 0; i < mr; i++) dst[i] = alpha * src[i];
        } else {
            for (long i = 0; i < mr; i++) dst[i] = alpha * a[(i0 + i) * lda + p0 + p];
        }
        for (long i = mr; i < MR; i++) dst[i] = 0;
    }
}

// Columns [j0, j0+nr) × depth [p0, p0+kc) of op(B) into bp[p·NR + j], zero columns past nr.
static void pack_b(int transB, const float *b, long ldb, long j0, long nr, long p0, long kc, int NR, float *bp) {
    if (transB) {  // op(B)[p][j] = B[j][p]: read rows of B, write strided
        for (long j = 0; j < nr; j++) {
            const float *src = b + (j0 + j) * ldb + p0;
            for (long p = 0; p < kc; p++) bp[p * NR + j] = src[p];
        }
        for (long j = nr; j < NR; j++)
            for (long p = 0; p < kc; p++) bp[p * NR + j] = 0;
    } else {
        for (long p = 0; p < kc; p++) {
            float *dst = bp + p * NR;
            memcpy(dst, b + (p0 + p) * ldb + j0, (size_t)nr * sizeof(float));
            for (long j = nr; j < NR; j++) dst[j] = 0;
        }
    }
}

#if GK_X86
// ---- packing with AVX2 (both SIMD paths): 8×8 transposes and whole-vector copies -------------------
// The scalar packing above was a third of gk_sgemm's time on the Winograd products (perf): A is read
// down its columns one float at a time, Bᵀ written 64 floats apart.

// r[q] = column q of the 8×8 block whose rows were r[0..8].
__attribute__((target("avx2,fma"), always_inline))
static inline void transpose8x8(__m256 r[8]) {
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20); r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20); r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31); r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31); r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Transposed A for MR = 6: the panels of columns [0, m) × depth [p0, p0+kc) of alpha·op(A) into ap (panel r at
// ap + r·6·kc). Eight panels at a time, row p by row p: A's rows are read as runs of 48 floats (one panel at a time,
// each row lda apart, missed the TLB and stalled).
__attribute__((target("avx2,fma")))
static void pack_a_transposed6(const float *a, long lda, long m, long p0, long kc, float alpha, float *ap) {
    long mPanels = (m + 5) / 6;
    __m128 scale = _mm_set1_ps(alpha);
    for (long r0 = 0; r0 < mPanels; r0 += 8) {
        long r1 = r0 + 8 < mPanels ? r0 + 8 : mPanels;
        for (long p = 0; p < kc; p++) {
            const float *src = a + (p0 + p) * lda;
            if (p + 4 < kc)  // the run of a row four ahead (48 floats: 3 or 4 lines)
                for (long q = r0 * 6; q < r1 * 6 + 15; q += 16) _mm_prefetch((const char *)(src + 4 * lda + q), _MM_HINT_T0);
            for (long r = r0; r < r1; r++) {
                float *dst = ap + r * 6 * kc + p * 6;
                if (r * 6 + 6 <= m) {
                    __m128 lo = _mm_loadu_ps(src + r * 6), hi = _mm_castpd_ps(_mm_load_sd((const double *)(src + r * 6 + 4)));
                    if (alpha != 1) { lo = _mm_mul_ps(lo, scale); hi = _mm_mul_ps(hi, scale); }
                    _mm_storeu_ps(dst, lo);
                    _mm_store_sd((double *)(dst + 4), _mm_castps_pd(hi));
                } else {
                    for (long i = 0; i < 6; i++) dst[i] = r * 6 + i < m ? alpha * src[r * 6 + i] : 0;
                }
            }
        }
    }
}

// pack_a for MR = 6 (the AVX2 and AVX-512 kernels' panel height), A not transposed.
__attribute__((target("avx2,fma")))
static void pack_a_simd(int transA, const float *a, long lda, long i0, long mr, long p0, long kc, int MR, float alpha,
                        float *ap) {
    if (MR != 6 || mr != 6 || transA) {
        pack_a(transA, a, lda, i0, mr, p0, kc, MR, alpha, ap);
        return;
    }
    const float *rows = a + i0 * lda + p0;
    __m256 scale = _mm256_set1_ps(alpha);
    long p = 0;
    for (; p + 8 <= kc; p += 8) {  // 6 rows × 8 depths, transposed: 8 columns of 6 (+ 2 zeros)
        __m256 r[8];
        for (int i = 0; i < 6; i++) r[i] = _mm256_mul_ps(_mm256_loadu_ps(rows + i * lda + p), scale);
        r[6] = r[7] = _mm256_setzero_ps();
        transpose8x8(r);
        float *dst = ap + p * 6;
        for (int q = 0; q < 7; q++) _mm256_storeu_ps(dst + q * 6, r[q]);  // overlapping: q + 1 rewrites q's tail
        _mm_storeu_ps(dst + 42, _mm256_castps256_ps128(r[7]));  // the last column: 4 + 2 floats
        _mm_store_sd((double *)(dst + 46), _mm_castps_pd(_mm256_extractf128_ps(r[7], 1)));
    }
    for (; p < kc; p++)
        for (int i = 0; i < 6; i++) ap[p * 6 + i] = alpha * rows[i * lda + p];
}

// pack_b for NR a multiple of 8 (16 or 64).
__attribute__((target("avx2,fma")))
static void pack_b_simd(int transB, const float *b, long ldb, long j0, long nr, long p0, long kc, int NR, float *bp) {
    if (transB) {  // 8 rows of B (8 columns of op(B)) × 8 depths at a time, transposed
        long j = 0;
        for (; j + 8 <= nr; j += 8) {
            const float *src = b + (j0 + j) * ldb + p0;
            long p = 0;
            for (; p + 8 <= kc; p += 8) {
                __m256 r[8];
                for (int q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(src + q * ldb + p);
                transpose8x8(r);
                for (int q = 0; q < 8; q++) _mm256_storeu_ps(bp + (p + q) * NR + j, r[q]);
            }
            for (; p < kc; p++)
                for (int q = 0; q < 8; q++) bp[p * NR + j + q] = src[q * ldb + p];
        }
        for (; j < nr; j++) {
            const float *src = b + (j0 + j) * ldb + p0;
            for (long p = 0; p < kc; p++) bp[p * NR + j] = src[p];
        }
        for (j = nr; j < NR; j++)
            for (long p = 0; p < kc; p++) bp[p * NR + j] = 0;
        return;
    }
    if (nr == NR) {
        for (long p = 0; p < kc; p++) {
            const float *src = b + (p0 + p) * ldb + j0;
            float *dst = bp + p * NR;
            for (int j = 0; j < NR; j += 8) _mm256_storeu_ps(dst + j, _mm256_loadu_ps(src + j));
        }
        return;
    }
    pack_b(transB, b, ldb, j0, nr, p0, kc, NR, bp);
}
#endif

// ---- driver ----------------------------------------------------------------------------------
// simd: pack with pack_a_simd / pack_b_simd (the AVX2 and AVX-512 paths).
static void sgemm_blocked(gk_kernel kernel, int simd, int MR, int NR, int transA, int transB, long m, long n, long k,
                          float alpha, const float *a, long lda, const float *b, long ldb, float beta, float *c,
                          long ldc) {
    if (m <= 0 || n <= 0) return;
    if (beta != 0 && beta != 1) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] *= beta;
    }
    if (k <= 0 || alpha == 0) {
        if (beta == 0)
            for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    long mPanels = (m + MR - 1) / MR, mPadded = mPanels * MR;
    long ncMax = n < NC ? (n + NR - 1) / NR * NR : NC;
    float *ap = NULL, *bp = NULL;
    if (posix_memalign((void **)&ap, 64, (size_t)(mPadded * k) * sizeof(float)) != 0) abort();
    if (posix_memalign((void **)&bp, 64, (size_t)(KC * ncMax) * sizeof(float)) != 0) abort();
    // A once: block p0 starts at p0·mPadded, panel r of it at p0·mPadded + r·MR·kc.
    for (long p0 = 0; p0 < k; p0 += KC) {
        long kc = k - p0 < KC ? k - p0 : KC;
#if GK_X86
        if (simd && transA && MR == 6) {
            pack_a_transposed6(a, lda, m, p0, kc, alpha, ap + p0 * mPadded);
            continue;
        }
#endif
        for (long r = 0; r < mPanels; r++) {
            long mr = m - r * MR < MR ? m - r * MR : MR;
            float *panel = ap + p0 * mPadded + r * MR * kc;
#if GK_X86
            if (simd) { pack_a_simd(transA, a, lda, r * MR, mr, p0, kc, MR, alpha, panel); continue; }
#endif
            pack_a(transA, a, lda, r * MR, mr, p0, kc, MR, alpha, panel);
        }
    }
    float edge[MR_MAX * NR_MAX];
    for (long j0 = 0; j0 < n; j0 += NC) {
        long nc = n - j0 < NC ? n - j0 : NC;
        long nPanels = (nc + NR - 1) / NR;
        for (long p0 = 0; p0 < k; p0 += KC) {
            long kc = k - p0 < KC ? k - p0 : KC;
            int accumulate = p0 > 0 || beta != 0;
            for (long s = 0; s < nPanels; s++) {
                long nr = nc - s * NR < NR ? nc - s * NR : NR;
#if GK_X86
                if (simd) { pack_b_simd(transB, b, ldb, j0 + s * NR, nr, p0, kc, NR, bp + s * NR * kc); continue; }
#endif
                pack_b(transB, b, ldb, j0 + s * NR, nr, p0, kc, NR, bp + s * NR * kc);
            }
            for (long r = 0; r < mPanels; r++) {
                long mr = m - r * MR < MR ? m - r * MR : MR;
                const float *apanel = ap + p0 * mPadded + r * MR * kc;
                for (long s = 0; s < nPanels; s++) {
                    long nr = nc - s * NR < NR ? nc - s * NR : NR;
                    float *ct = c + r * MR * ldc + j0 + s * NR;
                    if (mr == MR && nr == NR) {
                        kernel(kc, apanel, bp + s * NR * kc, ct, ldc, accumulate);
                    } else {  // edge tile: full tile into a scratch buffer, valid part into C
                        kernel(kc, apanel, bp + s * NR * kc, edge, NR, 0);
                        for (long i = 0; i < mr; i++)
                            for (long j = 0; j < nr; j++)
                                ct[i * ldc + j] = accumulate ? ct[i * ldc + j] + edge[i * NR + j] : edge[i * NR + j];
                    }
                }
            }
        }
    }
    free(ap);
    free(bp);
}

int gk_sgemm_path_supported(int path) {
    switch (path) {
    case GK_SGEMM_PORTABLE: return 1;
#if GK_X86
    case GK_SGEMM_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case GK_SGEMM_AVX512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                                 __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

int gk_sgemm_best_path(void) {
    static _Atomic int best = 0;  // computed once (threads racing here store the same value)
    if (best == 0) {
        best = gk_sgemm_path_supported(GK_SGEMM_AVX512) ? GK_SGEMM_AVX512
             : gk_sgemm_path_supported(GK_SGEMM_AVX2)   ? GK_SGEMM_AVX2
                                                        : GK_SGEMM_PORTABLE;
    }
    return best;
}

int gk_sgemm_with_path(int path, int transA, int transB, long m, long n, long k, float alpha, const float *a,
                       long lda, const float *b, long ldb, float beta, float *c, long ldc) {
    if (path == GK_SGEMM_AUTO) path = gk_sgemm_best_path();
    if (!gk_sgemm_path_supported(path)) return -1;
    switch (path) {
#if GK_X86
    case GK_SGEMM_AVX512:
        sgemm_blocked(kernel_avx512, 1, 6, 64, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
    case GK_SGEMM_AVX2:
        sgemm_blocked(kernel_avx2, 1, 6, 16, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        break;
#endif
    default:
        sgemm_blocked(kernel_portable, 0, 4, 16, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
    return 0;
}

static _Atomic int kernelChoice = -1;  // -1: not read from GANKIT_GEMM yet

int gk_gemm_kernel_choice(void) {
    int choice = kernelChoice;
    if (choice < 0) {  // GANKIT_GEMM=automatic|openblas|gankit, read once (tests and benchmarks use it)
        const char *env = getenv("GANKIT_GEMM");
        choice = env && strcmp(env, "openblas") == 0 ? 1 : env && strcmp(env, "gankit") == 0 ? 2 : 0;
        int expected = -1;
        if (!atomic_compare_exchange_strong(&kernelChoice, &expected, choice))
            choice = expected;
    }
    return choice;
}

void gk_set_gemm_kernel_choice(int choice) { kernelChoice = choice; }

void gk_sgemm(int transA, int transB, long m, long n, long k, float alpha, const float *a, long lda, const float *b,
              long ldb, float beta, float *c, long ldc) {
    gk_sgemm_with_path(GK_SGEMM_AUTO, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
