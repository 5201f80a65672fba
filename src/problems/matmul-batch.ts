import { z } from 'zod';
import {
  F64,
  RATIONAL,
  formatRational,
  parseRational,
  rationalFromNumber,
  rationalToNumber,
  type Rational,
  type Scalar,
} from '../autodiff/scalar.js';
import { UserError } from '../errors.js';
import { ProvenanceSchema, type Provenance } from '../provenance.js';

/**
 * matmul-batch: `count` pairs (A_t, B_t) of size×size matrices; the task is every product A_t·B_t.
 * The source problem of the large-embedding regime (docs/model.md §4): with count = L·H, one gradient
 * of one L-layer, H-head transformer of N + 1 tokens and width N gives all of them.
 *
 * Entries are integers (default), exact rationals, or floats:
 *  - 'integer':  JSON numbers that are safe integers (|x| ≤ 2^53 − 1);
 *  - 'rational': safe-integer JSON numbers or strings "p", "p/q", "−1.25" (any size, exact);
 *  - 'float':    any finite JSON numbers.
 * In memory every matrix is a row-major Float64Array (exact for integer and float instances);
 * rational instances also keep their exact entries in `exact`.
 */
export type MatmulNumberType = 'integer' | 'rational' | 'float';

export interface MatmulPair {
  /** size×size, row-major (the nearest doubles for rational instances). */
  readonly A: Float64Array;
  readonly B: Float64Array;
}

export interface ExactPair {
  readonly A: readonly Rational[];
  readonly B: readonly Rational[];
}

export interface MatmulBatch {
  readonly count: number;
  readonly size: number;
  /** Suggested split count = layers × heads for the transformer (optional; checked when given). */
  readonly layers?: number | undefined;
  readonly heads?: number | undefined;
  readonly numberType: MatmulNumberType;
  readonly pairs: readonly MatmulPair[];
  /** Exact entries, present iff numberType = 'rational'. */
  readonly exact?: readonly ExactPair[] | undefined;
  provenance?: Provenance | undefined;
}

/** The products, exact (rationals) or float64, one size×size row-major matrix per pair. */
export type MatmulProducts =
  | { readonly arithmetic: 'rational'; readonly products: readonly (readonly Rational[])[] }
  | { readonly arithmetic: 'float64'; readonly products: readonly Float64Array[] };

// ---------------------------------------------------------------------------------------------
// JSON form
// ---------------------------------------------------------------------------------------------

const Entry = z.union([z.number(), z.string()], { error: 'expected a number (or a string "p/q" in a rational instance)' });
const MatrixJson = z.array(z.array(Entry, { error: 'expected a row: an array of entries' }), {
  error: 'expected a matrix: an array of rows',
});
const PairJson = z.object({ A: MatrixJson, B: MatrixJson });
const PositiveInt = (what: string) =>
  z.number({ error: `expected ${what}: a positive integer` }).int(`expected ${what}: a positive integer`).min(1, `expected ${what}: a positive integer`);

export const MatmulBatchJsonSchema = z
  .object({
    problem: z.literal('matmul-batch'),
    count: PositiveInt('the number of pairs'),
    size: PositiveInt('the matrix size N'),
    layers: PositiveInt('the number of layers').optional(),
    heads: PositiveInt('the number of heads').optional(),
    numberType: z.enum(['integer', 'rational', 'float'], { error: 'expected "integer", "rational" or "float"' }).default('integer'),
    pairs: z.array(PairJson),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const issue = (path: (string | number)[], message: string): void => {
      ctx.addIssue({ code: 'custom', path, message });
    };
    const layoutError = layoutProblem(v.count, v.layers, v.heads);
    if (layoutError) issue([layoutError.field], layoutError.message);
    if (v.pairs.length !== v.count) issue(['pairs'], `expected count = ${v.count} pairs, found ${v.pairs.length}`);
    v.pairs.forEach((pair, t) => {
      for (const name of ['A', 'B'] as const) {
        const M = pair[name];
        const path = ['pairs', t, name];
        if (M.length !== v.size) {
          issue(path, `expected size = ${v.size} rows (an N×N matrix, N = size), found ${M.length}`);
          return;
        }
        M.forEach((row, i) => {
          if (row.length !== v.size) {
            issue([...path, i], `matrix is not square: row ${i} has ${row.length} entries, expected size = ${v.size}`);
            return;
          }
          row.forEach((x, j) => {
            const msg = entryProblem(x, v.numberType);
            if (msg) issue([...path, i, j], msg);
          });
        });
      }
    });
  });
export type MatmulBatchJson = z.infer<typeof MatmulBatchJsonSchema>;

