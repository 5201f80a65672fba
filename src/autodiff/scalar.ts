import { UserError } from '../errors.js';

/**
 * The number types the differentiator computes in. One interface, two implementations:
 *  - `F64`: IEEE float64 (JS numbers);
 *  - `RATIONAL`: exact fractions of BigInts, always normalised (den > 0, gcd(num, den) = 1).
 *
 * Every arithmetic call is one counted operation of the tape (src/autodiff/tape.ts): the tape's
 * per-op counts are formulas that equal the number of calls made here (test/autodiff.test.ts
 * checks this with a counting wrapper, test/helpers/counting-scalar.ts).
 *
 * exp is only defined where the result is a number of the type: exact rationals have exp(0) = 1
 * and nothing else (e^x is irrational for every rational x ≠ 0), so rational mode refuses any
 * other exponent with a clear message. The large-embedding construction (docs/model.md §4) takes every
 * exp at 0, so its whole computation is rational.
 */
export interface Scalar<T> {
  readonly name: 'float64' | 'rational';
  readonly zero: T;
  readonly one: T;
  /** Exact for rationals: every finite double is a dyadic rational. */
  fromNumber(x: number): T;
  /** Nearest double (rounded once for rationals of moderate size). */
  toNumber(x: T): number;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  div(a: T, b: T): T;
  neg(a: T): T;
  exp(a: T): T;
  /** a > b (the comparison used by row-max and ReLU). */
  gt(a: T, b: T): boolean;
  isZero(a: T): boolean;
  equals(a: T, b: T): boolean;
  format(a: T): string;
}

// ---------------------------------------------------------------------------------------------
// float64
// ---------------------------------------------------------------------------------------------

export const F64: Scalar<number> = {
  name: 'float64',
  zero: 0,
  one: 1,
  fromNumber: (x) => x,
  toNumber: (x) => x,
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  neg: (a) => -a,
  exp: (a) => Math.exp(a),
  gt: (a, b) => a > b,
  isZero: (a) => a === 0,
  equals: (a, b) => a === b,
  format: (a) => String(a),
};

// ---------------------------------------------------------------------------------------------
// Exact rationals over BigInt
// ---------------------------------------------------------------------------------------------

/** num/den with den > 0 and gcd(|num|, den) = 1 (so equal values have equal representations). */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

export function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

const R_ZERO: Rational = Object.freeze({ num: 0n, den: 1n });
const R_ONE: Rational = Object.freeze({ num: 1n, den: 1n });

/** The normalised fraction num/den; den = 0 is a RangeError. */
export function rational(num: bigint | number, den: bigint | number = 1n): Rational {
  const n = typeof num === 'bigint' ? num : bigintOfInteger(num);
  const d = typeof den === 'bigint' ? den : bigintOfInteger(den);
  return normalise(n, d);
}

function bigintOfInteger(x: number): bigint {
  if (!Number.isInteger(x)) throw new RangeError(`expected an integer, got ${x}`);
  return BigInt(x);
}

function normalise(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new RangeError('division by zero');
  if (num === 0n) return R_ZERO;
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  if (den === 1n) return { num, den };
  const g = gcd(num, den);
  return g === 1n ? { num, den } : { num: num / g, den: den / g };
}

/** The exact value of a finite double (a dyadic rational). */
export function rationalFromNumber(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`cannot represent ${x} as a rational`);
  if (Number.isInteger(x)) return x === 0 ? R_ZERO : { num: BigInt(x), den: 1n };
  // Doubling a non-integer double is exact (its exponent is small), and at most 1074 doublings
  // make any finite double an integer.
  let den = 1n;
  let v = x;
  while (!Number.isInteger(v)) {
    v *= 2;
    den *= 2n;
  }
  return normalise(BigInt(v), den);
}

function bitLength(a: bigint): number {
  return a === 0n ? 0 : a.toString(2).length;
}

