// Winograd F(4×4, 3×3) and F(2×2, 3×3) forward tile transforms with AVX-512 (math and layouts: GANCore's Winograd.swift and
// WinogradTransforms.swift, whose Swift SIMD code is the reference and the path on CPUs without AVX-512):
//   input:  V[ξ][t] = (Bᵀ d B)[ξ] for each α×α input tile d (α = m + 2, step m; zeros outside the plane),
//   output: Y = Aᵀ M A (+ bias) for each tile, the m×m outputs written into the plane.
// Sixteen tiles of a tile row go through at once, one per lane. A row of input tiles is loaded as
// whole vectors (masked at the plane's edges, so padding and partial tiles read zeros) and split into
// its phases (columns m·l + j, j < m) by rounds of even/odd permutes; phases m and m + 1 are phases
// 0 and 1 moved by one tile. The outputs go the reverse way. Each 2-D transform is the 1-D map
// on every row, then on every column.
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

#if GK_X86
#define GK_AVX512 __attribute__((target("avx512f,avx512dq,fma")))
#define GK_AVX512_INLINE __attribute__((target("avx512f,avx512dq,fma"), always_inline)) static inline

#include "winograd_maps.h"

// Lanes [lo, hi) of 16 set (empty when hi <= lo).
static inline __mmask16 lane_range(long lo, long hi) {
    if (lo < 0) lo = 0;
    if (hi > 16) hi = 16;
    if (hi <= lo) return 0;
    return (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// p[0, lanes) = the first `lanes` lanes of v: plain stores for 16 and 8 lanes, a masked store otherwise.
GK_AVX512_INLINE void store_lanes(float *p, __m512 v, long lanes) {
    if (lanes == 16) _mm512_storeu_ps(p, v);
    else if (lanes == 8) _mm256_storeu_ps(p, _mm512_castps512_ps256(v));
    else _mm512_mask_storeu_ps(p, lane_range(0, lanes), v);
}

// ph[j] lane l = column 4l + j of the 64 columns z0 | z1 | z2 | z3 (j < 4): rounds of even/odd permutes.
GK_AVX512_INLINE void split_phases(__m512 z0, __m512 z1, __m512 z2, __m512 z3, __m512 ph[4]) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512 e01 = _mm512_permutex2var_ps(z0, even, z1), o01 = _mm512_permutex2var_ps(z0, odd, z1);
    __m512 e23 = _mm512_permutex2var_ps(z2, even, z3), o23 = _mm512_permutex2var_ps(z2, odd, z3);
    ph[0] = _mm512_permutex2var_ps(e01, even, e23);
    ph[2] = _mm512_permutex2var_ps(e01, odd, e23);
    ph[1] = _mm512_permutex2var_ps(o01, even, o23);
    ph[3] = _mm512_permutex2var_ps(o01, odd, o23);
}

// The reverse: chunk[k] = columns [16k, 16k + 16) of the row whose column 4l + j is q[j] lane l.
GK_AVX512_INLINE void join_phases(const __m512 q[4], __m512 chunk[4]) {
    // Two lanes of each of two vectors in turn (pairs: 64-bit elements), then those pairs interleaved.
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512i pairsLo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i pairsHi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    __m512 a01 = _mm512_permutex2var_ps(q[0], lo, q[1]), b01 = _mm512_permutex2var_ps(q[0], hi, q[1]);
    __m512 a23 = _mm512_permutex2var_ps(q[2], lo, q[3]), b23 = _mm512_permutex2var_ps(q[2], hi, q[3]);
    chunk[0] = _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(a01), pairsLo, _mm512_castps_pd(a23)));
    chunk[1] = _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(a01), pairsHi, _mm512_castps_pd(a23)));
    chunk[2] = _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(b01), pairsLo, _mm512_castps_pd(b23)));
    chunk[3] = _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(b01), pairsHi, _mm512_castps_pd(b23)));
}

