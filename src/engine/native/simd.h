// SIMD vector traits for the native kernels: one struct per (instruction set, element type).
// Each kernel translation unit is compiled with its own target flags and includes this header
// inside its own namespace (SETH_NS), so no inline function compiled for AVX-512 can be picked by
// the linker for code that runs on an AVX2-only CPU.
//
// exp(x): Cody–Waite reduction x = k·ln2 + r (|r| ≤ ln2/2, ln2 split in a high part with trailing
// zeros and a low part, so k·ln2hi is exact), e^r by a polynomial, 2^k assembled in the exponent
// bits. f64: a degree-11 polynomial (Chebyshev fit of e^r on |r| ≤ ln2/2, relative error of the
// fit with its float64 coefficients 1.7e-17 = 0.08 ulp), Horner with FMA. f32: the Cephes expf polynomial (degree 7 in total). Inputs below `cut` give exactly 0
// (−∞ included); NaN stays NaN. Valid for cut ≤ x ≤ 709 (f64) / 88 (f32), cut ≥ −708 / −87.
// The tested bound (test/engine-native.test.ts): f64 within 2 ulp of e^x, f32 within 2e-7 relative.

#include <immintrin.h>
#include <cstdint>

#if defined(SETH_AVX2)

struct F64 {
  using T = double;
  using V = __m256d;
  static constexpr int L = 4;
  static inline V load(const T* p) { return _mm256_loadu_pd(p); }
  static inline void store(T* p, V v) { _mm256_storeu_pd(p, v); }
  static inline V set1(T x) { return _mm256_set1_pd(x); }
  static inline V bcast(const T* p) { return _mm256_broadcast_sd(p); }
  static inline V zero() { return _mm256_setzero_pd(); }
  static inline V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
  static inline V add(V a, V b) { return _mm256_add_pd(a, b); }
  static inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
  static inline V div(V a, V b) { return _mm256_div_pd(a, b); }
  static inline V max(V a, V b) { return _mm256_max_pd(a, b); }
  static inline T hmax(V v) {
    __m128d a = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(a, _mm_unpackhi_pd(a, a)));
  }
  static inline T hsum(V v) {
    __m128d a = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(a, _mm_unpackhi_pd(a, a)));
  }
  /** All lanes finite (not NaN, not ±∞)? */
  static inline bool finite(V v) {
    V inf = _mm256_set1_pd(__builtin_inf());
    V a = _mm256_andnot_pd(_mm256_set1_pd(-0.0), v);
    return _mm256_movemask_pd(_mm256_cmp_pd(a, inf, _CMP_NLT_UQ)) == 0;
  }
  static inline V exp(V x, V cut) {
    const V log2e = _mm256_set1_pd(1.4426950408889634);
    const V ln2hi = _mm256_set1_pd(6.93147180369123816490e-01);
    const V ln2lo = _mm256_set1_pd(1.90821492927058770002e-10);
    const V magic = _mm256_set1_pd(6755399441055744.0);  // 1.5·2^52
    V k = _mm256_round_pd(_mm256_mul_pd(x, log2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm256_fnmadd_pd(k, ln2hi, x);
    r = _mm256_fnmadd_pd(k, ln2lo, r);
    V p = _mm256_set1_pd(2.5110037605963777e-08);
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.763263963904103e-07));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.755724091857897e-06));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(2.4801485482328494e-05));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.00019841269890047113));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.0013888888952314775));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.008333333333319601));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.0416666666664881));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.1666666666666668));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(0.5000000000000019));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
    p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(1.0));
    // 2^k: the low bits of k + 1.5·2^52 hold k; add the bias and shift into the exponent.
    __m256i ki = _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(k, magic)), _mm256_castpd_si256(magic));
    __m256i e = _mm256_slli_epi64(_mm256_add_epi64(ki, _mm256_set1_epi64x(1023)), 52);
    V res = _mm256_mul_pd(p, _mm256_castsi256_pd(e));
    return _mm256_andnot_pd(_mm256_cmp_pd(x, cut, _CMP_LT_OQ), res);
  }
};