export function rationalToNumber(r: Rational): number {
  const { num, den } = r;
  const LIMIT = 9007199254740992n; // 2^53: both exact as doubles, so one correctly rounded division
  const absNum = num < 0n ? -num : num;
  if (absNum <= LIMIT && den <= LIMIT) return Number(num) / Number(den);
  // Scale to a quotient of about 64 bits, then multiply back by the power of two.
  const shift = bitLength(absNum) - bitLength(den) - 64;
  const q = shift >= 0 ? absNum / (den << BigInt(shift)) : (absNum << BigInt(-shift)) / den;
  // Apply 2^shift in steps of at most 2^±1000 so no intermediate under- or overflows early
  // (|Number(q)| ≈ 2^64; results near the subnormal range come out of the last step only).
  let magnitude = Number(q);
  let e = shift;
  while (e < -1000) {
    magnitude *= 2 ** -1000;
    e += 1000;
  }
  while (e > 1000) {
    magnitude *= 2 ** 1000;
    e -= 1000;
  }
  magnitude *= 2 ** e;
  return num < 0n ? -magnitude : magnitude;
}

/** "p" or "p/q" (normalised). */
export function formatRational(r: Rational): string {
  return r.den === 1n ? r.num.toString() : `${r.num}/${r.den}`;
}

const FRACTION = /^([+-]?\d+)(?:\/(\d+))?$/;
const DECIMAL = /^([+-]?)(\d*)\.(\d+)$/;

/**
 * Parses "p", "p/q" or a finite decimal "−1.25" exactly. Returns an error message instead of a
 * value when the text is not one of these (or q = 0).
 */
export function parseRational(text: string): Rational | string {
  const s = text.trim();
  const f = FRACTION.exec(s);
  if (f) {
    const den = f[2] === undefined ? 1n : BigInt(f[2]);
    if (den === 0n) return `"${text}" has denominator 0`;
    return normalise(BigInt(f[1]!), den);
  }
  const d = DECIMAL.exec(s);
  if (d) {
    const digits = `${d[2] ?? ''}${d[3]!}`;
    const value = normalise(BigInt(digits === '' ? '0' : digits), 10n ** BigInt(d[3]!.length));
    return d[1] === '-' ? { num: -value.num, den: value.den } : value;
  }
  return `"${text}" is not a rational number (expected "p", "p/q" or a decimal like "-1.25")`;
}

export function rationalAdd(a: Rational, b: Rational): Rational {
  if (a.den === 1n && b.den === 1n) return a.num + b.num === 0n ? R_ZERO : { num: a.num + b.num, den: 1n };
  if (a.num === 0n) return b;
  if (b.num === 0n) return a;
  if (a.den === b.den) return normalise(a.num + b.num, a.den);
  return normalise(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function rationalNeg(a: Rational): Rational {
  return a.num === 0n ? R_ZERO : { num: -a.num, den: a.den };
}

export function rationalSub(a: Rational, b: Rational): Rational {
  return rationalAdd(a, rationalNeg(b));
}

export function rationalMul(a: Rational, b: Rational): Rational {
  if (a.num === 0n || b.num === 0n) return R_ZERO;
  if (a.den === 1n && b.den === 1n) return { num: a.num * b.num, den: 1n };
  // Cross-cancel first so the products stay as small as the result.
  const g1 = gcd(a.num, b.den);
  const g2 = gcd(b.num, a.den);
  return { num: (a.num / g1) * (b.num / g2), den: (a.den / g2) * (b.den / g1) };
}

export function rationalDiv(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new RangeError('rational division by zero');
  const inv: Rational = b.num < 0n ? { num: -b.den, den: -b.num } : { num: b.den, den: b.num };
  return rationalMul(a, inv);
}

export function rationalCompare(a: Rational, b: Rational): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export const RATIONAL: Scalar<Rational> = {
  name: 'rational',
  zero: R_ZERO,
  one: R_ONE,
  fromNumber: rationalFromNumber,
  toNumber: rationalToNumber,
  add: rationalAdd,
  sub: rationalSub,
  mul: rationalMul,
  div: rationalDiv,
  neg: rationalNeg,
  exp(a) {
    if (a.num === 0n) return R_ONE;
    throw new UserError(
      `exact rational arithmetic cannot take exp(${formatRational(a)}): e^x is irrational for every rational x ≠ 0 ` +
        '(rational mode is for computations whose every attention logit is 0, such as the large-embedding construction); use float64',
    );
  },
  gt: (a, b) => rationalCompare(a, b) > 0,
  isZero: (a) => a.num === 0n,
  equals: (a, b) => a.num === b.num && a.den === b.den,
  format: formatRational,
};
