/**
 * seth-workbench attention kernels (AssemblyScript → WebAssembly with 128-bit SIMD).
 *
 * Two families with the same shape, one in float64 (`…64`, f64x2 lanes) and one in float32
 * (`…32`, f32x4 lanes). Every pointer is a byte offset into the one shared memory; every stride
 * and count is in elements. The host (src/engine/wasm.ts) owns the memory layout, pads every row
 * to a whole number of SIMD lanes with zeros, and splits rows between worker threads.
 *
 *   matmul:    C = A·B (+ bias) (ReLU) (or C += A·B): projections X·W, the residual update, the MLP
 *   packKeys:  K rows → blocks of KEYS keys, lane-interleaved, so that q·k for KEYS keys is a
 *              broadcast-multiply-accumulate over the head dimension
 *   attend:    softmax_rows(scale·Q Kᵀ)·V for a range of query rows, four query rows at a time,
 *              streaming (online) softmax over tiles of TILE keys: no n×n matrix exists
 *
 * Built twice by scripts/build-wasm.mjs: with relaxed SIMD (fused multiply-add,
 * `f64x2.relaxed_madd`) and without (separate multiply and add); the host picks at load time.
 *
 * Summation order: every dot product (q·k and x·w) is accumulated in ascending index order, as in
 * the reference engine, so without FMA the projections and the logits are bit-identical to it.
 */

/** Keys per softmax tile (a multiple of 8). */
const TILE: i32 = 128;
/** Query rows per group (a multiple of 4): each key/value tile is reused by this many rows. */
const GROUP: i32 = 16;

// ---------------------------------------------------------------------------------------------
// Multiply-add: fused where relaxed SIMD is compiled in, plain otherwise.
// ---------------------------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f64x2.relaxed_madd(a, b, c);
  } else {
    return f64x2.add(f64x2.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// @ts-ignore: decorator
@inline function at64(base: usize, index: i32): usize {
  return base + ((<usize>index) << 3);
}

// @ts-ignore: decorator
@inline function at32(base: usize, index: i32): usize {
  return base + ((<usize>index) << 2);
}

// ---------------------------------------------------------------------------------------------
// Vectorised exp.
// ---------------------------------------------------------------------------------------------

/** vexp64 constants: lo, log2 e, 1.5·2^52, ln2 hi, ln2 lo, 1/13! … 1/1!, then 1/0! = 1 (used twice). */
const EXP64: usize = memory.data<f64>([
  -708.3964185322641, 1.4426950408889634, 6755399441055744.0, 6.93147180369123816490e-1, 1.90821492927058770002e-10,
  1.6059043836821613e-10, 2.08767569878681e-9, 2.505210838544172e-8, 2.755731922398589e-7, 2.7557319223985893e-6,
  2.48015873015873e-5, 1.984126984126984e-4, 1.388888888888889e-3, 8.333333333333333e-3, 4.1666666666666664e-2,
  1.6666666666666666e-1, 0.5, 1.0,
]);
const EXP64_BIAS: usize = memory.data<i64>([1023]);

/**
 * Softmax weights below e^{-CUT} (relative to the row maximum) are flushed to 0: they are far
 * below the rounding of any sum they enter (e^{-200} ≈ 1e-87 in float64, e^{-60} ≈ 9e-27 in
 * float32), and keeping them would make subnormal products, which cost x86 a microcode assist
 * each. Constructions with large β produce such weights in almost every pair.
 */
const SOFTMAX_CUT64: usize = memory.data<f64>([-200.0]);
const SOFTMAX_CUT32: usize = memory.data<f32>([-60.0]);

/** vexp32 constants: lo, log2 e, 1.5·2^23, ln2 hi, ln2 lo, Cephes expf polynomial, 1 (the bias 127 is in EXP32_BIAS). */
const EXP32: usize = memory.data<f32>([
  -87.33654, 1.44269504, 12582912.0, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, 1.0,
]);
const EXP32_BIAS: usize = memory.data<i32>([127]);


/**
 * e^x for each f64 lane, x ≤ 0 expected (softmax exponents), any x accepted: x < lo gives 0, where
 * lo ≥ ln(2^-1022) (below it the true value is subnormal or 0), −∞ gives 0. Cody–Waite reduction x = k·ln2 + r,
 * |r| ≤ ln2/2, Taylor polynomial of degree 13 (truncation error < 1e-17 relative), 2^k built in
 * the exponent bits. Error about 1 ulp.
 */
// @ts-ignore: decorator
@inline function vexp64(x0: v128, lo: v128): v128 {
  // Constants come from static memory: a v128.const costs V8 several instructions per use.
  const c = EXP64;
  const small = f64x2.lt(x0, lo);
  const x = f64x2.pmax(lo, x0);
  const magic = v128.load64_splat(c, 16);
  const tm = f64x2.add(f64x2.mul(x, v128.load64_splat(c, 8)), magic);
  const k = f64x2.sub(tm, magic);
  let r = f64x2.sub(x, f64x2.mul(k, v128.load64_splat(c, 24)));
  r = f64x2.sub(r, f64x2.mul(k, v128.load64_splat(c, 32)));
  // Estrin's scheme (short dependency chains): p = Σ_{i≤13} r^i / i!.
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const a0 = madd64(r, v128.load64_splat(c, 136), v128.load64_splat(c, 136)); // 1 + r
  const a1 = madd64(r, v128.load64_splat(c, 120), v128.load64_splat(c, 128)); // 1/2 + r/6
  const a2 = madd64(r, v128.load64_splat(c, 104), v128.load64_splat(c, 112)); // 1/24 + r/120
  const a3 = madd64(r, v128.load64_splat(c, 88), v128.load64_splat(c, 96));
  const a4 = madd64(r, v128.load64_splat(c, 72), v128.load64_splat(c, 80));
  const a5 = madd64(r, v128.load64_splat(c, 56), v128.load64_splat(c, 64));
  const a6 = madd64(r, v128.load64_splat(c, 40), v128.load64_splat(c, 48));
  const b0 = madd64(a1, r2, a0);
  const b1 = madd64(a3, r2, a2);
  const b2 = madd64(a5, r2, a4);
  const d0 = madd64(b1, r4, b0);
  const d1 = madd64(a6, r4, b2);
  const p = madd64(d1, r8, d0);
  // 2^k: the low bits of tm hold k; (k + 1023) << 52 is the IEEE double 2^k for −1022 ≤ k ≤ 0.
  const scale = i64x2.shl(i64x2.add(tm, v128.load64_splat(EXP64_BIAS)), 52);
  return v128.andnot(f64x2.mul(p, scale), small);
}

/**
 * e^x for each f32 lane (x ≤ 0 expected); x < lo gives 0, lo ≥ ln(2^-126). Cody–Waite reduction and the
 * Cephes expf polynomial (about 1 ulp).
 */
// @ts-ignore: decorator
@inline function vexp32(x0: v128, lo: v128): v128 {
  const c = EXP32;
  const small = f32x4.lt(x0, lo);
  const x = f32x4.pmax(lo, x0);
  const magic = v128.load32_splat(c, 8);
  const tm = f32x4.add(f32x4.mul(x, v128.load32_splat(c, 4)), magic);
  const k = f32x4.sub(tm, magic);
  let r = f32x4.sub(x, f32x4.mul(k, v128.load32_splat(c, 12)));
  r = f32x4.sub(r, f32x4.mul(k, v128.load32_splat(c, 16)));
  // e^r ≈ 1 + r + r²·P(r), P of degree 5 evaluated by Estrin's scheme (short dependency chains).
  const r2 = f32x4.mul(r, r);
  const q0 = madd32(r, v128.load32_splat(c, 36), v128.load32_splat(c, 40));
  const q1 = madd32(r, v128.load32_splat(c, 28), v128.load32_splat(c, 32));
  const q2 = madd32(r, v128.load32_splat(c, 20), v128.load32_splat(c, 24));
  const P = madd32(madd32(q2, r2, q1), r2, q0);
  const p = madd32(P, r2, f32x4.add(r, v128.load32_splat(c, 44)));
  const scale = i32x4.shl(i32x4.add(tm, v128.load32_splat(EXP32_BIAS)), 23);
  return v128.andnot(f32x4.mul(p, scale), small);
}

/** Scalar entry points for the exp tests: out[i] = e^{in[i]}, n elements (n even / multiple of 4). */
export function expArray64(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const a = vexp64(v128.load(at64(src, i)), v128.load64_splat(EXP64));
    const b = vexp64(v128.load(at64(src, i + 2)), v128.load64_splat(EXP64));
    v128.store(at64(dst, i), a);
    v128.store(at64(dst, i + 2), b);
  }
}
export function expArray32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(at32(dst, i), vexp32(v128.load(at32(src, i)), v128.load32_splat(EXP32)));
}

