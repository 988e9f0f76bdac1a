// Winograd F(4×4, 3×3) tile transforms with sixteen channels in the lanes, for batches of small images (GANCore's
// WinogradGrouped.swift). Planes of 7×7 or 14×14 leave the tiles-in-lanes kernels of winograd.c mostly empty (2 or
// 4 tiles a row); here every lane is busy whenever the layer has 16 channels or more. Layouts:
//   images: HWC, x[(y·w + x)·c + ch];
//   V, M and their gradients: [ξ][t][ch], element (ξ, t, ch) at ξ·positionStride + t·c + ch, where t = firstTile +
//   ty·tilesWide + tx numbers the tiles of one image after those of the images before it in the group.
// Each 2-D transform is the 1-D map (winograd_maps.h) on every row of the tile, then on every column, as in winograd.c.
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

#if GK_X86
#define GK_AVX512 __attribute__((target("avx512f,avx512dq,fma")))
#define GK_AVX512_INLINE __attribute__((target("avx512f,avx512dq,fma"), always_inline)) static inline
#include "winograd_maps.h"

// Lanes [0, n) of 16 set.
static inline __mmask16 first_lanes(long n) { return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1); }

// V[ξ][t] = (Bᵀ d B)[ξ] for each 6×6 input tile d at (4·ty - padding, 4·tx - padding), zeros outside the image.
GK_AVX512
static void input_channels(const float *x, long h, long w, long c, long padding, long tilesHigh, long tilesWide,
                           float *v, long positionStride, long firstTile) {
    for (long ty = 0; ty < tilesHigh; ty++) {
        for (long tx = 0; tx < tilesWide; tx++) {
            long y0 = 4 * ty - padding, x0 = 4 * tx - padding, t = firstTile + ty * tilesWide + tx;
            for (long c0 = 0; c0 < c; c0 += 16) {
                __mmask16 lanes = first_lanes(c - c0);
                __m512 r[6][6];  // r[i][l]: row i of the tile through Bᵀ
                for (int i = 0; i < 6; i++) {
                    long y = y0 + i;
                    __m512 d[6];
                    for (int j = 0; j < 6; j++) {
                        long xx = x0 + j;
                        d[j] = y >= 0 && y < h && xx >= 0 && xx < w
                            ? _mm512_maskz_loadu_ps(lanes, x + (y * w + xx) * c + c0) : _mm512_setzero_ps();
                    }
                    bt6(d, r[i]);
                }
                float *out = v + t * c + c0;
                for (int l = 0; l < 6; l++) {
                    __m512 col[6], y[6];
                    for (int i = 0; i < 6; i++) col[i] = r[i][l];
                    bt6(col, y);
                    for (int k = 0; k < 6; k++) _mm512_mask_storeu_ps(out + (k * 6 + l) * positionStride, lanes, y[k]);
                }
            }
        }
    }
}

// Y = Aᵀ M A + bias for each tile, written into y [outHeight][outWidth][o] (outputs past the edges dropped).
GK_AVX512
static void output_channels(const float *m, long positionStride, long firstTile, long tilesHigh, long tilesWide, long o,
                            const float *bias, float *y, long outHeight, long outWidth) {
    for (long ty = 0; ty < tilesHigh; ty++) {
        for (long tx = 0; tx < tilesWide; tx++) {
            const float *at = m + (firstTile + ty * tilesWide + tx) * o;
            for (long o0 = 0; o0 < o; o0 += 16) {
                __mmask16 lanes = first_lanes(o - o0);
                __m512 b = bias ? _mm512_maskz_loadu_ps(lanes, bias + o0) : _mm512_setzero_ps();
                __m512 rows[4][6];  // rows[i][l]: column l of the tile through Aᵀ
                for (int l = 0; l < 6; l++) {
                    __m512 col[6], q[4];
                    for (int k = 0; k < 6; k++) col[k] = _mm512_maskz_loadu_ps(lanes, at + (k * 6 + l) * positionStride + o0);
                    at6(col, q);
                    for (int i = 0; i < 4; i++) rows[i][l] = q[i];
                }
                for (int i = 0; i < 4; i++) {
                    long yy = 4 * ty + i;
                    if (yy >= outHeight) break;
                    __m512 q[4];
                    at6(rows[i], q);
                    for (int j = 0; j < 4; j++) {
                        long xx = 4 * tx + j;
                        if (xx < outWidth) _mm512_mask_storeu_ps(y + (yy * outWidth + xx) * o + o0, lanes, _mm512_add_ps(q[j], b));
                    }
                }
            }
        }
    }
}

