// im2col / col2im (Im2Col.swift) for one channel with AVX-512, strides 1 and 2:
//   col[(i·kw + j)·T + (y - y0)·ow + x] = plane[y·s - p + i·d][x·s - p + j·d]   (zero outside the plane)
//   col2im: plane[y·s - p + i·d][x·s - p + j·d] += col[...]                      (its adjoint)
// with T = (y1 - y0)·ow. Sixteen outputs per step; masked loads read zeros outside the row (no separate
// zero-fill of the padding), and stride 2 picks the even lanes of 32 consecutive floats (or spreads
// sixteen values onto them, the odd lanes adding 0) with one two-source permutation. One call per
// channel, so rows of 16 or 32 outputs (the PatchGAN and downsampling layers) pay no call per row.
// Other strides and CPUs: -1, and the caller keeps its Swift loop. Exact (copies, one addition each).
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

#if GK_X86
// Lanes [a, b) of a 16-lane mask (empty when b <= a).
static inline __mmask16 lane_range(long a, long b) {
    if (a < 0) a = 0;
    if (b > 16) b = 16;
    if (b <= a) return 0;
    return (__mmask16)(((1u << (b - a)) - 1) << a);
}

__attribute__((target("avx512f")))
static void im2col_avx512(const float *plane, long h, long w, long kh, long kw, long stride, long padding,
                          long dilation, long ow, long y0, long y1, float *col, long tileColumns) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (long i = 0; i < kh; i++)
        for (long j = 0; j < kw; j++) {
            float *row = col + (i * kw + j) * tileColumns;
            for (long y = y0; y < y1; y++) {
                float *out = row + (y - y0) * ow;
                long sy = y * stride - padding + i * dilation;
                if (sy < 0 || sy >= h) {
                    for (long x = 0; x < ow; x += 16) _mm512_mask_storeu_ps(out + x, lane_range(0, ow - x), _mm512_setzero_ps());
                    continue;
                }
                const float *line = plane + sy * w;
                long x = 0;
                if (stride == 1) {  // the interior: whole vectors inside the row, no masks
                    long first = padding - j * dilation;  // outputs x >= first read inside the row
                    for (; x < ow && x < first; x += 16) {
                        long base = x - first;
                        _mm512_mask_storeu_ps(out + x, lane_range(0, ow - x),
                                              _mm512_maskz_loadu_ps(lane_range(-base, w - base), line + base));
                    }
                    for (; x + 16 <= ow && x - first + 16 <= w; x += 16) _mm512_storeu_ps(out + x, _mm512_loadu_ps(line + x - first));
                } else {
                    long first = padding - j * dilation;  // base of output x: 2x - first
                    for (; x < ow && 2 * x < first; x += 16) {
                        long base = 2 * x - first;
                        __m512 lo = _mm512_maskz_loadu_ps(lane_range(-base, w - base), line + base);
                        __m512 hi = _mm512_maskz_loadu_ps(lane_range(-base - 16, w - base - 16), line + base + 16);
                        _mm512_mask_storeu_ps(out + x, lane_range(0, ow - x), _mm512_permutex2var_ps(lo, even, hi));
                    }
                    for (; x + 16 <= ow && 2 * x - first + 32 <= w; x += 16) {
                        const float *src = line + 2 * x - first;
                        _mm512_storeu_ps(out + x, _mm512_permutex2var_ps(_mm512_loadu_ps(src), even, _mm512_loadu_ps(src + 16)));
                    }
                }
                for (; x < ow; x += 16) {
                    long base = x * stride - padding + j * dilation;  // source of output x
                    __m512 v;
                    if (stride == 1) {
                        v = _mm512_maskz_loadu_ps(lane_range(-base, w - base), line + base);
                    } else {
                        __m512 lo = _mm512_maskz_loadu_ps(lane_range(-base, w - base), line + base);
                        __m512 hi = _mm512_maskz_loadu_ps(lane_range(-base - 16, w - base - 16), line + base + 16);
                        v = _mm512_permutex2var_ps(lo, even, hi);
                    }
                    _mm512_mask_storeu_ps(out + x, lane_range(0, ow - x), v);
                }
            }
        }
}