function entryProblem(x: number | string, type: MatmulNumberType): string | null {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) return 'expected a finite number';
    if (type === 'float') return null;
    if (!Number.isSafeInteger(x)) {
      return type === 'integer'
        ? `expected an integer with |x| ≤ 2^53 − 1 (numberType "integer"), found ${x}; use numberType "rational" (entries as strings "p/q") or "float"`
        : `a number entry of a rational instance must be a safe integer, found ${x}; write other values as strings "p/q"`;
    }
    return null;
  }
  if (type !== 'rational') return `expected a number (numberType "${type}"), found the string ${JSON.stringify(x)}; string entries "p/q" need numberType "rational"`;
  const r = parseRational(x);
  return typeof r === 'string' ? r : null;
}

/**
 * Where layers/heads are inconsistent with count (both given: layers × heads = count; one given:
 * it divides count), or null.
 */
function layoutProblem(count: number, layers: number | undefined, heads: number | undefined): { field: 'layers' | 'heads'; message: string } | null {
  if (layers !== undefined && heads !== undefined && layers * heads !== count) {
    return {
      field: 'layers',
      message: `layers × heads must equal count (one head per pair): layers = ${layers}, heads = ${heads} gives ${layers * heads}, but count = ${count}`,
    };
  }
  if (layers !== undefined && heads === undefined && count % layers !== 0) {
    return { field: 'layers', message: `layers = ${layers} does not divide count = ${count} (layers × heads must equal count)` };
  }
  if (heads !== undefined && layers === undefined && count % heads !== 0) {
    return { field: 'heads', message: `heads = ${heads} does not divide count = ${count} (layers × heads must equal count)` };
  }
  return null;
}

/**
 * Layers and heads for `count` pairs: options first, then the instance's suggestion, then L = 1,
 * H = count. Throws a UserError naming the option when layers × heads ≠ count.
 */
export function resolveLayout(
  count: number,
  options: { layers?: number | undefined; heads?: number | undefined },
  suggested: { layers?: number | undefined; heads?: number | undefined } = {},
): { layers: number; heads: number } {
  for (const [name, v] of [
    ['layers', options.layers],
    ['heads', options.heads],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new UserError(`--${name} must be a positive integer, got ${v}`);
  }
  let { layers, heads } = options;
  if (layers === undefined && heads === undefined) ({ layers, heads } = suggested);
  const problem = layoutProblem(count, layers, heads);
  if (problem) throw new UserError(`--${problem.field}: ${problem.message}`);
  if (layers === undefined && heads === undefined) return { layers: 1, heads: count };
  if (layers === undefined) return { layers: count / heads!, heads: heads! };
  if (heads === undefined) return { layers, heads: count / layers };
  return { layers, heads };
}

function toNumberEntry(x: number | string): number {
  if (typeof x === 'number') return x;
  const r = parseRational(x);
  if (typeof r === 'string') throw new UserError(r);
  return rationalToNumber(r);
}

function toRationalEntry(x: number | string): Rational {
  if (typeof x === 'number') return rationalFromNumber(x);
  const r = parseRational(x);
  if (typeof r === 'string') throw new UserError(r);
  return r;
}

/** From JSON that MatmulBatchJsonSchema has validated. */
export function matmulBatchFromJson(j: MatmulBatchJson): MatmulBatch {
  const N = j.size;
  const flat = (M: (number | string)[][]): Float64Array => {
    const out = new Float64Array(N * N);
    M.forEach((row, i) => row.forEach((x, k) => (out[i * N + k] = toNumberEntry(x))));
    return out;
  };
  const exactFlat = (M: (number | string)[][]): Rational[] => M.flatMap((row) => row.map(toRationalEntry));
  return {
    count: j.count,
    size: N,
    layers: j.layers,
    heads: j.heads,
    numberType: j.numberType,
    pairs: j.pairs.map((p) => ({ A: flat(p.A), B: flat(p.B) })),
    exact: j.numberType === 'rational' ? j.pairs.map((p) => ({ A: exactFlat(p.A), B: exactFlat(p.B) })) : undefined,
    provenance: j.provenance,
  };
}

export function matmulBatchToJson(b: MatmulBatch): MatmulBatchJson {
  const N = b.size;
  const rows = <T>(a: ArrayLike<T>): T[][] => Array.from({ length: N }, (_, i) => Array.from({ length: N }, (_, k) => a[i * N + k]!));
  const out: MatmulBatchJson = {
    problem: 'matmul-batch',
    count: b.count,
    size: N,
    numberType: b.numberType,
    pairs:
      b.numberType === 'rational' && b.exact
        ? b.exact.map((p) => ({ A: rows(p.A.map(rationalJsonEntry)), B: rows(p.B.map(rationalJsonEntry)) }))
        : b.pairs.map((p) => ({ A: rows(p.A), B: rows(p.B) })),
  };
  if (b.layers !== undefined) out.layers = b.layers;
  if (b.heads !== undefined) out.heads = b.heads;
  if (b.provenance) out.provenance = b.provenance;
  return out;
}

function rationalJsonEntry(r: Rational): number | string {
  const asNumber = Number(r.num);
  return r.den === 1n && Number.isSafeInteger(asNumber) ? asNumber : formatRational(r);
}

/** Parses and validates any JSON value; errors are UserErrors naming the field ("pairs[1].B[2]: …"). */
export function parseMatmulBatch(json: unknown, name = '<input>'): MatmulBatch {
  const r = MatmulBatchJsonSchema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const path = first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    throw new UserError(`${name}: field ${path || '(top level)'}: ${first.message}${more}`);
  }
  return matmulBatchFromJson(r.data);
}