GK_AVX512
static void winograd4x4_input_avx512(const float *plane, long h, long w, long padding, long tilesWide, long ty0,
                                     long ty1, float *v, long positionStride) {
    for (long ty = ty0; ty < ty1; ty++) {
        long y0 = 4 * ty - padding;
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16, x0 = 4 * tx0 - padding;
            // Columns x0 + 16k + [0, 16) inside [0, w); chunk 4 needs only columns 64 and 65.
            __mmask16 load[5];
            for (int k = 0; k < 5; k++) load[k] = lane_range(-(x0 + 16 * k), w - (x0 + 16 * k));
            load[4] &= 0x3;
            __m512 r[6][6];  // r[i][l] = (d Bᵀ-transformed along its rows)[i][l]
            for (int i = 0; i < 6; i++) {
                long y = y0 + i;
                __m512 ph[6];
                if (y < 0 || y >= h) {
                    for (int j = 0; j < 6; j++) ph[j] = _mm512_setzero_ps();
                } else {
                    const float *row = plane + y * w + x0;
                    __m512 z0 = _mm512_maskz_loadu_ps(load[0], row), z1 = _mm512_maskz_loadu_ps(load[1], row + 16);
                    __m512 z2 = _mm512_maskz_loadu_ps(load[2], row + 32), z3 = _mm512_maskz_loadu_ps(load[3], row + 48);
                    __m512 z4 = _mm512_maskz_loadu_ps(load[4], row + 64);
                    split_phases(z0, z1, z2, z3, ph);  // columns 4l + j
                    __m512i z4i = _mm512_castps_si512(z4);
                    ph[4] = _mm512_castsi512_ps(_mm512_alignr_epi32(z4i, _mm512_castps_si512(ph[0]), 1));  // 4l + 4
                    ph[5] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_alignr_epi32(z4i, z4i, 1),
                                                                    _mm512_castps_si512(ph[1]), 1));  // 4l + 5
                }
                bt6(ph, r[i]);
            }
            float *out = v + (ty - ty0) * tilesWide + tx0;
            for (int l = 0; l < 6; l++) {
                __m512 x[6], y[6];
                for (int i = 0; i < 6; i++) x[i] = r[i][l];
                bt6(x, y);
                for (int k = 0; k < 6; k++) store_lanes(out + (k * 6 + l) * positionStride, y[k], lanes);
            }
        }
    }
}

GK_AVX512
static void winograd4x4_output_avx512(const float *m, long positionStride, long tilesWide, long ty0, long ty1,
                                      float bias, float *out, long outHeight, long outWidth) {
    __m512 b = _mm512_set1_ps(bias);
    for (long ty = ty0; ty < ty1; ty++) {
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16;
            __mmask16 load = lane_range(0, lanes);
            const float *at = m + (ty - ty0) * tilesWide + tx0;
            __m512 c[4][6];  // c[i][l] = (Aᵀ M)[i][l]
            for (int l = 0; l < 6; l++) {
                __m512 x[6], y[4];
                for (int k = 0; k < 6; k++) x[k] = _mm512_maskz_loadu_ps(load, at + (k * 6 + l) * positionStride);
                at6(x, y);
                for (int i = 0; i < 4; i++) c[i][l] = y[i];
            }
            for (int i = 0; i < 4; i++) {
                long y = 4 * ty + i;
                if (y >= outHeight) break;
                __m512 q[4];
                at6(c[i], q);  // q[j][l]: output column 4l + j of this row
                __m512 chunk[4];
                join_phases(q, chunk);
                float *row = out + y * outWidth + 4 * tx0;
                for (int k = 0; k < 4; k++) {
                    __mmask16 store = lane_range(0, outWidth - (4 * tx0 + 16 * k));
                    if (store) _mm512_mask_storeu_ps(row + 16 * k, store, _mm512_add_ps(chunk[k], b));
                }
            }
        }
    }
}

// F(2×2, 3×3): Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
GK_AVX512_INLINE void bt4(const __m512 x[4], __m512 y[4]) {
    y[0] = _mm512_sub_ps(x[0], x[2]);
    y[1] = _mm512_add_ps(x[1], x[2]);
    y[2] = _mm512_sub_ps(x[2], x[1]);
    y[3] = _mm512_sub_ps(x[1], x[3]);
}

GK_AVX512_INLINE void at4(const __m512 x[4], __m512 y[2]) {
    y[0] = _mm512_add_ps(_mm512_add_ps(x[0], x[1]), x[2]);
    y[1] = _mm512_sub_ps(_mm512_sub_ps(x[1], x[2]), x[3]);
}

