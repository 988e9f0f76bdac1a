// Direct convolution for few output channels (an RGB head: 64 -> 3, 7×7), stride 1, no padding:
//   out[o][y][x] = bias[o] + Σ_c Σ_i Σ_j w[o][c][i][j] · in[c][y + i][x + j].
// Vectorised over x: a block of output pixels of one row times up to four output channels stays in
// registers (AVX-512: 4 × 16 pixels × 4 channels in 16 zmm) while the loop runs over c, i, j; per tap,
// one load of input pixels feeds one FMA per output channel. Paths: AVX-512, AVX2+FMA, portable C,
// chosen at run time like gk_sgemm (sgemm.c).
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

// ---- portable C ------------------------------------------------------------------------------
static void thin_conv_portable(const float *in, long c, long h, long w, const float *weight, long o, long kh,
                               long kw, const float *bias, float *out, long y0, long y1) {
    long oh = h - kh + 1, ow = w - kw + 1, taps = kh * kw;
    for (long oo = 0; oo < o; oo++) {
        for (long y = y0; y < y1; y++) {
            float *dst = out + (oo * oh + y) * ow;
            float b = bias ? bias[oo] : 0;
            for (long x = 0; x < ow; x++) dst[x] = b;
            for (long cc = 0; cc < c; cc++)
                for (long i = 0; i < kh; i++) {
                    const float *row = in + (cc * h + y + i) * w;
                    const float *wr = weight + (oo * c + cc) * taps + i * kw;
                    for (long j = 0; j < kw; j++) {
                        float wj = wr[j];
                        for (long x = 0; x < ow; x++) dst[x] += wj * row[x + j];
                    }
                }
        }
    }
}

#if GK_X86
// ---- AVX-512: blocks of 64 pixels (4 zmm) × OG output channels ---------------------------------
__attribute__((target("avx512f,fma"), always_inline))
static inline void thin_conv_avx512_group(const float *in, long c, long h, long w, const float *weight, long o0,
                                          const int OG, long kh, long kw, const float *bias, float *out, long oh,
                                          long ow, long y) {
    long taps = kh * kw, plane = h * w;
    for (long x0 = 0; x0 < ow; x0 += 64) {
        __mmask16 mask[4];
        for (int v = 0; v < 4; v++) {
            long left = ow - x0 - 16 * v;
            mask[v] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
        }
        __m512 acc[4][4];
        for (int g = 0; g < OG; g++)
            for (int v = 0; v < 4; v++) acc[g][v] = _mm512_set1_ps(bias ? bias[o0 + g] : 0.0f);
        for (long cc = 0; cc < c; cc++) {
            const float *wc = weight + (o0 * c + cc) * taps;
            for (long i = 0; i < kh; i++) {
                const float *row = in + cc * plane + (y + i) * w + x0;
                for (long j = 0; j < kw; j++) {
                    __m512 xv[4];
                    for (int v = 0; v < 4; v++) xv[v] = _mm512_maskz_loadu_ps(mask[v], row + j + 16 * v);
                    for (int g = 0; g < OG; g++) {
                        __m512 wg = _mm512_set1_ps(wc[g * c * taps + i * kw + j]);
                        for (int v = 0; v < 4; v++) acc[g][v] = _mm512_fmadd_ps(wg, xv[v], acc[g][v]);
                    }
                }
            }
        }
        for (int g = 0; g < OG; g++) {
            float *dst = out + ((o0 + g) * oh + y) * ow + x0;
            for (int v = 0; v < 4; v++) _mm512_mask_storeu_ps(dst + 16 * v, mask[v], acc[g][v]);
        }
    }
}

__attribute__((target("avx512f,fma")))
static void thin_conv_avx512(const float *in, long c, long h, long w, const float *weight, long o, long kh, long kw,
                             const float *bias, float *out, long y0, long y1) {
    long oh = h - kh + 1, ow = w - kw + 1;
    for (long y = y0; y < y1; y++) {
        for (long o0 = 0; o0 < o; o0 += 4) {
            switch (o - o0 < 4 ? o - o0 : 4) {
            case 1: thin_conv_avx512_group(in, c, h, w, weight, o0, 1, kh, kw, bias, out, oh, ow, y); break;
            case 2: thin_conv_avx512_group(in, c, h, w, weight, o0, 2, kh, kw, bias, out, oh, ow, y); break;
            case 3: thin_conv_avx512_group(in, c, h, w, weight, o0, 3, kh, kw, bias, out, oh, ow, y); break;
            default: thin_conv_avx512_group(in, c, h, w, weight, o0, 4, kh, kw, bias, out, oh, ow, y); break;
            }
        }
    }
}