/**
 * Checks an in-memory instance (programmatic callers): count, pairs, square matrices of the
 * stated size, the exact entries of a rational instance. Throws a UserError naming the field.
 */
export function validateMatmulBatch(b: MatmulBatch): void {
  const fail = (field: string, msg: string): never => {
    throw new UserError(`matmul-batch: field ${field}: ${msg}`);
  };
  if (!(Number.isInteger(b.count) && b.count >= 1)) fail('count', `expected a positive integer, found ${b.count}`);
  if (!(Number.isInteger(b.size) && b.size >= 1)) fail('size', `expected a positive integer, found ${b.size}`);
  const layout = layoutProblem(b.count, b.layers, b.heads);
  if (layout) fail(layout.field, layout.message);
  if (b.pairs.length !== b.count) fail('pairs', `expected count = ${b.count} pairs, found ${b.pairs.length}`);
  const N2 = b.size * b.size;
  b.pairs.forEach((p, t) => {
    for (const name of ['A', 'B'] as const) {
      const M = p[name];
      if (M.length !== N2) {
        fail(`pairs[${t}].${name}`, `expected a ${b.size}×${b.size} matrix (${N2} entries, size = ${b.size}), found ${M.length} entries`);
      }
      for (let i = 0; i < M.length; i++) {
        const x = M[i]!;
        if (!Number.isFinite(x)) fail(`pairs[${t}].${name}`, `entry ${i} is not finite`);
        if (b.numberType === 'integer' && !Number.isSafeInteger(x)) {
          fail(`pairs[${t}].${name}[${Math.floor(i / b.size)}][${i % b.size}]`, `expected an integer (numberType "integer"), found ${x}`);
        }
      }
    }
  });
  if (b.numberType === 'rational') {
    if (!b.exact || b.exact.length !== b.count) fail('exact', 'a rational instance needs exact entries for every pair');
    b.exact!.forEach((p, t) => {
      for (const name of ['A', 'B'] as const) {
        if (p[name].length !== N2) fail(`pairs[${t}].${name}`, `expected ${N2} exact entries, found ${p[name].length}`);
      }
    });
  }
}

/**
 * Sizes as reductions see them: count, N, the largest |entry|, and the layout the file suggests
 * (layers/heads, 0 when the file names none).
 */
export function matmulBatchSizes(b: MatmulBatch): { count: number; size: number; maxAbs: number; layers: number; heads: number } {
  return { count: b.count, size: b.size, maxAbs: matmulMaxAbs(b), layers: b.layers ?? 0, heads: b.heads ?? 0 };
}

/** Largest |entry| over every A and B (of the float64 form). */
export function matmulMaxAbs(b: MatmulBatch): number {
  let m = 0;
  for (const p of b.pairs) {
    for (const M of [p.A, p.B]) {
      for (let i = 0; i < M.length; i++) {
        const v = Math.abs(M[i]!);
        if (v > m) m = v;
      }
    }
  }
  return m;
}

/** Exact entries of every pair: the rational ones, or the integers/doubles taken exactly. */
export function exactPairs(b: MatmulBatch): ExactPair[] {
  if (b.numberType === 'rational' && b.exact) return b.exact.map((p) => ({ A: p.A.slice(), B: p.B.slice() }));
  return b.pairs.map((p) => ({ A: Array.from(p.A, rationalFromNumber), B: Array.from(p.B, rationalFromNumber) }));
}

/** True when exact rational arithmetic is the natural mode (integer or rational entries). */
export function isExactInstance(b: MatmulBatch): boolean {
  return b.numberType === 'integer' || b.numberType === 'rational';
}

// ---------------------------------------------------------------------------------------------
// Direct multiplication (the oracle) and verification
// ---------------------------------------------------------------------------------------------