struct F32 {
  using T = float;
  using V = __m256;
  static constexpr int L = 8;
  static inline V load(const T* p) { return _mm256_loadu_ps(p); }
  static inline void store(T* p, V v) { _mm256_storeu_ps(p, v); }
  static inline V set1(T x) { return _mm256_set1_ps(x); }
  static inline V bcast(const T* p) { return _mm256_broadcast_ss(p); }
  static inline V zero() { return _mm256_setzero_ps(); }
  static inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static inline V div(V a, V b) { return _mm256_div_ps(a, b); }
  static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
  static inline T hmax(V v) {
    __m128 a = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_max_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_max_ss(a, _mm_shuffle_ps(a, a, 1)));
  }
  static inline T hsum(V v) {
    __m128 a = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    a = _mm_add_ps(a, _mm_movehl_ps(a, a));
    return _mm_cvtss_f32(_mm_add_ss(a, _mm_shuffle_ps(a, a, 1)));
  }
  static inline bool finite(V v) {
    V inf = _mm256_set1_ps(__builtin_inff());
    V a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
    return _mm256_movemask_ps(_mm256_cmp_ps(a, inf, _CMP_NLT_UQ)) == 0;
  }
  static inline V exp(V x, V cut) {
    V k = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-2.12194440e-4f), r);
    V p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    V r2 = _mm256_mul_ps(r, r);
    p = _mm256_fmadd_ps(p, r2, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(k), _mm256_set1_epi32(127)), 23);
    V res = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, cut, _CMP_LT_OQ), res);
  }
};

#elif defined(SETH_AVX512)

struct F64 {
  using T = double;
  using V = __m512d;
  static constexpr int L = 8;
  static inline V load(const T* p) { return _mm512_loadu_pd(p); }
  static inline void store(T* p, V v) { _mm512_storeu_pd(p, v); }
  static inline V set1(T x) { return _mm512_set1_pd(x); }
  static inline V bcast(const T* p) { return _mm512_set1_pd(*p); }
  static inline V zero() { return _mm512_setzero_pd(); }
  static inline V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static inline V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static inline V add(V a, V b) { return _mm512_add_pd(a, b); }
  static inline V sub(V a, V b) { return _mm512_sub_pd(a, b); }
  static inline V div(V a, V b) { return _mm512_div_pd(a, b); }
  static inline V max(V a, V b) { return _mm512_max_pd(a, b); }
  static inline T hmax(V v) { return _mm512_reduce_max_pd(v); }
  static inline T hsum(V v) { return _mm512_reduce_add_pd(v); }
  static inline bool finite(V v) {
    V a = _mm512_abs_pd(v);
    return _mm512_cmp_pd_mask(a, _mm512_set1_pd(__builtin_inf()), _CMP_NLT_UQ) == 0;
  }
  static inline V exp(V x, V cut) {
    const V ln2hi = _mm512_set1_pd(6.93147180369123816490e-01);
    const V ln2lo = _mm512_set1_pd(1.90821492927058770002e-10);
    const V magic = _mm512_set1_pd(6755399441055744.0);
    V k = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(1.4426950408889634)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm512_fnmadd_pd(k, ln2hi, x);
    r = _mm512_fnmadd_pd(k, ln2lo, r);
    V p = _mm512_set1_pd(2.5110037605963777e-08);
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.763263963904103e-07));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.755724091857897e-06));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(2.4801485482328494e-05));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.00019841269890047113));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.0013888888952314775));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.008333333333319601));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.0416666666664881));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.1666666666666668));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5000000000000019));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
    p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
    __m512i ki = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_add_pd(k, magic)), _mm512_castpd_si512(magic));
    __m512i e = _mm512_slli_epi64(_mm512_add_epi64(ki, _mm512_set1_epi64(1023)), 52);
    V res = _mm512_mul_pd(p, _mm512_castsi512_pd(e));
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, cut, _CMP_NLT_UQ), res);
  }
};

struct F32 {
  using T = float;
  using V = __m512;
  static constexpr int L = 16;
  static inline V load(const T* p) { return _mm512_loadu_ps(p); }
  static inline void store(T* p, V v) { _mm512_storeu_ps(p, v); }
  static inline V set1(T x) { return _mm512_set1_ps(x); }
  static inline V bcast(const T* p) { return _mm512_set1_ps(*p); }
  static inline V zero() { return _mm512_setzero_ps(); }
  static inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static inline V div(V a, V b) { return _mm512_div_ps(a, b); }
  static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
  static inline T hmax(V v) { return _mm512_reduce_max_ps(v); }
  static inline T hsum(V v) { return _mm512_reduce_add_ps(v); }
  static inline bool finite(V v) {
    V a = _mm512_abs_ps(v);
    return _mm512_cmp_ps_mask(a, _mm512_set1_ps(__builtin_inff()), _CMP_NLT_UQ) == 0;
  }
  static inline V exp(V x, V cut) {
    V k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    V r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(-2.12194440e-4f), r);
    V p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    V r2 = _mm512_mul_ps(r, r);
    p = _mm512_fmadd_ps(p, r2, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(k), _mm512_set1_epi32(127)), 23);
    V res = _mm512_mul_ps(p, _mm512_castsi512_ps(e));
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, cut, _CMP_NLT_UQ), res);
  }
};

#else
#error "define SETH_AVX2 or SETH_AVX512"
#endif
