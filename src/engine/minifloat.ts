import { endianness } from 'node:os';

/**
 * Bit-exact emulation of small binary floating-point formats in float64 (Node 20 has no
 * Math.f16round). A format has 1 sign bit, `expBits` exponent bits (bias 2^{expBits−1} − 1) and
 * `fracBits` stored fraction bits, so p = fracBits + 1 bits of precision:
 *
 * | format | exp | frac | emin | max finite | unit roundoff | overflow |
 * | fp16 (IEEE binary16) | 5 | 10 | −14 | 65504 | 2⁻¹¹ | → ±∞ |
 * | bf16 | 8 | 7 | −126 | (2−2⁻⁷)·2¹²⁷ ≈ 3.39e38 | 2⁻⁸ | → ±∞ |
 * | fp8 E4M3 (OCP "E4M3FN") | 4 | 3 | −6 | 448 | 2⁻⁴ | saturates to ±448 (no ∞; S.1111.111 is NaN) |
 * | fp8 E5M2 (OCP) | 5 | 2 | −14 | 57344 | 2⁻³ | → ±∞ |
 * | f32 (IEEE binary32, for testing against Math.fround) | 8 | 23 | −126 | ≈ 3.40e38 | 2⁻²⁴ | → ±∞ |
 *
 * Rounding is IEEE 754 round-to-nearest, ties-to-even, with gradual underflow (subnormals, quantum
 * 2^{emin − fracBits}) and signed zeros. Overflow follows IEEE for the formats with ∞: a value whose
 * rounding with unbounded exponent exceeds the largest finite one becomes ±∞. E4M3 has no ∞; we
 * saturate (the "satfinite" conversion of current fp8 hardware and libraries); NaN stays NaN.
 *
 * Why float64 emulation is exact: for + − × ÷ of two p-bit values, rounding the (correctly rounded)
 * float64 result to p bits equals rounding the exact result, because 53 ≥ 2p + 2 for every format
 * here (p ≤ 24); exp is float64's Math.exp (error < 1 ulp of float64) rounded once.
 */
export interface MiniFloat {
  readonly name: string;
  readonly expBits: number;
  readonly fracBits: number;
  readonly emin: number;
  readonly bias: number;
  readonly maxFinite: number;
  readonly hasInfinity: boolean;
  /** 2^{−p}: half the spacing just above 1. */
  readonly unitRoundoff: number;
}

function format(name: string, expBits: number, fracBits: number, hasInfinity: boolean, maxFinite?: number): MiniFloat {
  const bias = 2 ** (expBits - 1) - 1;
  const emax = bias;
  return {
    name,
    expBits,
    fracBits,
    emin: 1 - bias,
    bias,
    maxFinite: maxFinite ?? (2 - 2 ** -fracBits) * 2 ** emax,
    hasInfinity,
    unitRoundoff: 2 ** -(fracBits + 1),
  };
}

export const FORMATS = {
  fp16: format('fp16', 5, 10, true),
  bf16: format('bf16', 8, 7, true),
  e4m3: format('e4m3', 4, 3, false, 448),
  e5m2: format('e5m2', 5, 2, true),
  f32: format('f32', 8, 23, true),
} as const satisfies Record<string, MiniFloat>;

const POW2_OFFSET = 1100;
const POW2 = Float64Array.from({ length: 2 * POW2_OFFSET + 1 }, (_, i) => 2 ** (i - POW2_OFFSET));
const pow2 = (k: number): number => POW2[k + POW2_OFFSET]!;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const HIGH = endianness() === 'LE' ? 1 : 0;
/** Adding and subtracting 1.5·2^52 rounds a float64 below 2^51 to an integer, ties to even. */
const RNE = 1.5 * 2 ** 52;

/** Unbiased binary exponent of a normal float64 a > 0 (floor(log2 a)), read from its bits. */
function exponentOf(a: number): number {
  scratch[0] = a;
  return ((words[HIGH]! >>> 20) & 0x7ff) - 1023;
}

/** Round a float64 to the nearest value of format f (ties to even), as a float64. */
export function roundTo(x: number, f: MiniFloat): number {
  if (x === 0 || Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a === Infinity) return f.hasInfinity ? x : Math.sign(x) * f.maxFinite;
  const e = Math.max(exponentOf(a), f.emin); // float64 subnormals lie far below every emin here
  const q = pow2(e - f.fracBits);
  let v = (a / q + RNE - RNE) * q;
  if (v > f.maxFinite) v = f.hasInfinity ? Infinity : f.maxFinite;
  return x < 0 ? -v : v;
}

/** The bit pattern of roundTo(x, f) (sign, exponent, fraction), for the tests and for inspection. */
export function encode(x: number, f: MiniFloat): number {
  const fracMask = 2 ** f.fracBits - 1;
  const expAll = 2 ** f.expBits - 1;
  const signBit = 2 ** (f.expBits + f.fracBits);
  if (Number.isNaN(x)) return f.hasInfinity ? expAll * 2 ** f.fracBits + 2 ** (f.fracBits - 1) : expAll * 2 ** f.fracBits + fracMask;
  const v = roundTo(x, f);
  const sign = v < 0 || Object.is(v, -0) ? signBit : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign + expAll * 2 ** f.fracBits;
  if (a === 0) return sign;
  const e = exponentOf(a);
  if (e < f.emin) return sign + a / pow2(f.emin - f.fracBits); // subnormal: exponent field 0
  return sign + (e + f.bias) * 2 ** f.fracBits + (a / pow2(e) - 1) * 2 ** f.fracBits;
}

/** The value of a bit pattern of format f. */
export function decode(bits: number, f: MiniFloat): number {
  const fracMask = 2 ** f.fracBits - 1;
  const expAll = 2 ** f.expBits - 1;
  const sign = Math.floor(bits / 2 ** (f.expBits + f.fracBits)) % 2 === 1 ? -1 : 1;
  const ex = Math.floor(bits / 2 ** f.fracBits) % 2 ** f.expBits;
  const frac = bits % 2 ** f.fracBits;
  if (ex === expAll) {
    if (f.hasInfinity) return frac === 0 ? sign * Infinity : NaN;
    if (frac === fracMask) return NaN;
  }
  if (ex === 0) return sign * frac * pow2(f.emin - f.fracBits);
  return sign * (1 + frac / 2 ** f.fracBits) * pow2(ex - f.bias);
}