// ---- AVX2 + FMA: blocks of 24 pixels (3 ymm) × OG output channels --------------------------------
__attribute__((target("avx2,fma"), always_inline))
static inline void thin_conv_avx2_group(const float *in, long c, long h, long w, const float *weight, long o0,
                                        const int OG, long kh, long kw, const float *bias, float *out, long oh,
                                        long ow, long y) {
    long taps = kh * kw, plane = h * w;
    for (long x0 = 0; x0 < ow; x0 += 24) {
        __m256i mask[3];
        for (int v = 0; v < 3; v++) {
            long left = ow - x0 - 8 * v;
            int count = left >= 8 ? 8 : left <= 0 ? 0 : (int)left;
            mask[v] = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        }
        __m256 acc[4][3];
        for (int g = 0; g < OG; g++)
            for (int v = 0; v < 3; v++) acc[g][v] = _mm256_set1_ps(bias ? bias[o0 + g] : 0.0f);
        for (long cc = 0; cc < c; cc++) {
            const float *wc = weight + (o0 * c + cc) * taps;
            for (long i = 0; i < kh; i++) {
                const float *row = in + cc * plane + (y + i) * w + x0;
                for (long j = 0; j < kw; j++) {
                    __m256 xv[3];
                    for (int v = 0; v < 3; v++) xv[v] = _mm256_maskload_ps(row + j + 8 * v, mask[v]);
                    for (int g = 0; g < OG; g++) {
                        __m256 wg = _mm256_broadcast_ss(wc + g * c * taps + i * kw + j);
                        for (int v = 0; v < 3; v++) acc[g][v] = _mm256_fmadd_ps(wg, xv[v], acc[g][v]);
                    }
                }
            }
        }
        for (int g = 0; g < OG; g++) {
            float *dst = out + ((o0 + g) * oh + y) * ow + x0;
            for (int v = 0; v < 3; v++) _mm256_maskstore_ps(dst + 8 * v, mask[v], acc[g][v]);
        }
    }
}

__attribute__((target("avx2,fma")))
static void thin_conv_avx2(const float *in, long c, long h, long w, const float *weight, long o, long kh, long kw,
                           const float *bias, float *out, long y0, long y1) {
    long oh = h - kh + 1, ow = w - kw + 1;
    for (long y = y0; y < y1; y++) {
        for (long o0 = 0; o0 < o; o0 += 4) {
            switch (o - o0 < 4 ? o - o0 : 4) {
            case 1: thin_conv_avx2_group(in, c, h, w, weight, o0, 1, kh, kw, bias, out, oh, ow, y); break;
            case 2: thin_conv_avx2_group(in, c, h, w, weight, o0, 2, kh, kw, bias, out, oh, ow, y); break;
            case 3: thin_conv_avx2_group(in, c, h, w, weight, o0, 3, kh, kw, bias, out, oh, ow, y); break;
            default: thin_conv_avx2_group(in, c, h, w, weight, o0, 4, kh, kw, bias, out, oh, ow, y); break;
            }
        }
    }
}
#endif

// ---- weight gradient ---------------------------------------------------------------------------
//   dw[o][c][i][j] += Σ_y Σ_x dy[o][y][x] · in[c][y + i][x + j]
// For one channel c and kernel row i, the OG × kw sums (at most 3 × 8) stay in registers over all
// output pixels: per 16 pixels, OG loads of dy and one load of the input per j feed OG·kw FMAs.

static void thin_conv_weight_grad_portable(const float *in, long c, long h, long w, const float *grad, long o,
                                           long kh, long kw, float *dweight, long c0, long c1) {
    long oh = h - kh + 1, ow = w - kw + 1;
    for (long cc = c0; cc < c1; cc++)
        for (long oo = 0; oo < o; oo++)
            for (long i = 0; i < kh; i++)
                for (long j = 0; j < kw; j++) {
                    double sum = 0;
                    for (long y = 0; y < oh; y++) {
                        const float *g = grad + (oo * oh + y) * ow, *row = in + (cc * h + y + i) * w + j;
                        for (long x = 0; x < ow; x++) sum += (double)g[x] * row[x];
                    }
                    dweight[((oo * c + cc) * kh + i) * kw + j] += (float)sum;
                }
}