// dM[ξ][t] = (A dY Aᵀ)[ξ] for each 4×4 tile of dy [outHeight][outWidth][o] (outputs past the edges read as 0).
GK_AVX512
static void output_adjoint_channels(const float *dy, long outHeight, long outWidth, long o, long tilesHigh,
                                    long tilesWide, float *dm, long positionStride, long firstTile) {
    for (long ty = 0; ty < tilesHigh; ty++) {
        for (long tx = 0; tx < tilesWide; tx++) {
            float *out = dm + (firstTile + ty * tilesWide + tx) * o;
            for (long o0 = 0; o0 < o; o0 += 16) {
                __mmask16 lanes = first_lanes(o - o0);
                __m512 r[4][6];  // r[i][l]: row i of the tile through A
                for (int i = 0; i < 4; i++) {
                    long yy = 4 * ty + i;
                    __m512 g[4];
                    for (int j = 0; j < 4; j++) {
                        long xx = 4 * tx + j;
                        g[j] = yy < outHeight && xx < outWidth
                            ? _mm512_maskz_loadu_ps(lanes, dy + (yy * outWidth + xx) * o + o0) : _mm512_setzero_ps();
                    }
                    a6(g, r[i]);
                }
                for (int l = 0; l < 6; l++) {
                    __m512 col[4] = {r[0][l], r[1][l], r[2][l], r[3][l]}, z[6];
                    a6(col, z);
                    for (int k = 0; k < 6; k++) _mm512_mask_storeu_ps(out + (k * 6 + l) * positionStride + o0, lanes, z[k]);
                }
            }
        }
    }
}

// dx [h][w][c] += B dV Bᵀ of every tile (tiles overlap by two rows and columns; positions in the padding dropped).
GK_AVX512
static void input_adjoint_channels(const float *dv, long positionStride, long firstTile, long h, long w, long c,
                                   long padding, long tilesHigh, long tilesWide, float *dx) {
    for (long ty = 0; ty < tilesHigh; ty++) {
        for (long tx = 0; tx < tilesWide; tx++) {
            long y0 = 4 * ty - padding, x0 = 4 * tx - padding;
            const float *at = dv + (firstTile + ty * tilesWide + tx) * c;
            for (long c0 = 0; c0 < c; c0 += 16) {
                __mmask16 lanes = first_lanes(c - c0);
                __m512 rows[6][6];  // rows[i][l]: column l of dV through B
                for (int l = 0; l < 6; l++) {
                    __m512 col[6], z[6];
                    for (int k = 0; k < 6; k++) col[k] = _mm512_maskz_loadu_ps(lanes, at + (k * 6 + l) * positionStride + c0);
                    b6(col, z);
                    for (int i = 0; i < 6; i++) rows[i][l] = z[i];
                }
                for (int i = 0; i < 6; i++) {
                    long yy = y0 + i;
                    if (yy < 0 || yy >= h) continue;
                    __m512 d[6];
                    b6(rows[i], d);
                    for (int j = 0; j < 6; j++) {
                        long xx = x0 + j;
                        if (xx < 0 || xx >= w) continue;
                        float *p = dx + (yy * w + xx) * c + c0;
                        _mm512_mask_storeu_ps(p, lanes, _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, p), d[j]));
                    }
                }
            }
        }
    }
}

static int channels_supported(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
}
#endif

int gk_winograd4x4_channels_supported(void) {
#if GK_X86
    static _Atomic int supported = -1;  // computed once (threads racing here store the same value)
    if (supported < 0) supported = channels_supported();
    return supported;
#else
    return 0;
#endif
}

int gk_winograd4x4_input_channels(const float *x, long h, long w, long c, long padding, long tilesHigh, long tilesWide,
                                  float *v, long positionStride, long firstTile) {
#if GK_X86
    if (!gk_winograd4x4_channels_supported()) return -1;
    input_channels(x, h, w, c, padding, tilesHigh, tilesWide, v, positionStride, firstTile);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd4x4_output_channels(const float *m, long positionStride, long firstTile, long tilesHigh, long tilesWide,
                                   long o, const float *bias, float *y, long outHeight, long outWidth) {
#if GK_X86
    if (!gk_winograd4x4_channels_supported()) return -1;
    output_channels(m, positionStride, firstTile, tilesHigh, tilesWide, o, bias, y, outHeight, outWidth);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd4x4_output_adjoint_channels(const float *dy, long outHeight, long outWidth, long o, long tilesHigh,
                                           long tilesWide, float *dm, long positionStride, long firstTile) {
#if GK_X86
    if (!gk_winograd4x4_channels_supported()) return -1;
    output_adjoint_channels(dy, outHeight, outWidth, o, tilesHigh, tilesWide, dm, positionStride, firstTile);
    return 0;
#else
    return -1;
#endif
}

int gk_winograd4x4_input_adjoint_channels(const float *dv, long positionStride, long firstTile, long h, long w, long c,
                                          long padding, long tilesHigh, long tilesWide, float *dx) {
#if GK_X86
    if (!gk_winograd4x4_channels_supported()) return -1;
    input_adjoint_channels(dv, positionStride, firstTile, h, w, c, padding, tilesHigh, tilesWide, dx);
    return 0;
#else
    return -1;
#endif
}