GK_AVX512
static void winograd2x2_input_avx512(const float *plane, long h, long w, long padding, long tilesWide, long ty0,
                                     long ty1, float *v, long positionStride) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    for (long ty = ty0; ty < ty1; ty++) {
        long y0 = 2 * ty - padding;
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16, x0 = 2 * tx0 - padding;
            __mmask16 load[3];  // columns x0 + 16k + [0, 16) inside [0, w); chunk 2 needs only columns 32 and 33
            for (int k = 0; k < 3; k++) load[k] = lane_range(-(x0 + 16 * k), w - (x0 + 16 * k));
            load[2] &= 0x3;
            __m512 r[4][4];
            for (int i = 0; i < 4; i++) {
                long y = y0 + i;
                __m512 ph[4];
                if (y < 0 || y >= h) {
                    for (int j = 0; j < 4; j++) ph[j] = _mm512_setzero_ps();
                } else {
                    const float *row = plane + y * w + x0;
                    __m512 z0 = _mm512_maskz_loadu_ps(load[0], row), z1 = _mm512_maskz_loadu_ps(load[1], row + 16);
                    __m512i z2 = _mm512_castps_si512(_mm512_maskz_loadu_ps(load[2], row + 32));
                    ph[0] = _mm512_permutex2var_ps(z0, even, z1);  // columns 2l
                    ph[1] = _mm512_permutex2var_ps(z0, odd, z1);   // 2l + 1
                    ph[2] = _mm512_castsi512_ps(_mm512_alignr_epi32(z2, _mm512_castps_si512(ph[0]), 1));  // 2l + 2
                    ph[3] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_alignr_epi32(z2, z2, 1),
                                                                    _mm512_castps_si512(ph[1]), 1));  // 2l + 3
                }
                bt4(ph, r[i]);
            }
            float *out = v + (ty - ty0) * tilesWide + tx0;
            for (int l = 0; l < 4; l++) {
                __m512 x[4] = {r[0][l], r[1][l], r[2][l], r[3][l]}, y[4];
                bt4(x, y);
                for (int k = 0; k < 4; k++) store_lanes(out + (k * 4 + l) * positionStride, y[k], lanes);
            }
        }
    }
}

GK_AVX512
static void winograd2x2_output_avx512(const float *m, long positionStride, long tilesWide, long ty0, long ty1,
                                      float bias, float *out, long outHeight, long outWidth) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512 b = _mm512_set1_ps(bias);
    for (long ty = ty0; ty < ty1; ty++) {
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16;
            __mmask16 load = lane_range(0, lanes);
            const float *at = m + (ty - ty0) * tilesWide + tx0;
            __m512 c[2][4];  // c[i][l] = (Aᵀ M)[i][l]
            for (int l = 0; l < 4; l++) {
                __m512 x[4], y[2];
                for (int k = 0; k < 4; k++) x[k] = _mm512_maskz_loadu_ps(load, at + (k * 4 + l) * positionStride);
                at4(x, y);
                c[0][l] = y[0];
                c[1][l] = y[1];
            }
            for (int i = 0; i < 2; i++) {
                long y = 2 * ty + i;
                if (y >= outHeight) break;
                __m512 q[2];
                at4(c[i], q);  // q[j][l]: output column 2l + j of this row
                __m512 chunk[2] = {_mm512_permutex2var_ps(q[0], lo, q[1]), _mm512_permutex2var_ps(q[0], hi, q[1])};
                float *row = out + y * outWidth + 2 * tx0;
                for (int k = 0; k < 2; k++) {
                    __mmask16 store = lane_range(0, outWidth - (2 * tx0 + 16 * k));
                    if (store) _mm512_mask_storeu_ps(row + 16 * k, store, _mm512_add_ps(chunk[k], b));
                }
            }
        }
    }
}

// ---- F(4×4) backward: the adjoints of the two forward transforms ---------------------------------

