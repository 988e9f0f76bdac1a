// Adam (torch.optim.Adam, L2 weight_decay) over one contiguous range of one parameter:
//   g ← ∇ + λ·θ;  m ← β1·m + (1-β1)·g;  v ← β2·v + (1-β2)·g²;  θ ← θ - lr · (m/c1) / (√(v/c2) + ε),
// c1 = 1 - β1ᵗ, c2 = 1 - β2ᵗ. One pass reads ∇, θ, m, v and writes θ, m, v (memory bound: the point is
// one fused loop with vector division and square root instead of a scalar one). Paths: AVX-512,
// portable C, chosen at run time like gk_sgemm (sgemm.c). Both round every operation as the Swift
// loop they replace did (no FMA contraction, the same order, IEEE division and square root), so the
// steps are bit for bit those of before: seeded training runs (the 1-D game of GameTests) keep their
// trajectories.
#include "CKernels.h"

#pragma STDC FP_CONTRACT OFF

#include <math.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GK_X86 1
#endif

// ---- portable C ------------------------------------------------------------------------------
static void adam_portable(long count, const float *grad, float *theta, float *m, float *v, float beta1, float beta2,
                          float epsilon, float weightDecay, float learningRate, float correction1, float correction2) {
    for (long i = 0; i < count; i++) {
        float g = grad[i] + weightDecay * theta[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        float mHat = m[i] / correction1, vHat = v[i] / correction2;
        theta[i] -= learningRate * mHat / (sqrtf(vHat) + epsilon);
    }
}

#if GK_X86
// ---- AVX-512: sixteen elements per step, the tail masked -------------------------------------
__attribute__((target("avx512f")))
static void adam_avx512(long count, const float *grad, float *theta, float *m, float *v, float beta1, float beta2,
                        float epsilon, float weightDecay, float learningRate, float correction1, float correction2) {
    const __m512 b1 = _mm512_set1_ps(beta1), b2 = _mm512_set1_ps(beta2), ob1 = _mm512_set1_ps(1 - beta1);
    const __m512 ob2 = _mm512_set1_ps(1 - beta2), eps = _mm512_set1_ps(epsilon), decay = _mm512_set1_ps(weightDecay);
    const __m512 lr = _mm512_set1_ps(learningRate), c1 = _mm512_set1_ps(correction1), c2 = _mm512_set1_ps(correction2);
    for (long i = 0; i < count; i += 16) {
        __mmask16 k = count - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - i)) - 1);
        __m512 t = _mm512_maskz_loadu_ps(k, theta + i);
        __m512 g = _mm512_add_ps(_mm512_maskz_loadu_ps(k, grad + i), _mm512_mul_ps(decay, t));
        __m512 mv = _mm512_add_ps(_mm512_mul_ps(b1, _mm512_maskz_loadu_ps(k, m + i)), _mm512_mul_ps(ob1, g));
        __m512 vv = _mm512_add_ps(_mm512_mul_ps(b2, _mm512_maskz_loadu_ps(k, v + i)), _mm512_mul_ps(_mm512_mul_ps(ob2, g), g));
        __m512 mHat = _mm512_div_ps(mv, c1), vHat = _mm512_div_ps(vv, c2);
        __m512 step = _mm512_div_ps(_mm512_mul_ps(lr, mHat), _mm512_add_ps(_mm512_sqrt_ps(vHat), eps));
        _mm512_mask_storeu_ps(m + i, k, mv);
        _mm512_mask_storeu_ps(v + i, k, vv);
        _mm512_mask_storeu_ps(theta + i, k, _mm512_sub_ps(t, step));
    }
}
#endif

int gk_adam_step_with_path(int path, long count, const float *grad, float *theta, float *m, float *v, float beta1,
                           float beta2, float epsilon, float weightDecay, float learningRate, float correction1,
                           float correction2) {
    if (path == GK_SGEMM_AUTO) path = gk_sgemm_best_path() == GK_SGEMM_AVX512 ? GK_SGEMM_AVX512 : GK_SGEMM_PORTABLE;
    if (path == GK_SGEMM_AVX2 || !gk_sgemm_path_supported(path)) return -1;  // no AVX2 variant
#if GK_X86
    if (path == GK_SGEMM_AVX512) {
        adam_avx512(count, grad, theta, m, v, beta1, beta2, epsilon, weightDecay, learningRate, correction1,
                    correction2);
        return 0;
    }
#endif
    adam_portable(count, grad, theta, m, v, beta1, beta2, epsilon, weightDecay, learningRate, correction1, correction2);
    return 0;
}

void gk_adam_step(long count, const float *grad, float *theta, float *m, float *v, float beta1, float beta2,
                  float epsilon, float weightDecay, float learningRate, float correction1, float correction2) {
    gk_adam_step_with_path(GK_SGEMM_AUTO, count, grad, theta, m, v, beta1, beta2, epsilon, weightDecay, learningRate,
                           correction1, correction2);
}