#if GK_X86
__attribute__((target("avx512f,fma"), always_inline))
static inline void thin_conv_weight_grad_avx512_group(const float *in, long c, long h, long w, const float *grad,
                                                      long o0, const int OG, long kh, long kw, float *dweight,
                                                      long cc, long i, long oh, long ow) {
    __m512 acc[3][8];
    for (int g = 0; g < OG; g++)
        for (int j = 0; j < 8; j++) acc[g][j] = _mm512_setzero_ps();
    for (long y = 0; y < oh; y++) {
        const float *row = in + (cc * h + y + i) * w;
        for (long x0 = 0; x0 < ow; x0 += 16) {
            long left = ow - x0;
            __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 dy[3];
            for (int g = 0; g < OG; g++) dy[g] = _mm512_maskz_loadu_ps(mask, grad + ((o0 + g) * oh + y) * ow + x0);
            for (int j = 0; j < 8; j++) {
                if (j >= kw) break;
                __m512 xv = _mm512_maskz_loadu_ps(mask, row + x0 + j);
                for (int g = 0; g < OG; g++) acc[g][j] = _mm512_fmadd_ps(dy[g], xv, acc[g][j]);
            }
        }
    }
    for (int g = 0; g < OG; g++)
        for (int j = 0; j < 8; j++) {
            if (j >= kw) break;
            dweight[(((o0 + g) * c + cc) * kh + i) * kw + j] += _mm512_reduce_add_ps(acc[g][j]);
        }
}

__attribute__((target("avx512f,fma")))
static void thin_conv_weight_grad_avx512(const float *in, long c, long h, long w, const float *grad, long o, long kh,
                                         long kw, float *dweight, long c0, long c1) {
    long oh = h - kh + 1, ow = w - kw + 1;
    for (long cc = c0; cc < c1; cc++)
        for (long i = 0; i < kh; i++)
            for (long o0 = 0; o0 < o; o0 += 3) {
                switch (o - o0 < 3 ? o - o0 : 3) {
                case 1: thin_conv_weight_grad_avx512_group(in, c, h, w, grad, o0, 1, kh, kw, dweight, cc, i, oh, ow); break;
                case 2: thin_conv_weight_grad_avx512_group(in, c, h, w, grad, o0, 2, kh, kw, dweight, cc, i, oh, ow); break;
                default: thin_conv_weight_grad_avx512_group(in, c, h, w, grad, o0, 3, kh, kw, dweight, cc, i, oh, ow); break;
                }
            }
}
#endif

int gk_thin_conv2d_weight_grad_with_path(int path, const float *in, long c, long h, long w, const float *grad, long o,
                                         long kh, long kw, float *dweight, long c0, long c1) {
    if (path == GK_SGEMM_AUTO) path = gk_sgemm_best_path() == GK_SGEMM_AVX512 ? GK_SGEMM_AVX512 : GK_SGEMM_PORTABLE;
    if (path == GK_SGEMM_AVX2 || !gk_sgemm_path_supported(path)) return -1;  // no AVX2 variant
#if GK_X86
    if (path == GK_SGEMM_AVX512) {
        if (kw > 8) return -1;
        thin_conv_weight_grad_avx512(in, c, h, w, grad, o, kh, kw, dweight, c0, c1);
        return 0;
    }
#endif
    thin_conv_weight_grad_portable(in, c, h, w, grad, o, kh, kw, dweight, c0, c1);
    return 0;
}

int gk_thin_conv2d_weight_grad(const float *in, long c, long h, long w, const float *grad, long o, long kh, long kw,
                               float *dweight, long c0, long c1) {
    if (gk_sgemm_best_path() != GK_SGEMM_AVX512 || kw > 8) return -1;
    return gk_thin_conv2d_weight_grad_with_path(GK_SGEMM_AVX512, in, c, h, w, grad, o, kh, kw, dweight, c0, c1);
}

int gk_thin_conv2d_with_path(int path, const float *in, long c, long h, long w, const float *weight, long o, long kh,
                             long kw, const float *bias, float *out, long y0, long y1) {
    if (path == GK_SGEMM_AUTO) path = gk_sgemm_best_path();
    if (!gk_sgemm_path_supported(path)) return -1;
    switch (path) {
#if GK_X86
    case GK_SGEMM_AVX512: thin_conv_avx512(in, c, h, w, weight, o, kh, kw, bias, out, y0, y1); break;
    case GK_SGEMM_AVX2: thin_conv_avx2(in, c, h, w, weight, o, kh, kw, bias, out, y0, y1); break;
#endif
    default: thin_conv_portable(in, c, h, w, weight, o, kh, kw, bias, out, y0, y1);
    }
    return 0;
}

void gk_thin_conv2d(const float *in, long c, long h, long w, const float *weight, long o, long kh, long kw,
                    const float *bias, float *out, long y0, long y1) {
    gk_thin_conv2d_with_path(GK_SGEMM_AUTO, in, c, h, w, weight, o, kh, kw, bias, out, y0, y1);
}