// dM[ξ][t] = (A dY Aᵀ)[ξ] for each 4×4 output tile of dy [outHeight][outWidth] (outputs past the edges read 0).
GK_AVX512
static void winograd4x4_output_adjoint_avx512(const float *dy, long outHeight, long outWidth, long tilesWide,
                                              long ty0, long ty1, float *dm, long positionStride) {
    for (long ty = ty0; ty < ty1; ty++) {
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16, x0 = 4 * tx0;
            __mmask16 load[4];
            for (int k = 0; k < 4; k++) load[k] = lane_range(0, outWidth - (x0 + 16 * k));
            __m512 r[4][6];  // r[i][l]: row i of the tile through A
            for (int i = 0; i < 4; i++) {
                long y = 4 * ty + i;
                __m512 ph[4];
                if (y >= outHeight) {
                    for (int j = 0; j < 4; j++) ph[j] = _mm512_setzero_ps();
                } else {
                    const float *row = dy + y * outWidth + x0;
                    __m512 z0 = _mm512_maskz_loadu_ps(load[0], row), z1 = _mm512_maskz_loadu_ps(load[1], row + 16);
                    __m512 z2 = _mm512_maskz_loadu_ps(load[2], row + 32), z3 = _mm512_maskz_loadu_ps(load[3], row + 48);
                    split_phases(z0, z1, z2, z3, ph);
                }
                a6(ph, r[i]);
            }
            float *out = dm + (ty - ty0) * tilesWide + tx0;
            for (int l = 0; l < 6; l++) {
                __m512 x[4] = {r[0][l], r[1][l], r[2][l], r[3][l]}, y[6];
                a6(x, y);
                for (int k = 0; k < 6; k++) store_lanes(out + (k * 6 + l) * positionStride, y[k], lanes);
            }
        }
    }
}

// dImage += B dV Bᵀ for each 6×6 tile (step 4, tiles overlapping by two rows and columns; positions outside the
// plane dropped): lanes are added one tile row after another, columns 4 and 5 of tile l onto columns 0 and 1 of l + 1.
GK_AVX512
static void winograd4x4_input_adjoint_avx512(const float *dv, long positionStride, long h, long w, long padding,
                                             long tilesWide, long ty0, long ty1, float *image) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const __m512i pairsLo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
    const __m512i pairsHi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
    const __m512i zero = _mm512_setzero_si512();
    for (long ty = ty0; ty < ty1; ty++) {
        long y0 = 4 * ty - padding;
        for (long tx0 = 0; tx0 < tilesWide; tx0 += 16) {
            long lanes = tilesWide - tx0 < 16 ? tilesWide - tx0 : 16, x0 = 4 * tx0 - padding;
            __mmask16 load = lane_range(0, lanes), store[4];
            for (int k = 0; k < 4; k++) store[k] = lane_range(-(x0 + 16 * k), w - (x0 + 16 * k));
            const float *at = dv + (ty - ty0) * tilesWide + tx0;
            __m512 c[6][6];  // c[i][l] = (B dV)[i][l]
            for (int l = 0; l < 6; l++) {
                __m512 x[6], y[6];
                for (int k = 0; k < 6; k++) x[k] = _mm512_maskz_loadu_ps(load, at + (k * 6 + l) * positionStride);
                b6(x, y);
                for (int i = 0; i < 6; i++) c[i][l] = y[i];
            }
            for (int i = 0; i < 6; i++) {
                long y = y0 + i;
                if (y < 0 || y >= h) continue;
                __m512 q[6];
                b6(c[i], q);  // q[j][l]: column 4l + j of this row
                // Columns 4 and 5 of tile l land on columns 0 and 1 of tile l + 1 (of the next group for l = 15).
                float spill4 = _mm512_cvtss_f32(_mm512_castsi512_ps(_mm512_alignr_epi32(zero, _mm512_castps_si512(q[4]), 15)));
                float spill5 = _mm512_cvtss_f32(_mm512_castsi512_ps(_mm512_alignr_epi32(zero, _mm512_castps_si512(q[5]), 15)));
                q[0] = _mm512_add_ps(q[0], _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(q[4]), zero, 15)));
                q[1] = _mm512_add_ps(q[1], _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(q[5]), zero, 15)));
                __m512 a01 = _mm512_permutex2var_ps(q[0], lo, q[1]), b01 = _mm512_permutex2var_ps(q[0], hi, q[1]);
                __m512 a23 = _mm512_permutex2var_ps(q[2], lo, q[3]), b23 = _mm512_permutex2var_ps(q[2], hi, q[3]);
                __m512 chunk[4] = {
                    _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(a01), pairsLo, _mm512_castps_pd(a23))),
                    _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(a01), pairsHi, _mm512_castps_pd(a23))),
                    _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(b01), pairsLo, _mm512_castps_pd(b23))),
                    _mm512_castpd_ps(_mm512_permutex2var_pd(_mm512_castps_pd(b01), pairsHi, _mm512_castps_pd(b23))),
                };
                float *row = image + y * w + x0;
                for (int k = 0; k < 4; k++) {
                    if (!store[k]) continue;
                    __m512 old = _mm512_maskz_loadu_ps(store[k], row + 16 * k);
                    _mm512_mask_storeu_ps(row + 16 * k, store[k], _mm512_add_ps(old, chunk[k]));
                }
                if (lanes == 16) {  // the last lane's columns 4 and 5 (zero when the group is partial)
                    if (x0 + 64 >= 0 && x0 + 64 < w) row[64] += spill4;
                    if (x0 + 65 >= 0 && x0 + 65 < w) row[65] += spill5;
                }
            }
        }
    }
}

