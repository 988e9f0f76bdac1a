// The 1-D maps of Winograd F(4×4, 3×3) on sixteen lanes at once (AVX-512), shared by winograd.c (tiles in the
// lanes) and winograd_channels.c (channels in the lanes). Included only inside `#if GK_X86` after GK_AVX512_INLINE.
#ifndef GK_WINOGRAD_MAPS_H
#define GK_WINOGRAD_MAPS_H

// y = Bᵀ x: Bᵀ = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1].
GK_AVX512_INLINE void bt6(const __m512 x[6], __m512 y[6]) {
    __m512 four = _mm512_set1_ps(4), five = _mm512_set1_ps(5), two = _mm512_set1_ps(2);
    __m512 p = _mm512_fnmadd_ps(four, x[2], x[4]), q = _mm512_fnmadd_ps(four, x[1], x[3]);
    __m512 r = _mm512_sub_ps(x[4], x[2]), s = _mm512_mul_ps(two, _mm512_sub_ps(x[3], x[1]));
    y[0] = _mm512_add_ps(_mm512_fnmadd_ps(five, x[2], _mm512_mul_ps(four, x[0])), x[4]);
    y[1] = _mm512_add_ps(p, q);
    y[2] = _mm512_sub_ps(p, q);
    y[3] = _mm512_add_ps(r, s);
    y[4] = _mm512_sub_ps(r, s);
    y[5] = _mm512_add_ps(_mm512_fnmadd_ps(five, x[3], _mm512_mul_ps(four, x[1])), x[5]);
}

// y = Aᵀ x: Aᵀ = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1].
GK_AVX512_INLINE void at6(const __m512 x[6], __m512 y[4]) {
    __m512 s = _mm512_add_ps(x[1], x[2]), d = _mm512_sub_ps(x[1], x[2]);
    __m512 s2 = _mm512_add_ps(x[3], x[4]), d2 = _mm512_sub_ps(x[3], x[4]);
    y[0] = _mm512_add_ps(_mm512_add_ps(x[0], s), s2);
    y[1] = _mm512_fmadd_ps(_mm512_set1_ps(2), d2, d);
    y[2] = _mm512_fmadd_ps(_mm512_set1_ps(4), s2, s);
    y[3] = _mm512_add_ps(_mm512_fmadd_ps(_mm512_set1_ps(8), d2, d), x[5]);
}

// y = A x (4 → 6), the adjoint of at6.
GK_AVX512_INLINE void a6(const __m512 x[4], __m512 y[6]) {
    __m512 e = _mm512_add_ps(x[0], x[2]), o = _mm512_add_ps(x[1], x[3]);
    __m512 e2 = _mm512_fmadd_ps(_mm512_set1_ps(4), x[2], x[0]);
    __m512 o2 = _mm512_fmadd_ps(_mm512_set1_ps(8), x[3], _mm512_add_ps(x[1], x[1]));
    y[0] = x[0];
    y[1] = _mm512_add_ps(e, o);
    y[2] = _mm512_sub_ps(e, o);
    y[3] = _mm512_add_ps(e2, o2);
    y[4] = _mm512_sub_ps(e2, o2);
    y[5] = x[3];
}

// y = B x (6 → 6), the adjoint of bt6.
GK_AVX512_INLINE void b6(const __m512 x[6], __m512 y[6]) {
    __m512 four = _mm512_set1_ps(4), five = _mm512_set1_ps(5), two = _mm512_set1_ps(2);
    __m512 d12 = _mm512_sub_ps(x[2], x[1]), d34 = _mm512_sub_ps(x[4], x[3]);
    __m512 s12 = _mm512_add_ps(x[1], x[2]), s34 = _mm512_add_ps(x[3], x[4]);
    y[0] = _mm512_mul_ps(four, x[0]);
    y[1] = _mm512_fmadd_ps(four, _mm512_add_ps(d12, x[5]), _mm512_mul_ps(two, d34));
    y[2] = _mm512_sub_ps(_mm512_fnmadd_ps(four, s12, _mm512_mul_ps(_mm512_set1_ps(-5), x[0])), s34);
    y[3] = _mm512_sub_ps(_mm512_setzero_ps(), _mm512_fmadd_ps(five, x[5], _mm512_fmadd_ps(two, d34, d12)));
    y[4] = _mm512_add_ps(_mm512_add_ps(x[0], s12), s34);
    y[5] = x[5];
}

#endif