// ---------------------------------------------------------------------------------------------
// Bulk helpers.
// ---------------------------------------------------------------------------------------------

export function copyBytes(dst: usize, src: usize, bytes: i32): void {
  memory.copy(dst, src, <usize>bytes);
}

export function fillBytes(dst: usize, value: i32, bytes: i32): void {
  memory.fill(dst, <u8>value, <usize>bytes);
}

/** dst[i] += src[i] for i < n (n even). */
export function addInto64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 2) v128.store(at64(dst, i), f64x2.add(v128.load(at64(dst, i)), v128.load(at64(src, i))));
}

/** dst[i] += src[i] for i < n (n a multiple of 4). */
export function addInto32(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) v128.store(at32(dst, i), f32x4.add(v128.load(at32(dst, i)), v128.load(at32(src, i))));
}

// =============================================================================================
// float64
// =============================================================================================

/**
 * C[rows×cols] = A[rows×k] · B[k×cols] (+ bias[cols]) (then ReLU), or C += A·B when accumulate.
 * cols is even; lda, ldb, ldc are row strides in elements. bias = 0 means none.
 */
export function matmul64(
  A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  rows: i32, k: i32, cols: i32, bias: usize, relu: i32, accumulate: i32,
): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = at64(A, i * lda);
    const c0 = at64(C, i * ldc);
    let j = 0;
    for (; j + 4 <= cols; j += 4) mm4x4_64(a0, lda, at64(B, j), ldb, k, at64(c0, j), ldc, bias == 0 ? 0 : at64(bias, j), relu, accumulate);
    if (j < cols) mm4x2_64(a0, lda, at64(B, j), ldb, k, at64(c0, j), ldc, bias == 0 ? 0 : at64(bias, j), relu, accumulate);
  }
  for (; i < rows; i++) {
    const a0 = at64(A, i * lda);
    const c0 = at64(C, i * ldc);
    for (let j = 0; j < cols; j += 2) mm1x2_64(a0, at64(B, j), ldb, k, at64(c0, j), bias == 0 ? 0 : at64(bias, j), relu, accumulate);
  }
}

// @ts-ignore: decorator
@inline function epilogue64(s: v128, c: usize, bias: usize, relu: i32, accumulate: i32): void {
  if (bias != 0) s = f64x2.add(s, v128.load(bias));
  if (relu != 0) s = f64x2.pmax(f64x2.splat(0.0), s);
  if (accumulate != 0) s = f64x2.add(v128.load(c), s);
  v128.store(c, s);
}