// ---- F(4×4) weight gradient: dg[o][c] += Gᵀ dU[o][c] G ------------------------------------------------
// y = Gᵀ x (6 → 3): Gᵀ = [¼ -⅙ -⅙ 1/24 1/24 0; 0 -⅙ ⅙ 1/12 -1/12 0; 0 -⅙ -⅙ ⅙ ⅙ 1].
GK_AVX512_INLINE void gt6(const __m512 x[6], __m512 y[3]) {
    __m512 s12 = _mm512_add_ps(x[1], x[2]), s34 = _mm512_add_ps(x[3], x[4]);
    __m512 sixth = _mm512_set1_ps(1.0f / 6);
    y[0] = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 24), s34,
                           _mm512_fnmadd_ps(sixth, s12, _mm512_mul_ps(_mm512_set1_ps(0.25f), x[0])));
    y[1] = _mm512_fmadd_ps(_mm512_set1_ps(1.0f / 12), _mm512_sub_ps(x[3], x[4]), _mm512_mul_ps(sixth, _mm512_sub_ps(x[2], x[1])));
    y[2] = _mm512_fmadd_ps(sixth, _mm512_sub_ps(s34, s12), x[5]);
}

// y = G x (3 → 6), as Winograd4x4.g: G = [¼ 0 0; -⅙ -⅙ -⅙; -⅙ ⅙ -⅙; 1/24 1/12 ⅙; 1/24 -1/12 ⅙; 0 0 1].
GK_AVX512_INLINE void g6(const __m512 x[3], __m512 y[6]) {
    __m512 e = _mm512_add_ps(x[0], x[2]), minusSixth = _mm512_set1_ps(-1.0f / 6);
    __m512 p = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(1.0f / 24), x[0]), _mm512_mul_ps(_mm512_set1_ps(1.0f / 6), x[2]));
    __m512 q = _mm512_mul_ps(_mm512_set1_ps(1.0f / 12), x[1]);
    y[0] = _mm512_mul_ps(_mm512_set1_ps(0.25f), x[0]);
    y[1] = _mm512_mul_ps(minusSixth, _mm512_add_ps(e, x[1]));
    y[2] = _mm512_mul_ps(minusSixth, _mm512_sub_ps(e, x[1]));
    y[3] = _mm512_add_ps(p, q);
    y[4] = _mm512_sub_ps(p, q);
    y[5] = x[2];
}

// The weight transform for output channel o: U[ξ][o][c] = (G g[o][c] Gᵀ)[ξ], stored at u[ξ·positionStride + o·channels
// + c], sixteen input channels per vector (the weights are re-transformed after every optimizer step).
GK_AVX512
static void winograd4x4_weights_avx512(const float *weight, long o, long channels, float *u, long positionStride) {
    for (long c0 = 0; c0 < channels; c0 += 16) {
        long lanes = channels - c0 < 16 ? channels - c0 : 16;
        __mmask16 store = lane_range(0, lanes);
        float g[9][16] = {{0}};
        const float *src = weight + (o * channels + c0) * 9;
        for (long l = 0; l < lanes; l++)
            for (int k = 0; k < 9; k++) g[k][l] = src[9 * l + k];
        __m512 t[6][3];  // t[r][j] = (G g)[r][j]
        for (int j = 0; j < 3; j++) {
            __m512 x[3] = {_mm512_loadu_ps(g[j]), _mm512_loadu_ps(g[3 + j]), _mm512_loadu_ps(g[6 + j])}, y[6];
            g6(x, y);
            for (int r = 0; r < 6; r++) t[r][j] = y[r];
        }
        float *dst = u + o * channels + c0;
        for (int r = 0; r < 6; r++) {
            __m512 y[6];
            g6(t[r], y);
            for (int k = 0; k < 6; k++) _mm512_mask_storeu_ps(dst + (r * 6 + k) * positionStride, store, y[k]);
        }
    }
}