// One block of sixteen outputs of a col2im row at an edge of the image row: masked to the lanes inside it.
__attribute__((target("avx512f"), always_inline))
static inline void col2im_edge(const float *in, float *line, long w, long ow, long stride, long first, long x,
                               __m512i spreadLo, __m512i spreadHi) {
    long base = x * stride - first;
    __m512 v = _mm512_maskz_loadu_ps(lane_range(0, ow - x), in + x);
    if (stride == 1) {
        // Lanes past the row's last output or outside the image are left alone.
        __mmask16 k = lane_range(-base, w - base) & lane_range(0, ow - x);
        _mm512_mask_storeu_ps(line + base, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, line + base), v));
    } else {
        // Lanes past the last output add 0 (v is zero there); lanes outside the image are left alone.
        const __m512 zero = _mm512_setzero_ps();
        __mmask16 kLo = lane_range(-base, w - base), kHi = lane_range(-base - 16, w - base - 16);
        __m512 a = _mm512_add_ps(_mm512_maskz_loadu_ps(kLo, line + base), _mm512_permutex2var_ps(v, spreadLo, zero));
        __m512 b = _mm512_add_ps(_mm512_maskz_loadu_ps(kHi, line + base + 16), _mm512_permutex2var_ps(v, spreadHi, zero));
        _mm512_mask_storeu_ps(line + base, kLo, a);
        _mm512_mask_storeu_ps(line + base + 16, kHi, b);
    }
}

__attribute__((target("avx512f")))
static void col2im_avx512(const float *col, long h, long w, long kh, long kw, long stride, long padding,
                          long dilation, long ow, long y0, long y1, float *plane, long tileColumns) {
    // Lane l of the low (high) half of 32 image floats takes input l/2 (8 + l/2) when l is even, else 0
    // (index 16: the zero second source).
    const __m512i spreadLo = _mm512_setr_epi32(0, 16, 1, 16, 2, 16, 3, 16, 4, 16, 5, 16, 6, 16, 7, 16);
    const __m512i spreadHi = _mm512_setr_epi32(8, 16, 9, 16, 10, 16, 11, 16, 12, 16, 13, 16, 14, 16, 15, 16);
    const __m512 zero = _mm512_setzero_ps();
    for (long i = 0; i < kh; i++)
        for (long j = 0; j < kw; j++) {
            const float *row = col + (i * kw + j) * tileColumns;
            for (long y = y0; y < y1; y++) {
                long sy = y * stride - padding + i * dilation;
                if (sy < 0 || sy >= h) continue;
                const float *in = row + (y - y0) * ow;
                float *line = plane + sy * w;
                long first = padding - j * dilation, x = 0;  // output x lands at x·stride - first
                // Skip to the interior: whole vectors inside the row, no masks.
                for (; x < ow && x * stride < first; x += 16) col2im_edge(in, line, w, ow, stride, first, x, spreadLo, spreadHi);
                if (stride == 1) {
                    for (; x + 16 <= ow && x - first + 16 <= w; x += 16) {
                        float *dst = line + x - first;
                        _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), _mm512_loadu_ps(in + x)));
                    }
                } else {
                    for (; x + 16 <= ow && 2 * x - first + 32 <= w; x += 16) {
                        float *dst = line + 2 * x - first;
                        __m512 v = _mm512_loadu_ps(in + x);
                        _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), _mm512_permutex2var_ps(v, spreadLo, zero)));
                        _mm512_storeu_ps(dst + 16, _mm512_add_ps(_mm512_loadu_ps(dst + 16), _mm512_permutex2var_ps(v, spreadHi, zero)));
                    }
                }
                for (; x < ow; x += 16) col2im_edge(in, line, w, ow, stride, first, x, spreadLo, spreadHi);
            }
        }
}
#endif

int gk_im2col_channel(const float *plane, long h, long w, long kh, long kw, long stride, long padding, long dilation,
                      long ow, long y0, long y1, float *columns, long tileColumns) {
#if GK_X86
    if ((stride == 1 || stride == 2) && gk_sgemm_best_path() == GK_SGEMM_AVX512) {
        im2col_avx512(plane, h, w, kh, kw, stride, padding, dilation, ow, y0, y1, columns, tileColumns);
        return 0;
    }
#endif
    (void)plane, (void)h, (void)w, (void)kh, (void)kw, (void)stride, (void)padding, (void)dilation, (void)ow;
    (void)y0, (void)y1, (void)columns, (void)tileColumns;
    return -1;
}

int gk_col2im_channel(const float *columns, long h, long w, long kh, long kw, long stride, long padding, long dilation,
                      long ow, long y0, long y1, float *plane, long tileColumns) {
#if GK_X86
    if ((stride == 1 || stride == 2) && gk_sgemm_best_path() == GK_SGEMM_AVX512) {
        col2im_avx512(columns, h, w, kh, kw, stride, padding, dilation, ow, y0, y1, plane, tileColumns);
        return 0;
    }
#endif
    (void)columns, (void)h, (void)w, (void)kh, (void)kw, (void)stride, (void)padding, (void)dilation, (void)ow;
    (void)y0, (void)y1, (void)plane, (void)tileColumns;
    return -1;
}