function mm4x4_64(a0: usize, lda: i32, b: usize, ldb: i32, k: i32, c0: usize, ldc: i32, bias: usize, relu: i32, accumulate: i32): void {
  const a1 = at64(a0, lda), a2 = at64(a1, lda), a3 = at64(a2, lda);
  const bStep = (<usize>ldb) << 3;
  let s00 = f64x2.splat(0.0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  let bp = b;
  for (let t = 0; t < k; t++) {
    const off = (<usize>t) << 3;
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load64_splat(a0 + off);
    const x1 = v128.load64_splat(a1 + off);
    s00 = madd64(x0, b0, s00); s01 = madd64(x0, b1, s01);
    const x2 = v128.load64_splat(a2 + off);
    s10 = madd64(x1, b0, s10); s11 = madd64(x1, b1, s11);
    const x3 = v128.load64_splat(a3 + off);
    s20 = madd64(x2, b0, s20); s21 = madd64(x2, b1, s21);
    s30 = madd64(x3, b0, s30); s31 = madd64(x3, b1, s31);
    bp += bStep;
  }
  const c1 = at64(c0, ldc), c2 = at64(c1, ldc), c3 = at64(c2, ldc);
  const bias1: usize = bias == 0 ? 0 : bias + 16;
  epilogue64(s00, c0, bias, relu, accumulate); epilogue64(s01, c0 + 16, bias1, relu, accumulate);
  epilogue64(s10, c1, bias, relu, accumulate); epilogue64(s11, c1 + 16, bias1, relu, accumulate);
  epilogue64(s20, c2, bias, relu, accumulate); epilogue64(s21, c2 + 16, bias1, relu, accumulate);
  epilogue64(s30, c3, bias, relu, accumulate); epilogue64(s31, c3 + 16, bias1, relu, accumulate);
}

function mm4x2_64(a0: usize, lda: i32, b: usize, ldb: i32, k: i32, c0: usize, ldc: i32, bias: usize, relu: i32, accumulate: i32): void {
  const a1 = at64(a0, lda), a2 = at64(a1, lda), a3 = at64(a2, lda);
  const bStep = (<usize>ldb) << 3;
  let s0 = f64x2.splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  let bp = b;
  for (let t = 0; t < k; t++) {
    const off = (<usize>t) << 3;
    const b0 = v128.load(bp);
    s0 = madd64(v128.load64_splat(a0 + off), b0, s0);
    s1 = madd64(v128.load64_splat(a1 + off), b0, s1);
    s2 = madd64(v128.load64_splat(a2 + off), b0, s2);
    s3 = madd64(v128.load64_splat(a3 + off), b0, s3);
    bp += bStep;
  }
  const c1 = at64(c0, ldc), c2 = at64(c1, ldc), c3 = at64(c2, ldc);
  epilogue64(s0, c0, bias, relu, accumulate);
  epilogue64(s1, c1, bias, relu, accumulate);
  epilogue64(s2, c2, bias, relu, accumulate);
  epilogue64(s3, c3, bias, relu, accumulate);
}

function mm1x2_64(a0: usize, b: usize, ldb: i32, k: i32, c0: usize, bias: usize, relu: i32, accumulate: i32): void {
  const bStep = (<usize>ldb) << 3;
  let s0 = f64x2.splat(0.0);
  let bp = b;
  for (let t = 0; t < k; t++) {
    s0 = madd64(v128.load64_splat(a0 + ((<usize>t) << 3)), v128.load(bp), s0);
    bp += bStep;
  }
  epilogue64(s0, c0, bias, relu, accumulate);
}

/**
 * Pack key rows [r0, r1) of K (row stride ldk, dk columns, dk even) into blocks of 4 keys:
 * dst[blk][c][0..3] = K[4·blk + 0..3][c], with zero rows for keys ≥ n. r0 is a multiple of 4.
 */
export function packKeys64(K: usize, ldk: i32, n: i32, dk: i32, r0: i32, r1: i32, dst: usize): void {
  for (let blk = r0 >> 2; blk << 2 < r1; blk++) {
    const out = at64(dst, blk * 4 * dk);
    for (let r = 0; r < 4; r++) {
      const key = blk * 4 + r;
      if (key < n) {
        const src = at64(K, key * ldk);
        for (let c = 0; c < dk; c++) store<f64>(at64(out, c * 4 + r), load<f64>(at64(src, c)));
      } else {
        for (let c = 0; c < dk; c++) store<f64>(at64(out, c * 4 + r), 0.0);
      }
    }
  }
}

/** Scores for 4 query rows × one packed block of 4 keys: S[q][0..3] = scale·⟨q, k⟩. */
function scores4x4_64(q0: usize, q1: usize, q2: usize, q3: usize, kb: usize, dk: i32, s: usize, lds: usize, scale: f64): void {
  let s00 = f64x2.splat(0.0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  let bp = kb;
  for (let t = 0; t < dk; t++) {
    const off = (<usize>t) << 3;
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load64_splat(q0 + off);
    const x1 = v128.load64_splat(q1 + off);
    s00 = madd64(x0, b0, s00); s01 = madd64(x0, b1, s01);
    const x2 = v128.load64_splat(q2 + off);
    s10 = madd64(x1, b0, s10); s11 = madd64(x1, b1, s11);
    const x3 = v128.load64_splat(q3 + off);
    s20 = madd64(x2, b0, s20); s21 = madd64(x2, b1, s21);
    s30 = madd64(x3, b0, s30); s31 = madd64(x3, b1, s31);
    bp += 32;
  }
  const sc = f64x2.splat(scale);
  v128.store(s, f64x2.mul(sc, s00)); v128.store(s, f64x2.mul(sc, s01), 16);
  s += lds;
  v128.store(s, f64x2.mul(sc, s10)); v128.store(s, f64x2.mul(sc, s11), 16);
  s += lds;
  v128.store(s, f64x2.mul(sc, s20)); v128.store(s, f64x2.mul(sc, s21), 16);
  s += lds;
  v128.store(s, f64x2.mul(sc, s30)); v128.store(s, f64x2.mul(sc, s31), 16);
}

/**
 * The non-finite policy (src/engine/finite.ts) in the kernels: a row whose logits or output hold
 * ±∞ or NaN is recorded in an i32 at `bad` (0 = none, else 1 + the smallest such row; several
 * threads may write it), and its output is made NaN, never a finite number the softmax absorbed
 * (the running maximum ignores NaN and the exp flushes it to 0). `bad` = 0: nothing is recorded.
 */
function noteBadRow(bad: usize, row: i32): void {
  if (bad == 0) return;
  const v = row + 1;
  let cur = atomic.load<i32>(bad);
  while (cur == 0 || v < cur) {
    const seen = atomic.cmpxchg<i32>(bad, cur, v);
    if (seen == cur) return;
    cur = seen;
  }
}

/** True when row[0..cnt) is finite (x − x is 0 for finite x, NaN for ±∞ and NaN). */
function rowFinite64(row: usize, cnt: i32): bool {
  let acc = f64x2.splat(0.0);
  const pairs = cnt >> 1;
  for (let j = 0; j < pairs; j++) {
    const v = v128.load(at64(row, j << 1));
    acc = f64x2.add(acc, f64x2.sub(v, v));
  }
  let z = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (cnt & 1) {
    const v = load<f64>(at64(row, cnt - 1));
    z += v - v;
  }
  return z == z;
}

/** Maximum of row[0..cnt); then row[cnt] = −∞ when cnt is odd (so the last pair exps to 0). */
function rowMax64(row: usize, cnt: i32): f64 {
  let mv = f64x2.splat(-Infinity);
  const pairs = cnt >> 1;
  for (let j = 0; j < pairs; j++) mv = f64x2.pmax(mv, v128.load(at64(row, j << 1)));
  let m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  if (cnt & 1) {
    m = max(m, load<f64>(at64(row, cnt - 1)));
    store<f64>(at64(row, cnt), -Infinity);
  }
  return m;
}

/** row[j] = e^{row[j] − m} for j < cnt (rounded up to even); returns the sum. */
function rowExp64(row: usize, cnt: i32, m: f64): f64 {
  const mv = f64x2.splat(m);
  let acc0 = f64x2.splat(0.0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  const n = (cnt + 1) & ~1;
  let j = 0;
  // Four independent vectors per step: the exp is latency-bound otherwise.
  for (; j + 8 <= n; j += 8) {
    const p = at64(row, j);
    const e0 = vexp64(f64x2.sub(v128.load(p), mv), v128.load64_splat(SOFTMAX_CUT64));
    const e1 = vexp64(f64x2.sub(v128.load(p, 16), mv), v128.load64_splat(SOFTMAX_CUT64));
    const e2 = vexp64(f64x2.sub(v128.load(p, 32), mv), v128.load64_splat(SOFTMAX_CUT64));
    const e3 = vexp64(f64x2.sub(v128.load(p, 48), mv), v128.load64_splat(SOFTMAX_CUT64));
    v128.store(p, e0); v128.store(p, e1, 16); v128.store(p, e2, 32); v128.store(p, e3, 48);
    acc0 = f64x2.add(acc0, e0); acc1 = f64x2.add(acc1, e1); acc2 = f64x2.add(acc2, e2); acc3 = f64x2.add(acc3, e3);
  }
  for (; j < n; j += 2) {
    const p = at64(row, j);
    const e0 = vexp64(f64x2.sub(v128.load(p), mv), v128.load64_splat(SOFTMAX_CUT64));
    v128.store(p, e0);
    acc0 = f64x2.add(acc0, e0);
  }
  acc0 = f64x2.add(f64x2.add(acc0, acc1), f64x2.add(acc2, acc3));
  return f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
}

/**
 * O[q][0..dv) = O[q]·r_q + Σ_{t<cnt} P[q][t]·V[t] for 4 rows q; P rows have stride TILE,
 * O rows stride dv; r (4 doubles) holds the rescale factors.
 */
function pv4_64(P: usize, V: usize, ldv: i32, cnt: i32, O: usize, dv: i32, r: usize): void {
  const vStep = (<usize>ldv) << 3;
  const oStep = (<usize>dv) << 3;
  const pStep = (<usize>TILE) << 3;
  const p0 = P, p1 = p0 + pStep, p2 = p1 + pStep, p3 = p2 + pStep;
  const o0 = O, o1 = o0 + oStep, o2 = o1 + oStep, o3 = o2 + oStep;
  const r0 = v128.load64_splat(r), r1 = v128.load64_splat(r, 8), r2 = v128.load64_splat(r, 16), r3 = v128.load64_splat(r, 24);
  let c = 0;
  for (; c + 4 <= dv; c += 4) {
    const co = (<usize>c) << 3;
    let s00 = f64x2.mul(v128.load(o0 + co), r0), s01 = f64x2.mul(v128.load(o0 + co, 16), r0);
    let s10 = f64x2.mul(v128.load(o1 + co), r1), s11 = f64x2.mul(v128.load(o1 + co, 16), r1);
    let s20 = f64x2.mul(v128.load(o2 + co), r2), s21 = f64x2.mul(v128.load(o2 + co, 16), r2);
    let s30 = f64x2.mul(v128.load(o3 + co), r3), s31 = f64x2.mul(v128.load(o3 + co, 16), r3);
    let vp = V + co;
    for (let t = 0; t < cnt; t++) {
      const off = (<usize>t) << 3;
      const b0 = v128.load(vp), b1 = v128.load(vp, 16);
      const x0 = v128.load64_splat(p0 + off);
      const x1 = v128.load64_splat(p1 + off);
      s00 = madd64(x0, b0, s00); s01 = madd64(x0, b1, s01);
      const x2 = v128.load64_splat(p2 + off);
      s10 = madd64(x1, b0, s10); s11 = madd64(x1, b1, s11);
      const x3 = v128.load64_splat(p3 + off);
      s20 = madd64(x2, b0, s20); s21 = madd64(x2, b1, s21);
      s30 = madd64(x3, b0, s30); s31 = madd64(x3, b1, s31);
      vp += vStep;
    }
    v128.store(o0 + co, s00); v128.store(o0 + co, s01, 16);
    v128.store(o1 + co, s10); v128.store(o1 + co, s11, 16);
    v128.store(o2 + co, s20); v128.store(o2 + co, s21, 16);
    v128.store(o3 + co, s30); v128.store(o3 + co, s31, 16);
  }
  if (c < dv) {
    const co = (<usize>c) << 3;
    let s0 = f64x2.mul(v128.load(o0 + co), r0);
    let s1 = f64x2.mul(v128.load(o1 + co), r1);
    let s2 = f64x2.mul(v128.load(o2 + co), r2);
    let s3 = f64x2.mul(v128.load(o3 + co), r3);
    let vp = V + co;
    for (let t = 0; t < cnt; t++) {
      const off = (<usize>t) << 3;
      const b0 = v128.load(vp);
      s0 = madd64(v128.load64_splat(p0 + off), b0, s0);
      s1 = madd64(v128.load64_splat(p1 + off), b0, s1);
      s2 = madd64(v128.load64_splat(p2 + off), b0, s2);
      s3 = madd64(v128.load64_splat(p3 + off), b0, s3);
      vp += vStep;
    }
    v128.store(o0 + co, s0);
    v128.store(o1 + co, s1);
    v128.store(o2 + co, s2);
    v128.store(o3 + co, s3);
  }
}

/** Bytes of scratch one attend64 call needs for value width dv. */
export function attendScratchBytes64(dv: i32): i32 {
  return GROUP * (TILE + dv + 3) * 8;
}

/**
 * Out[i] (=|+=) softmax(scale·Q[i]·Kᵀ)·V for query rows r0 ≤ i < r1.
 * Q: row stride ldq, dk columns (even). Kp: keys packed by packKeys64 (nk keys). V: nk rows,
 * stride ldv, dv columns (even). Out: stride ldo. scratch: attendScratchBytes64(dv) bytes.
 * nk ≥ 1. causal ≠ 0: row i sees keys j ≤ i only (queries and keys at the same positions).
 * Query rows go in groups of GROUP (sub-blocks of 4 rows), so that each tile of keys
 * and values is fetched into cache once per group.
 */
export function attend64(
  Q: usize, ldq: i32, Kp: usize, V: usize, ldv: i32, nk: i32, dk: i32, dv: i32,
  r0: i32, r1: i32, scale: f64, Out: usize, ldo: i32, accumulate: i32, scratch: usize, causal: i32, bad: usize,
): void {
  const lds = (<usize>TILE) << 3;
  const S = scratch; // GROUP rows × TILE scores
  const O = at64(S, GROUP * TILE); // GROUP rows × dv accumulators
  const st = at64(O, GROUP * dv); // m[GROUP], l[GROUP], r[GROUP]
  const mPtr = st, lPtr = at64(st, GROUP), rPtr = at64(st, 2 * GROUP);
  const last = r1 - 1;
  for (let i0 = r0; i0 < r1; i0 += GROUP) {
    const subs = (min(GROUP, r1 - i0) + 3) >> 2;
    memory.fill(O, 0, <usize>(subs * 4 * dv * 8));
    for (let q = 0; q < subs * 4; q++) {
      store<f64>(at64(mPtr, q), -Infinity);
      store<f64>(at64(lPtr, q), 0.0);
    }
    // Causal: the group's last row sees keys up to itself, so later tiles are skipped whole.
    const kEnd = causal ? min(nk, min(i0 + GROUP, r1)) : nk;
    for (let j0 = 0; j0 < kEnd; j0 += TILE) {
      const cnt = min(TILE, nk - j0);
      const blocks = (cnt + 3) >> 2;
      const kBase = at64(Kp, j0 * dk);
      const vBase = at64(V, j0 * ldv);
      for (let sb = 0; sb < subs; sb++) {
        const i = i0 + sb * 4;
        const q0 = at64(Q, i * ldq);
        const q1 = at64(Q, min(i + 1, last) * ldq);
        const q2 = at64(Q, min(i + 2, last) * ldq);
        const q3 = at64(Q, min(i + 3, last) * ldq);
        const Ssb = at64(S, sb * 4 * TILE);
        for (let b = 0; b < blocks; b++) {
          scores4x4_64(q0, q1, q2, q3, at64(kBase, b * 4 * dk), dk, at64(Ssb, b * 4), lds, scale);
        }
        for (let q = sb * 4; q < sb * 4 + 4; q++) {
          const row = at64(S, q * TILE);
          // Logits of the keys this row sees (causal: up to itself), before the mask's −∞.
          const seen = causal ? min(cnt, max(0, i0 + q + 1 - j0)) : cnt;
          if (!rowFinite64(row, seen)) {
            noteBadRow(bad, min(i0 + q, last));
            store<f64>(at64(lPtr, q), NaN);
          }
          if (causal) {
            // Keys after query i0 + q score −∞ (weight 0). Key 0 is always seen, so the running
            // maximum is finite from the first tile on and a fully masked tile changes nothing.
            for (let t = max(0, i0 + q + 1 - j0); t < cnt; t++) store<f64>(at64(row, t), -Infinity);
          }
          const mOld = load<f64>(at64(mPtr, q));
          const mNew = max(mOld, rowMax64(row, cnt));
          const sum = rowExp64(row, cnt, mNew);
          const r = mOld - mNew < load<f64>(SOFTMAX_CUT64) ? 0.0 : Math.exp(mOld - mNew);
          store<f64>(at64(lPtr, q), load<f64>(at64(lPtr, q)) * r + sum);
          store<f64>(at64(mPtr, q), mNew);
          store<f64>(at64(rPtr, q), r);
        }
        pv4_64(Ssb, vBase, ldv, cnt, at64(O, sb * 4 * dv), dv, at64(rPtr, sb * 4));
      }
    }
    const rows = min(GROUP, r1 - i0);
    for (let q = 0; q < rows; q++) {
      const inv = f64x2.splat(load<f64>(at64(lPtr, q)));
      const src = at64(O, q * dv);
      const dst = at64(Out, (i0 + q) * ldo);
      let z = f64x2.splat(0.0);
      for (let c = 0; c < dv; c += 2) {
        let v = f64x2.div(v128.load(at64(src, c)), inv);
        if (accumulate) v = f64x2.add(v128.load(at64(dst, c)), v);
        v128.store(at64(dst, c), v);
        z = f64x2.add(z, f64x2.sub(v, v));
      }
      const zs = f64x2.extract_lane(z, 0) + f64x2.extract_lane(z, 1);
      if (zs != zs) noteBadRow(bad, i0 + q);
    }
  }
}

// =============================================================================================
// float32
// =============================================================================================

/** As matmul64 in float32; cols is a multiple of 4. */
export function matmul32(
  A: usize, lda: i32, B: usize, ldb: i32, C: usize, ldc: i32,
  rows: i32, k: i32, cols: i32, bias: usize, relu: i32, accumulate: i32,
): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const a0 = at32(A, i * lda);
    const c0 = at32(C, i * ldc);
    let j = 0;
    for (; j + 8 <= cols; j += 8) mm4x8_32(a0, lda, at32(B, j), ldb, k, at32(c0, j), ldc, bias == 0 ? 0 : at32(bias, j), relu, accumulate);
    if (j < cols) mm4x4_32(a0, lda, at32(B, j), ldb, k, at32(c0, j), ldc, bias == 0 ? 0 : at32(bias, j), relu, accumulate);
  }
  for (; i < rows; i++) {
    const a0 = at32(A, i * lda);
    const c0 = at32(C, i * ldc);
    for (let j = 0; j < cols; j += 4) mm1x4_32(a0, at32(B, j), ldb, k, at32(c0, j), bias == 0 ? 0 : at32(bias, j), relu, accumulate);
  }
}

// @ts-ignore: decorator
@inline function epilogue32(s: v128, c: usize, bias: usize, relu: i32, accumulate: i32): void {
  if (bias != 0) s = f32x4.add(s, v128.load(bias));
  if (relu != 0) s = f32x4.pmax(f32x4.splat(0.0), s);
  if (accumulate != 0) s = f32x4.add(v128.load(c), s);
  v128.store(c, s);
}

function mm4x8_32(a0: usize, lda: i32, b: usize, ldb: i32, k: i32, c0: usize, ldc: i32, bias: usize, relu: i32, accumulate: i32): void {
  const a1 = at32(a0, lda), a2 = at32(a1, lda), a3 = at32(a2, lda);
  const bStep = (<usize>ldb) << 2;
  let s00 = f32x4.splat(0.0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  let bp = b;
  for (let t = 0; t < k; t++) {
    const off = (<usize>t) << 2;
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(a0 + off);
    const x1 = v128.load32_splat(a1 + off);
    s00 = madd32(x0, b0, s00); s01 = madd32(x0, b1, s01);
    const x2 = v128.load32_splat(a2 + off);
    s10 = madd32(x1, b0, s10); s11 = madd32(x1, b1, s11);
    const x3 = v128.load32_splat(a3 + off);
    s20 = madd32(x2, b0, s20); s21 = madd32(x2, b1, s21);
    s30 = madd32(x3, b0, s30); s31 = madd32(x3, b1, s31);
    bp += bStep;
  }
  const c1 = at32(c0, ldc), c2 = at32(c1, ldc), c3 = at32(c2, ldc);
  const bias1: usize = bias == 0 ? 0 : bias + 16;
  epilogue32(s00, c0, bias, relu, accumulate); epilogue32(s01, c0 + 16, bias1, relu, accumulate);
  epilogue32(s10, c1, bias, relu, accumulate); epilogue32(s11, c1 + 16, bias1, relu, accumulate);
  epilogue32(s20, c2, bias, relu, accumulate); epilogue32(s21, c2 + 16, bias1, relu, accumulate);
  epilogue32(s30, c3, bias, relu, accumulate); epilogue32(s31, c3 + 16, bias1, relu, accumulate);
}

function mm4x4_32(a0: usize, lda: i32, b: usize, ldb: i32, k: i32, c0: usize, ldc: i32, bias: usize, relu: i32, accumulate: i32): void {
  const a1 = at32(a0, lda), a2 = at32(a1, lda), a3 = at32(a2, lda);
  const bStep = (<usize>ldb) << 2;
  let s0 = f32x4.splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  let bp = b;
  for (let t = 0; t < k; t++) {
    const off = (<usize>t) << 2;
    const b0 = v128.load(bp);
    s0 = madd32(v128.load32_splat(a0 + off), b0, s0);
    s1 = madd32(v128.load32_splat(a1 + off), b0, s1);
    s2 = madd32(v128.load32_splat(a2 + off), b0, s2);
    s3 = madd32(v128.load32_splat(a3 + off), b0, s3);
    bp += bStep;
  }
  const c1 = at32(c0, ldc), c2 = at32(c1, ldc), c3 = at32(c2, ldc);
  epilogue32(s0, c0, bias, relu, accumulate);
  epilogue32(s1, c1, bias, relu, accumulate);
  epilogue32(s2, c2, bias, relu, accumulate);
  epilogue32(s3, c3, bias, relu, accumulate);
}

function mm1x4_32(a0: usize, b: usize, ldb: i32, k: i32, c0: usize, bias: usize, relu: i32, accumulate: i32): void {
  const bStep = (<usize>ldb) << 2;
  let s0 = f32x4.splat(0.0);
  let bp = b;
  for (let t = 0; t < k; t++) {
    s0 = madd32(v128.load32_splat(a0 + ((<usize>t) << 2)), v128.load(bp), s0);
    bp += bStep;
  }
  epilogue32(s0, c0, bias, relu, accumulate);
}

/** As packKeys64 with blocks of 8 keys: dst[blk][c][0..7]; r0 is a multiple of 8; dk % 4 == 0. */
export function packKeys32(K: usize, ldk: i32, n: i32, dk: i32, r0: i32, r1: i32, dst: usize): void {
  for (let blk = r0 >> 3; blk << 3 < r1; blk++) {
    const out = at32(dst, blk * 8 * dk);
    for (let r = 0; r < 8; r++) {
      const key = blk * 8 + r;
      if (key < n) {
        const src = at32(K, key * ldk);
        for (let c = 0; c < dk; c++) store<f32>(at32(out, c * 8 + r), load<f32>(at32(src, c)));
      } else {
        for (let c = 0; c < dk; c++) store<f32>(at32(out, c * 8 + r), 0.0);
      }
    }
  }
}

function scores4x8_32(q0: usize, q1: usize, q2: usize, q3: usize, kb: usize, dk: i32, s: usize, lds: usize, scale: f32): void {
  let s00 = f32x4.splat(0.0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
  let bp = kb;
  for (let t = 0; t < dk; t++) {
    const off = (<usize>t) << 2;
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(q0 + off);
    const x1 = v128.load32_splat(q1 + off);
    s00 = madd32(x0, b0, s00); s01 = madd32(x0, b1, s01);
    const x2 = v128.load32_splat(q2 + off);
    s10 = madd32(x1, b0, s10); s11 = madd32(x1, b1, s11);
    const x3 = v128.load32_splat(q3 + off);
    s20 = madd32(x2, b0, s20); s21 = madd32(x2, b1, s21);
    s30 = madd32(x3, b0, s30); s31 = madd32(x3, b1, s31);
    bp += 32;
  }
  const sc = f32x4.splat(scale);
  v128.store(s, f32x4.mul(sc, s00)); v128.store(s, f32x4.mul(sc, s01), 16);
  s += lds;
  v128.store(s, f32x4.mul(sc, s10)); v128.store(s, f32x4.mul(sc, s11), 16);
  s += lds;
  v128.store(s, f32x4.mul(sc, s20)); v128.store(s, f32x4.mul(sc, s21), 16);
  s += lds;
  v128.store(s, f32x4.mul(sc, s30)); v128.store(s, f32x4.mul(sc, s31), 16);
}

/** As rowFinite64 in float32. */
function rowFinite32(row: usize, cnt: i32): bool {
  let acc = f32x4.splat(0.0);
  const quads = cnt >> 2;
  for (let j = 0; j < quads; j++) {
    const v = v128.load(at32(row, j << 2));
    acc = f32x4.add(acc, f32x4.sub(v, v));
  }
  let z = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  for (let j = quads << 2; j < cnt; j++) {
    const v = load<f32>(at32(row, j));
    z += v - v;
  }
  return z == z;
}

function rowMax32(row: usize, cnt: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  const quads = cnt >> 2;
  for (let j = 0; j < quads; j++) mv = f32x4.pmax(mv, v128.load(at32(row, j << 2)));
  let m = max(max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
  const full = quads << 2;
  if (full < cnt) {
    for (let j = full; j < cnt; j++) m = max(m, load<f32>(at32(row, j)));
    for (let j = cnt; j < full + 4; j++) store<f32>(at32(row, j), -Infinity);
  }
  return m;
}

function rowExp32(row: usize, cnt: i32, m: f32): f32 {
  const mv = f32x4.splat(m);
  let acc0 = f32x4.splat(0.0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
  const n = (cnt + 3) & ~3;
  let j = 0;
  // Four independent vectors per step: the exp is latency-bound otherwise.
  for (; j + 16 <= n; j += 16) {
    const p = at32(row, j);
    const e0 = vexp32(f32x4.sub(v128.load(p), mv), v128.load32_splat(SOFTMAX_CUT32));
    const e1 = vexp32(f32x4.sub(v128.load(p, 16), mv), v128.load32_splat(SOFTMAX_CUT32));
    const e2 = vexp32(f32x4.sub(v128.load(p, 32), mv), v128.load32_splat(SOFTMAX_CUT32));
    const e3 = vexp32(f32x4.sub(v128.load(p, 48), mv), v128.load32_splat(SOFTMAX_CUT32));
    v128.store(p, e0); v128.store(p, e1, 16); v128.store(p, e2, 32); v128.store(p, e3, 48);
    acc0 = f32x4.add(acc0, e0); acc1 = f32x4.add(acc1, e1); acc2 = f32x4.add(acc2, e2); acc3 = f32x4.add(acc3, e3);
  }
  for (; j < n; j += 4) {
    const p = at32(row, j);
    const e0 = vexp32(f32x4.sub(v128.load(p), mv), v128.load32_splat(SOFTMAX_CUT32));
    v128.store(p, e0);
    acc0 = f32x4.add(acc0, e0);
  }
  acc0 = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  return (f32x4.extract_lane(acc0, 0) + f32x4.extract_lane(acc0, 1)) + (f32x4.extract_lane(acc0, 2) + f32x4.extract_lane(acc0, 3));
}

function pv4_32(P: usize, V: usize, ldv: i32, cnt: i32, O: usize, dv: i32, r: usize): void {
  const vStep = (<usize>ldv) << 2;
  const oStep = (<usize>dv) << 2;
  const pStep = (<usize>TILE) << 2;
  const p0 = P, p1 = p0 + pStep, p2 = p1 + pStep, p3 = p2 + pStep;
  const o0 = O, o1 = o0 + oStep, o2 = o1 + oStep, o3 = o2 + oStep;
  const r0 = v128.load32_splat(r), r1 = v128.load32_splat(r, 4), r2 = v128.load32_splat(r, 8), r3 = v128.load32_splat(r, 12);
  let c = 0;
  for (; c + 8 <= dv; c += 8) {
    const co = (<usize>c) << 2;
    let s00 = f32x4.mul(v128.load(o0 + co), r0), s01 = f32x4.mul(v128.load(o0 + co, 16), r0);
    let s10 = f32x4.mul(v128.load(o1 + co), r1), s11 = f32x4.mul(v128.load(o1 + co, 16), r1);
    let s20 = f32x4.mul(v128.load(o2 + co), r2), s21 = f32x4.mul(v128.load(o2 + co, 16), r2);
    let s30 = f32x4.mul(v128.load(o3 + co), r3), s31 = f32x4.mul(v128.load(o3 + co, 16), r3);
    let vp = V + co;
    for (let t = 0; t < cnt; t++) {
      const off = (<usize>t) << 2;
      const b0 = v128.load(vp), b1 = v128.load(vp, 16);
      const x0 = v128.load32_splat(p0 + off);
      const x1 = v128.load32_splat(p1 + off);
      s00 = madd32(x0, b0, s00); s01 = madd32(x0, b1, s01);
      const x2 = v128.load32_splat(p2 + off);
      s10 = madd32(x1, b0, s10); s11 = madd32(x1, b1, s11);
      const x3 = v128.load32_splat(p3 + off);
      s20 = madd32(x2, b0, s20); s21 = madd32(x2, b1, s21);
      s30 = madd32(x3, b0, s30); s31 = madd32(x3, b1, s31);
      vp += vStep;
    }
    v128.store(o0 + co, s00); v128.store(o0 + co, s01, 16);
    v128.store(o1 + co, s10); v128.store(o1 + co, s11, 16);
    v128.store(o2 + co, s20); v128.store(o2 + co, s21, 16);
    v128.store(o3 + co, s30); v128.store(o3 + co, s31, 16);
  }
  if (c < dv) {
    const co = (<usize>c) << 2;
    let s0 = f32x4.mul(v128.load(o0 + co), r0);
    let s1 = f32x4.mul(v128.load(o1 + co), r1);
    let s2 = f32x4.mul(v128.load(o2 + co), r2);
    let s3 = f32x4.mul(v128.load(o3 + co), r3);
    let vp = V + co;
    for (let t = 0; t < cnt; t++) {
      const off = (<usize>t) << 2;
      const b0 = v128.load(vp);
      s0 = madd32(v128.load32_splat(p0 + off), b0, s0);
      s1 = madd32(v128.load32_splat(p1 + off), b0, s1);
      s2 = madd32(v128.load32_splat(p2 + off), b0, s2);
      s3 = madd32(v128.load32_splat(p3 + off), b0, s3);
      vp += vStep;
    }
    v128.store(o0 + co, s0);
    v128.store(o1 + co, s1);
    v128.store(o2 + co, s2);
    v128.store(o3 + co, s3);
  }
}

export function attendScratchBytes32(dv: i32): i32 {
  return GROUP * (TILE + dv + 3) * 4;
}

/** As attend64 in float32: dk, dv multiples of 4, keys packed by packKeys32. */
export function attend32(
  Q: usize, ldq: i32, Kp: usize, V: usize, ldv: i32, nk: i32, dk: i32, dv: i32,
  r0: i32, r1: i32, scale: f32, Out: usize, ldo: i32, accumulate: i32, scratch: usize, causal: i32, bad: usize,
): void {
  const lds = (<usize>TILE) << 2;
  const S = scratch;
  const O = at32(S, GROUP * TILE);
  const st = at32(O, GROUP * dv);
  const mPtr = st, lPtr = at32(st, GROUP), rPtr = at32(st, 2 * GROUP);
  const last = r1 - 1;
  for (let i0 = r0; i0 < r1; i0 += GROUP) {
    const subs = (min(GROUP, r1 - i0) + 3) >> 2;
    memory.fill(O, 0, <usize>(subs * 4 * dv * 4));
    for (let q = 0; q < subs * 4; q++) {
      store<f32>(at32(mPtr, q), -Infinity);
      store<f32>(at32(lPtr, q), 0.0);
    }
    // Causal: the group's last row sees keys up to itself, so later tiles are skipped whole.
    const kEnd = causal ? min(nk, min(i0 + GROUP, r1)) : nk;
    for (let j0 = 0; j0 < kEnd; j0 += TILE) {
      const cnt = min(TILE, nk - j0);
      const blocks = (cnt + 7) >> 3;
      const kBase = at32(Kp, j0 * dk);
      const vBase = at32(V, j0 * ldv);
      for (let sb = 0; sb < subs; sb++) {
        const i = i0 + sb * 4;
        const q0 = at32(Q, i * ldq);
        const q1 = at32(Q, min(i + 1, last) * ldq);
        const q2 = at32(Q, min(i + 2, last) * ldq);
        const q3 = at32(Q, min(i + 3, last) * ldq);
        const Ssb = at32(S, sb * 4 * TILE);
        for (let b = 0; b < blocks; b++) {
          scores4x8_32(q0, q1, q2, q3, at32(kBase, b * 8 * dk), dk, at32(Ssb, b * 8), lds, scale);
        }
        for (let q = sb * 4; q < sb * 4 + 4; q++) {
          const row = at32(S, q * TILE);
          // Logits of the keys this row sees (causal: up to itself), before the mask's −∞.
          const seen = causal ? min(cnt, max(0, i0 + q + 1 - j0)) : cnt;
          if (!rowFinite32(row, seen)) {
            noteBadRow(bad, min(i0 + q, last));
            store<f32>(at32(lPtr, q), NaN);
          }
          if (causal) {
            // Keys after query i0 + q score −∞ (weight 0). Key 0 is always seen, so the running
            // maximum is finite from the first tile on and a fully masked tile changes nothing.
            for (let t = max(0, i0 + q + 1 - j0); t < cnt; t++) store<f32>(at32(row, t), -Infinity);
          }
          const mOld = load<f32>(at32(mPtr, q));
          const mNew = max(mOld, rowMax32(row, cnt));
          const sum = rowExp32(row, cnt, mNew);
          const r: f32 = mOld - mNew < load<f32>(SOFTMAX_CUT32) ? 0.0 : <f32>Math.exp(<f64>(mOld - mNew));
          store<f32>(at32(lPtr, q), load<f32>(at32(lPtr, q)) * r + sum);
          store<f32>(at32(mPtr, q), mNew);
          store<f32>(at32(rPtr, q), r);
        }
        pv4_32(Ssb, vBase, ldv, cnt, at32(O, sb * 4 * dv), dv, at32(rPtr, sb * 4));
      }
    }
    const rows = min(GROUP, r1 - i0);
    for (let q = 0; q < rows; q++) {
      const inv = f32x4.splat(load<f32>(at32(lPtr, q)));
      const src = at32(O, q * dv);
      const dst = at32(Out, (i0 + q) * ldo);
      let z = f32x4.splat(0.0);
      for (let c = 0; c < dv; c += 4) {
        let v = f32x4.div(v128.load(at32(src, c)), inv);
        if (accumulate) v = f32x4.add(v128.load(at32(dst, c)), v);
        v128.store(at32(dst, c), v);
        z = f32x4.add(z, f32x4.sub(v, v));
      }
      const zs = (f32x4.extract_lane(z, 0) + f32x4.extract_lane(z, 1)) + (f32x4.extract_lane(z, 2) + f32x4.extract_lane(z, 3));
      if (zs != zs) noteBadRow(bad, i0 + q);
    }
  }
}