// For output channel o, input channels [0, channels): dU[ξ][o][c] = du[ξ·positionStride + o·channels + c];
// dweight [o][channels][3][3] gets Gᵀ dU G added, sixteen input channels per vector.
GK_AVX512
static void winograd4x4_weights_adjoint_avx512(const float *du, long positionStride, long o, long channels,
                                               float *dweight) {
    for (long c0 = 0; c0 < channels; c0 += 16) {
        long lanes = channels - c0 < 16 ? channels - c0 : 16;
        __mmask16 load = lane_range(0, lanes);
        const float *at = du + o * channels + c0;
        __m512 t[3][6];  // t[i][l] = (Gᵀ dU)[i][l]
        for (int l = 0; l < 6; l++) {
            __m512 x[6], y[3];
            for (int k = 0; k < 6; k++) x[k] = _mm512_maskz_loadu_ps(load, at + (k * 6 + l) * positionStride);
            gt6(x, y);
            for (int i = 0; i < 3; i++) t[i][l] = y[i];
        }
        float g[9][16];
        for (int i = 0; i < 3; i++) {
            __m512 y[3];
            gt6(t[i], y);
            for (int j = 0; j < 3; j++) _mm512_storeu_ps(g[3 * i + j], y[j]);
        }
        float *dst = dweight + (o * channels + c0) * 9;
        for (long l = 0; l < lanes; l++)
            for (int k = 0; k < 9; k++) dst[9 * l + k] += g[k][l];
    }
}

// Planes at most 8 tiles wide (32x32 activations: the 128 px training network's residual blocks) would leave half of
// each vector empty above, so F(4×4) takes two tile rows per vector there: lanes 0-7 hold tile row ty, lanes 8-15
// row ty + 1. A row of tiles spans 34 columns: columns 0-31 load as two vectors per tile row (where one tile row
// loaded four), and columns 32 and 33, which phases 4 and 5 need in lanes 7 and 15, are put in separately.
// V, M and dM keep their layout (tile t of row ty at (ty - ty0)·tilesWide + t): the two rows' lanes are compressed
// into, and expanded from, 2·tilesWide consecutive floats.

// Lanes [0, tilesWide) and, when the second row exists, [8, 8 + tilesWide).
static inline __mmask16 pair_lanes(long tilesWide, int secondRow) {
    __mmask16 first = lane_range(0, tilesWide);
    return secondRow ? (__mmask16)(first | (first << 8)) : first;
}

// The phases of columns x0 + 4l + j (j < 4, l < 8) of two rows: ph[j] lanes 0-7 from row a, 8-15 from row b (NULL: zeros).
GK_AVX512_INLINE void pair_phases(const float *a, const float *b, long x0, long w, __m512 ph[4]) {
    __mmask16 m0 = lane_range(-x0, w - x0), m1 = lane_range(-(x0 + 16), w - (x0 + 16));
    __m512 z0 = a ? _mm512_maskz_loadu_ps(m0, a + x0) : _mm512_setzero_ps();
    __m512 z1 = a ? _mm512_maskz_loadu_ps(m1, a + x0 + 16) : _mm512_setzero_ps();
    __m512 z2 = b ? _mm512_maskz_loadu_ps(m0, b + x0) : _mm512_setzero_ps();
    __m512 z3 = b ? _mm512_maskz_loadu_ps(m1, b + x0 + 16) : _mm512_setzero_ps();
    split_phases(z0, z1, z2, z3, ph);
}