/** A·B for N×N row-major matrices in any scalar type: N²·(2N − 1) operations. */
export function multiplySquare<T>(F: Scalar<T>, A: readonly T[] | Float64Array, B: readonly T[] | Float64Array, N: number): T[] {
  const a = A as ArrayLike<T>;
  const b = B as ArrayLike<T>;
  const out = new Array<T>(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      let acc: T = F.mul(a[i * N]!, b[j]!);
      for (let k = 1; k < N; k++) acc = F.add(acc, F.mul(a[i * N + k]!, b[k * N + j]!));
      out[i * N + j] = acc;
    }
  }
  return out;
}

/** Scalar operations of direct multiplication of every pair: count·N²·(2N − 1). */
export function directMultiplicationOps(count: number, N: number): number {
  return count * N * N * (2 * N - 1);
}

/** Every A_t·B_t by direct multiplication: exact rationals (default for integer/rational instances) or float64. */
export function directProducts(b: MatmulBatch, arithmetic: 'rational' | 'float64' = isExactInstance(b) ? 'rational' : 'float64'): MatmulProducts {
  const N = b.size;
  if (arithmetic === 'rational') {
    return { arithmetic, products: exactPairs(b).map((p) => multiplySquare(RATIONAL, p.A, p.B, N)) };
  }
  return { arithmetic, products: b.pairs.map((p) => Float64Array.from(multiplySquare(F64, Array.from(p.A), Array.from(p.B), N))) };
}

export interface ProductComparison {
  /** Every product agrees: exactly (rational) or within the tolerance (float64). */
  agree: boolean;
  /** The comparison was exact equality of rationals. */
  exact: boolean;
  /** Products that agree. */
  agreeing: number;
  /** Largest |recovered − direct| over all entries (0 when exact and equal). */
  maxAbsError: number;
  /** maxAbsError relative to the error scale N·max|A|·max|B| (float64 mode). */
  maxRelError: number;
  /** float64 tolerance used: |error| ≤ rtol·max(1, N·max|A|·max|B|). */
  rtol: number;
  firstMismatch?: { pair: number; row: number; col: number; recovered: string; direct: string } | undefined;
}

/**
 * Compares claimed products with direct multiplication. Rational claims are compared exactly with
 * the exact products; float64 claims with the float64 products, within rtol·max(1, N·max|A|·max|B|).
 */
export function compareProducts(b: MatmulBatch, claimed: MatmulProducts, rtol = 1e-9): ProductComparison {
  const N = b.size;
  if (claimed.products.length !== b.count) {
    return { agree: false, exact: claimed.arithmetic === 'rational', agreeing: 0, maxAbsError: Infinity, maxRelError: Infinity, rtol };
  }
  const scale = Math.max(1, N * maxAbsOf(b, 'A') * maxAbsOf(b, 'B'));
  let agreeing = 0;
  let maxAbsError = 0;
  let firstMismatch: ProductComparison['firstMismatch'];
  if (claimed.arithmetic === 'rational') {
    const direct = directProducts(b, 'rational');
    claimed.products.forEach((P, t) => {
      const D = direct.products[t] as readonly Rational[];
      let ok = P.length === N * N;
      for (let e = 0; ok && e < N * N; e++) {
        if (!RATIONAL.equals(P[e]!, D[e]!)) {
          ok = false;
          maxAbsError = Math.max(maxAbsError, Math.abs(rationalToNumber(RATIONAL.sub(P[e]!, D[e]!))));
          firstMismatch ??= { pair: t, row: Math.floor(e / N), col: e % N, recovered: formatRational(P[e]!), direct: formatRational(D[e]!) };
        }
      }
      if (ok) agreeing++;
    });
    return { agree: agreeing === b.count, exact: true, agreeing, maxAbsError, maxRelError: maxAbsError / scale, rtol: 0, firstMismatch };
  }
  const direct = directProducts(b, 'float64');
  claimed.products.forEach((P, t) => {
    const D = direct.products[t] as Float64Array;
    let ok = P.length === N * N;
    for (let e = 0; ok && e < N * N; e++) {
      const err = Math.abs(P[e]! - D[e]!);
      if (!(err <= rtol * scale)) {
        ok = false;
        firstMismatch ??= { pair: t, row: Math.floor(e / N), col: e % N, recovered: String(P[e]), direct: String(D[e]) };
      }
      if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? Infinity : err;
    }
    if (ok) agreeing++;
  });
  return { agree: agreeing === b.count, exact: false, agreeing, maxAbsError, maxRelError: maxAbsError / scale, rtol, firstMismatch };
}

function maxAbsOf(b: MatmulBatch, which: 'A' | 'B'): number {
  let m = 0;
  for (const p of b.pairs) for (let i = 0; i < p[which].length; i++) m = Math.max(m, Math.abs(p[which][i]!));
  return m;
}

/** Verification for the problem catalogue: exact equality with direct multiplication (float64 within rtol). */
export function verifyMatmulProducts(b: MatmulBatch, claimed: MatmulProducts): boolean {
  return compareProducts(b, claimed).agree;
}
