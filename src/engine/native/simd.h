// SIMD vector traits for the native kernels: one struct per (instruction set, element type).
// Each kernel translation unit is compiled with its own target flags and includes this header
// inside its own namespace (SETH_NS), so no inline function compiled for AVX-512 can be picked by
// the linker for code that runs on an AVX2-only CPU.
//
// exp(x): Cody–Waite reduction x = k·ln2 + r (|r| ≤ ln2/2, ln2 split in a high part with trailing
// zeros and a low part, so k·ln2hi is exact), e^r by a polynomial, times 2^k (AVX2: assembled in
// the exponent bits; AVX-512: vscalef). Written once (vexp at the end) over per-ISA primitives.
// f64: a degree-11 polynomial (Chebyshev fit of e^r on |r| ≤ ln2/2, relative error of the fit with
// its float64 coefficients 1.7e-17 = 0.08 ulp), evaluated as E(r²) + r·O(r²). f32: the Cephes expf
// polynomial (degree 7 in total). Inputs below `cut` give exactly 0 (−∞ included); NaN stays NaN.
// Valid for cut ≤ x ≤ 709 (f64) / 88 (f32), cut ≥ −708 / −87. Measured over 4·10⁶ points of
// [−708, 709]: at most 1.41·2⁻⁵² relative (f64), 1.2e-7 (f32).
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
  static inline V fnmadd(V a, V b, V c) { return _mm256_fnmadd_pd(a, b, c); }
  /** p·2^k, where t = MAGIC + k holds k in its low mantissa bits (MAGIC's low 12 bits are 0): 2^k = (bits(t) + 1023) << 52. */
  static inline V ldexp(V p, V, V t) {
    return _mm256_mul_pd(p, _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), _mm256_set1_epi64x(1023)), 52)));
  }
  /** 0 where x < cut (NaN compares false: it stays). */
  static inline V zeroBelow(V x, V cut, V v) { return _mm256_andnot_pd(_mm256_cmp_pd(x, cut, _CMP_LT_OQ), v); }
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
  static inline V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  /** As for F64: MAGIC's low 9 bits are 0, so 2^k = (bits(t) + 127) << 23. */
  static inline V ldexp(V p, V, V t) {
    return _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127)), 23)));
  }
  static inline V zeroBelow(V x, V cut, V v) { return _mm256_andnot_ps(_mm256_cmp_ps(x, cut, _CMP_LT_OQ), v); }
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
  static inline V fnmadd(V a, V b, V c) { return _mm512_fnmadd_pd(a, b, c); }
  /** p·2^k in one instruction (vscalefpd; exact for integral k in the normal range). */
  static inline V ldexp(V p, V k, V) { return _mm512_scalef_pd(p, k); }
  static inline V zeroBelow(V x, V cut, V v) { return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(x, cut, _CMP_NLT_UQ), v); }
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
  static inline V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static inline V ldexp(V p, V k, V) { return _mm512_scalef_ps(p, k); }
  static inline V zeroBelow(V x, V cut, V v) { return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, cut, _CMP_NLT_UQ), v); }
};

#else
#error "define SETH_AVX2 or SETH_AVX512"
#endif

// exp(x), written once over the primitives above (the header comment has the method and bound).
// k = round(x·log2e) comes from one multiply-add with MAGIC = 1.5·2^p (p = mantissa bits): the sum
// t = x·log2e + MAGIC rounds to an integer, k = t − MAGIC exactly, and t's low bits give 2^k on AVX2.
// The polynomial is split in even and odd parts, E(r²) + r·O(r²): one multiply more than Horner,
// half the dependent chain (a loop of dependent exps: 24.5 → 13.6 cycles a vector on Zen 4; in the
// attention, where the exps are independent, the two measure the same).
template <class S>
static inline typename S::V vexp(typename S::V x, typename S::V cut) {
  using T = typename S::T;
  using V = typename S::V;
  if constexpr (sizeof(T) == 8) {
    // Chebyshev fit of e^r on |r| ≤ ln2/2: c0 … c11.
    static constexpr double C[12] = {1.0,                   1.0,                    0.5000000000000019,     0.1666666666666668,
                                     0.0416666666664881,    0.008333333333319601,   0.0013888888952314775,  0.00019841269890047113,
                                     2.4801485482328494e-05, 2.755724091857897e-06, 2.763263963904103e-07, 2.5110037605963777e-08};
    const V magic = S::set1(6755399441055744.0);
    const V t = S::fma(x, S::set1(1.4426950408889634), magic);
    const V k = S::sub(t, magic);
    V r = S::fnmadd(k, S::set1(6.93147180369123816490e-01), x);  // ln2hi: k·ln2hi is exact
    r = S::fnmadd(k, S::set1(1.90821492927058770002e-10), r);
    const V r2 = S::mul(r, r);
    V e = S::set1(C[10]), o = S::set1(C[11]);
#pragma GCC unroll 6
    for (int i = 8; i >= 0; i -= 2) e = S::fma(e, r2, S::set1(C[i])), o = S::fma(o, r2, S::set1(C[i + 1]));
    return S::zeroBelow(x, cut, S::ldexp(S::fma(o, r, e), k, t));
  } else {
    // Cephes expf: e^r ≈ 1 + r + r²·P(r), P of degree 5 (p0 … p5), P split as for f64.
    static constexpr float P[6] = {5.0000001201e-1f, 1.6666665459e-1f, 4.1665795894e-2f, 8.3334519073e-3f, 1.3981999507e-3f, 1.9875691500e-4f};
    const V magic = S::set1(12582912.0f);
    const V t = S::fma(x, S::set1(1.44269504088896341f), magic);
    const V k = S::sub(t, magic);
    V r = S::fnmadd(k, S::set1(0.693359375f), x);
    r = S::fnmadd(k, S::set1(-2.12194440e-4f), r);
    const V r2 = S::mul(r, r);
    const V e = S::fma(S::fma(S::set1(P[4]), r2, S::set1(P[2])), r2, S::set1(P[0]));
    const V o = S::fma(S::fma(S::set1(P[5]), r2, S::set1(P[3])), r2, S::set1(P[1]));
    const V p = S::fma(S::fma(o, r, e), r2, S::add(r, S::set1(1.0f)));
    return S::zeroBelow(x, cut, S::ldexp(p, k, t));
  }
}