GK_AVX512
static void winograd4x4_input_pairs_avx512(const float *plane, long h, long w, long padding, long tilesWide, long ty0,
                                           long ty1, float *v, long positionStride) {
    const long x0 = -padding;
    const __mmask16 tailLoad = lane_range(-(x0 + 32), w - (x0 + 32)) & 0x3;
    for (long ty = ty0; ty < ty1; ty += 2) {
        int second = ty + 1 < ty1;
        __mmask16 lanes = pair_lanes(tilesWide, second);
        __m512 r[6][6];
        for (int i = 0; i < 6; i++) {
            long ya = 4 * ty - padding + i, yb = ya + 4;
            const float *a = ya >= 0 && ya < h ? plane + ya * w : NULL;
            const float *b = second && yb >= 0 && yb < h ? plane + yb * w : NULL;
            __m512 ph[6];
            pair_phases(a, b, x0, w, ph);
            __m512 tailA = a ? _mm512_maskz_loadu_ps(tailLoad, a + x0 + 32) : _mm512_setzero_ps();
            __m512 tailB = b ? _mm512_maskz_loadu_ps(tailLoad, b + x0 + 32) : _mm512_setzero_ps();
            __m512i tb = _mm512_castps_si512(tailB);
            // Phases 4 and 5: phases 0 and 1 moved by one tile, lane 15 from row b's columns 32/33, lane 7 from row a's.
            ph[4] = _mm512_castsi512_ps(_mm512_alignr_epi32(tb, _mm512_castps_si512(ph[0]), 1));
            ph[5] = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_alignr_epi32(tb, tb, 1), _mm512_castps_si512(ph[1]), 1));
            ph[4] = _mm512_mask_mov_ps(ph[4], 1 << 7, _mm512_permutexvar_ps(_mm512_set1_epi32(0), tailA));
            ph[5] = _mm512_mask_mov_ps(ph[5], 1 << 7, _mm512_permutexvar_ps(_mm512_set1_epi32(1), tailA));
            bt6(ph, r[i]);
        }
        float *out = v + (ty - ty0) * tilesWide;
        for (int l = 0; l < 6; l++) {
            __m512 x[6], y[6];
            for (int i = 0; i < 6; i++) x[i] = r[i][l];
            bt6(x, y);
            for (int k = 0; k < 6; k++) _mm512_mask_compressstoreu_ps(out + (k * 6 + l) * positionStride, lanes, y[k]);
        }
    }
}

GK_AVX512
static void winograd4x4_output_pairs_avx512(const float *m, long positionStride, long tilesWide, long ty0, long ty1,
                                            float bias, float *out, long outHeight, long outWidth) {
    const __m512 b = _mm512_set1_ps(bias);
    const __mmask16 store0 = lane_range(0, outWidth), store1 = lane_range(0, outWidth - 16);
    for (long ty = ty0; ty < ty1; ty += 2) {
        int second = ty + 1 < ty1;
        __mmask16 lanes = pair_lanes(tilesWide, second);
        const float *at = m + (ty - ty0) * tilesWide;
        __m512 c[4][6];
        for (int l = 0; l < 6; l++) {
            __m512 x[6], y[4];
            for (int k = 0; k < 6; k++) x[k] = _mm512_maskz_expandloadu_ps(lanes, at + (k * 6 + l) * positionStride);
            at6(x, y);
            for (int i = 0; i < 4; i++) c[i][l] = y[i];
        }
        for (int i = 0; i < 4; i++) {
            __m512 q[4];
            at6(c[i], q);
            __m512 chunk[4];
            join_phases(q, chunk);  // output columns [0, 16) and [16, 32) of row a, then of row b
            for (int half = 0; half < 1 + second; half++) {
                long y = 4 * (ty + half) + i;
                if (y >= outHeight) continue;
                float *row = out + y * outWidth;
                _mm512_mask_storeu_ps(row, store0, _mm512_add_ps(chunk[2 * half], b));
                if (store1) _mm512_mask_storeu_ps(row + 16, store1, _mm512_add_ps(chunk[2 * half + 1], b));
            }
        }
    }
}

