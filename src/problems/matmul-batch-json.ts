import { z } from 'zod';
import { formatRational, parseRational, rationalFromNumber, rationalToNumber, type Rational } from '../autodiff/scalar.js';
import { UserError } from '../errors.js';
import { ProvenanceSchema } from '../provenance.js';
import { layoutProblem, type MatmulBatch, type MatmulNumberType } from './matmul-batch.js';

/** The JSON form of a matmul batch (matrices as arrays of rows), its validation, and back. */

const Entry = z.union([z.number(), z.string()], { error: 'expected a number (or a string "p/q" in a rational instance)' });
const MatrixJson = z.array(z.array(Entry, { error: 'expected a row: an array of entries' }), {
  error: 'expected a matrix: an array of rows',
});
const PairJson = z.object({ A: MatrixJson, B: MatrixJson });
const PositiveInt = (what: string) =>
  z
    .number({ error: `expected ${what}: a positive integer` })
    .int(`expected ${what}: a positive integer`)
    .min(1, `expected ${what}: a positive integer`);

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
  if (type !== 'rational')
    return `expected a number (numberType "${type}"), found the string ${JSON.stringify(x)}; string entries "p/q" need numberType "rational"`;
  const r = parseRational(x);
  return typeof r === 'string' ? r : null;
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