GK_AVX512
static void winograd4x4_output_adjoint_pairs_avx512(const float *dy, long outHeight, long outWidth, long tilesWide,
                                                    long ty0, long ty1, float *dm, long positionStride) {
    for (long ty = ty0; ty < ty1; ty += 2) {
        int second = ty + 1 < ty1;
        __mmask16 lanes = pair_lanes(tilesWide, second);
        __m512 r[4][6];
        for (int i = 0; i < 4; i++) {
            long ya = 4 * ty + i, yb = ya + 4;
            const float *a = ya < outHeight ? dy + ya * outWidth : NULL;
            const float *b = second && yb < outHeight ? dy + yb * outWidth : NULL;
            __m512 ph[4];
            pair_phases(a, b, 0, outWidth, ph);
            a6(ph, r[i]);
        }
        float *out = dm + (ty - ty0) * tilesWide;
        for (int l = 0; l < 6; l++) {
            __m512 x[4] = {r[0][l], r[1][l], r[2][l], r[3][l]}, y[6];
            a6(x, y);
            for (int k = 0; k < 6; k++) _mm512_mask_compressstoreu_ps(out + (k * 6 + l) * positionStride, lanes, y[k]);
        }
    }
}

static int winograd_avx512_supported(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
}
#endif

int gk_winograd_kernels_supported(void) {
#if GK_X86
    static _Atomic int supported = -1;  // computed once (threads racing here store the same value)
    if (supported < 0) supported = winograd_avx512_supported();
    return supported;
#else
    return 0;
#endif
}

int gk_winograd_input(int outputTile, const float *plane, long h, long w, long padding, long tilesWide, long ty0,
                      long ty1, float *v, long positionStride) {
#if GK_X86
    if (!gk_winograd_kernels_supported()) return -1;
    if (outputTile == 4 && tilesWide <= 8) winograd4x4_input_pairs_avx512(plane, h, w, padding, tilesWide, ty0, ty1, v, positionStride);
    else if (outputTile == 4) winograd4x4_input_avx512(plane, h, w, padding, tilesWide, ty0, ty1, v, positionStride);
    else if (outputTile == 2) winograd2x2_input_avx512(plane, h, w, padding, tilesWide, ty0, ty1, v, positionStride);
    else return -1;
    return 0;
#else
    return -1;
#endif
}

int gk_winograd_output(int outputTile, const float *m, long positionStride, long tilesWide, long ty0, long ty1,
                       float bias, float *out, long outHeight, long outWidth) {
#if GK_X86
    if (!gk_winograd_kernels_supported()) return -1;
    if (outputTile == 4 && tilesWide <= 8) winograd4x4_output_pairs_avx512(m, positionStride, tilesWide, ty0, ty1, bias, out, outHeight, outWidth);
    else if (outputTile == 4) winograd4x4_output_avx512(m, positionStride, tilesWide, ty0, ty1, bias, out, outHeight, outWidth);
    else if (outputTile == 2) winograd2x2_output_avx512(m, positionStride, tilesWide, ty0, ty1, bias, out, outHeight, outWidth);
    else return -1;
    return 0;
#else
    return -1;
#endif
}

int gk_winograd_output_adjoint(int outputTile, const float *dy, long outHeight, long outWidth, long tilesWide, long ty0,
                               long ty1, float *dm, long positionStride) {
#if GK_X86
    if (!gk_winograd_kernels_supported() || outputTile != 4) return -1;
    if (tilesWide <= 8) winograd4x4_output_adjoint_pairs_avx512(dy, outHeight, outWidth, tilesWide, ty0, ty1, dm, positionStride);
    else winograd4x4_output_adjoint_avx512(dy, outHeight, outWidth, tilesWide, ty0, ty1, dm, positionStride);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd_input_adjoint(int outputTile, const float *dv, long positionStride, long h, long w, long padding,
                              long tilesWide, long ty0, long ty1, float *image) {
#if GK_X86
    if (!gk_winograd_kernels_supported() || outputTile != 4) return -1;
    winograd4x4_input_adjoint_avx512(dv, positionStride, h, w, padding, tilesWide, ty0, ty1, image);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd_weights(int outputTile, const float *weight, long o, long channels, float *u, long positionStride) {
#if GK_X86
    if (!gk_winograd_kernels_supported() || outputTile != 4) return -1;
    winograd4x4_weights_avx512(weight, o, channels, u, positionStride);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd_weights_adjoint(int outputTile, const float *du, long positionStride, long o, long channels,
                                float *dweight) {
#if GK_X86
    if (!gk_winograd_kernels_supported() || outputTile != 4) return -1;
    winograd4x4_weights_adjoint_avx512(du, positionStride, o, channels, dweight);
    return 0;
#else
    return -1;
#endif
}
