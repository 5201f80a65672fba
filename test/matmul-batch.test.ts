import { defaultBudget } from '../src/memory.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matmulBatchReduction, matmulBatchToTransformer, readoutMatrix } from '../reductions/matmul-batch-to-transformer.js';
import { REDUCTIONS } from '../reductions/index.js';
import { RATIONAL, rational, rationalToNumber, type Rational } from '../src/autodiff/scalar.js';
import { paramsFromModel, transformerGradient } from '../src/autodiff/transformer-grad.js';
import { modelGradientRational } from './helpers/model-gradient.js';
import { formatMatmulReport } from '../src/check/matmul.js';
import { checkMatmulBatch, predictedGradQ } from './helpers/matmul.js';
import { evaluateReference } from '../src/engine/reference.js';
import { UserError } from '../src/errors.js';
import { findGenerator, GENERATORS } from '../src/generators/index.js';
import { generateMatmulBatch, matmulGenerator } from '../src/generators/matmul.js';
import { parseInstance } from '../src/io/instance-file.js';
import { exactPairs, matmulMaxAbs, resolveLayout, type MatmulBatch } from '../src/problems/matmul-batch.js';
import { MatmulBatchJsonSchema, matmulBatchFromJson, matmulBatchToJson, validateMatmulBatch } from '../src/problems/matmul-batch-json.js';
import { compareProducts, directProducts } from '../src/problems/matmul-batch-products.js';
import { problemSpec } from '../src/problems/registry.js';
import { describeZodError } from '../src/zod-error.js';
import { evalOverhead } from '../src/reduction/formula.js';
import { makeRng } from '../src/rng.js';
import { matmulBatchArbitrary } from '../src/testing/arbitraries/matmul-batch.js';

const COMMAND = 'seth gen matmul --test';

/** Any JSON value through the file form's schema; errors are UserErrors naming the field ("pairs[1].B[2]: …"). */
function parseMatmulBatch(json: unknown, name = '<input>'): MatmulBatch {
  const r = MatmulBatchJsonSchema.safeParse(json);
  if (!r.success) throw new UserError(`${name}: ${describeZodError(r.error)}`);
  return matmulBatchFromJson(r.data);
}

function gen(count: number, size: number, seed: number, range = 9, layout: { layers?: number; heads?: number } = {}): MatmulBatch {
  return generateMatmulBatch({ count, size, range, ...layout }, makeRng(seed), COMMAND, defaultBudget());
}

/** (N, L, H) grid: N = 1 and L = 1 and H = 1 included, non-square splits L ≠ H. */
const GRID: [number, number, number][] = [];
for (const N of [1, 2, 3, 5]) {
  for (const [L, H] of [
    [1, 1],
    [1, 3],
    [3, 1],
    [2, 3],
    [3, 2],
    [2, 2],
    [1, 4],
  ] as const) {
    GRID.push([N, L, H]);
  }
}

describe('matmul-batch: exact recovery of every product from one gradient', () => {
  it.each(GRID)('N = %i, L = %i, H = %i: products recovered exactly (two seeds)', async (N, L, H) => {
    for (const seed of [0, 1]) {
      const inst = gen(L * H, N, seed + 10 * N);
      const r = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: L, heads: H });
      expect(r.arithmetic).toBe('rational');
      expect(r.agree).toBe(true);
      expect(r.exact).toBe(true);
      expect(r.productsRecovered).toBe(L * H);
      expect(r.maxAbsError).toBe(0);
      expect([r.tokens, r.width, r.layers, r.heads]).toEqual([N + 1, N, L, H]);
      expect(r.f).toBe(String(N));
      expect(r.opRatio).toBeLessThanOrEqual(5);
    }
  });

  it('random instances of every number type (fast-check): recovery agrees, exactly for integer/rational', async () => {
    await fc.assert(
      fc.asyncProperty(matmulBatchArbitrary({ maxSize: 4, maxCount: 6 }), fc.integer({ min: 0, max: 5 }), async (inst, pick) => {
        const divisors = Array.from({ length: inst.count }, (_, i) => i + 1).filter((d) => inst.count % d === 0);
        const layers = divisors[pick % divisors.length]!;
        const r = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers });
        expect(r.agree).toBe(true);
        expect(r.exact).toBe(inst.numberType !== 'float');
        expect(r.layers * r.heads).toBe(inst.count);
      }),
      { numRuns: 40, seed: 4242 },
    );
  });

  it('the derivation: ∂f/∂W_Q^t = (s/n)·A_t(I − J/n)B_t for every head of every layer, ∂f/∂W_K = ∂f/∂W_V = 0, ∂f/∂X_0 = C, f = N', () => {
    for (const [N, L, H] of [
      [3, 3, 2],
      [4, 2, 2],
      [1, 2, 3],
    ] as const) {
      const inst = gen(L * H, N, 77 + N);
      const { target } = matmulBatchReduction.forward(inst, { layers: L, heads: H });
      const pairs = exactPairs(inst);
      for (const s of [1, 2, 0.5]) {
        const model = { ...target, scale: s };
        const g = modelGradientRational(model, readoutMatrix(RATIONAL, N));
        expect(g.f).toEqual(rational(N));
        expect(g.dX).toEqual(readoutMatrix(RATIONAL, N));
        g.dW.forEach((layer, l) =>
          layer.forEach((w, h) => {
            expect(w.Q, `layer ${l} head ${h} scale ${s}`).toEqual(predictedGradQ(pairs[l * H + h]!, N, RATIONAL.fromNumber(s)));
            expect(w.K.every((x) => RATIONAL.isZero(x))).toBe(true);
            expect(w.V.every((x) => RATIONAL.isZero(x))).toBe(true);
          }),
        );
      }
    }
  });

  it('later layers see a drifted stream X_{ℓ−1} ≠ X_0, yet their gradients need no correction', () => {
    const inst = gen(4, 3, 5);
    const { target } = matmulBatchReduction.forward(inst, { layers: 4, heads: 1 });
    // The stream really drifts: X_1 ≠ X_0 (rows shifted by a constant row vector).
    const one = { ...target, layers: 1, weights: target.weights.slice(0, 1), mlp: target.mlp.slice(0, 1) };
    const X1 = evaluateReference(one).output;
    expect(Array.from(X1)).not.toEqual(Array.from(target.X));
    const drift = Array.from({ length: 3 }, (_, j) => X1[j * 3 + j]! - 1);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect(X1[i * 3 + j]! - target.X[i * 3 + j]!).toBeCloseTo(drift[j]!, 9);
  });

  it('rational instances ("p/q" entries) are recovered exactly', async () => {
    const json = {
      problem: 'matmul-batch',
      count: 2,
      size: 2,
      numberType: 'rational',
      pairs: [
        {
          A: [
            ['1/2', '-3/7'],
            [2, '0.25'],
          ],
          B: [
            ['5/3', 1],
            ['-1/9', '123456789012345678901234567/5'],
          ],
        },
        {
          A: [
            [1, 2],
            [3, 4],
          ],
          B: [
            ['1/3', '1/3'],
            ['1/3', '-2/3'],
          ],
        },
      ],
    };
    const inst = parseMatmulBatch(json);
    const r = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 2 });
    expect(r.exact).toBe(true);
    expect(r.productsRecovered).toBe(2);
    // and the exact products are the ones a hand computation gives: (1/2)(5/3) + (−3/7)(−1/9) = 5/6 + 1/21
    const d = directProducts(inst, 'rational');
    expect(d.arithmetic).toBe('rational');
    expect((d.products[0] as readonly Rational[])[0]).toEqual(RATIONAL.add(rational(5, 6), rational(1, 21)));
  });

  it('float instances (and integer ones in float64 mode) agree within tolerance', async () => {
    const rng = makeRng(3);
    const N = 6;
    const pairs = Array.from({ length: 6 }, () => ({
      A: Float64Array.from({ length: N * N }, () => rng.next() * 4 - 2),
      B: Float64Array.from({ length: N * N }, () => rng.next() * 4 - 2),
    }));
    const inst: MatmulBatch = { count: 6, size: N, numberType: 'float', pairs };
    const r = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 3, heads: 2 });
    expect(r.arithmetic).toBe('float64');
    expect(r.agree).toBe(true);
    expect(r.exact).toBe(false);
    expect(r.maxRelError).toBeLessThan(1e-10);
    const ri = await checkMatmulBatch(gen(6, 5, 9), { reductions: REDUCTIONS, layers: 2, numberType: 'float64' });
    expect(ri.agree).toBe(true);
    expect(ri.maxRelError).toBeLessThan(1e-10);
    // float instances can also be run exactly: doubles are dyadic rationals
    const rr = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 3, numberType: 'rational' });
    expect(rr.exact).toBe(true);
  });

  it('a wrong gradient is caught (the comparison is not vacuous)', async () => {
    const inst = gen(2, 3, 1);
    const opts = { layers: 1, heads: 2 };
    const { target, meta } = matmulBatchReduction.forward(inst, opts);
    const sol = await matmulBatchReduction.solveTarget!(target, meta, opts, { budget: { limitBytes: 1e9, force: false } });
    if (sol.arithmetic !== 'rational') throw new Error('expected rational');
    sol.gradQ[1]![4] = RATIONAL.add(sol.gradQ[1]![4]!, rational(1, 4));
    const rec = matmulBatchReduction.backward(
      { source: inst, target, meta, options: opts, solution: sol },
      {
        budget: { limitBytes: 1e9, force: false },
        probe: { evaluate: () => new Float64Array(0), stats: { calls: 0, rounds: 0, scoredPairs: 0 }, round: () => undefined },
      },
    );
    const cmp = compareProducts(inst, rec);
    expect(cmp.agree).toBe(false);
    expect(cmp.agreeing).toBe(1);
    expect(cmp.firstMismatch).toMatchObject({ pair: 1, row: 1, col: 1 });
    expect(problemSpec('matmul-batch').verify(inst, rec)).toBe(false);
  });
});

describe('Baur–Strassen: backward/forward operation ratio', () => {
  const ratio = async (N: number, L: number, H: number): Promise<number> =>
    (await checkMatmulBatch(gen(L * H, N, N + L + H), { reductions: REDUCTIONS, layers: L, heads: H })).opRatio;

  it('stays ≤ 5 and does not grow with N (N = 2, 4, 8, 16)', async () => {
    const rs = [];
    for (const N of [2, 4, 8, 16]) rs.push(await ratio(N, 1, 1));
    for (const r of rs) expect(r).toBeLessThanOrEqual(5);
    // It approaches the constant 2 of reverse mode from below: bounded, never above 2.
    for (const r of rs) expect(r).toBeLessThanOrEqual(2);
    expect(Math.max(...rs) - Math.min(...rs)).toBeLessThan(0.2);
  });

  it('does not grow with L or H (L, H ∈ {1, 2, 4, 8} at N = 4)', async () => {
    const byL = [];
    const byH = [];
    for (const k of [1, 2, 4, 8]) {
      byL.push(await ratio(4, k, 1));
      byH.push(await ratio(4, 1, k));
    }
    for (const r of [...byL, ...byH]) expect(r).toBeLessThanOrEqual(2);
    // Bounded, and converging to 2 as the fixed readout cost is spread over more heads:
    // each doubling of L (or H) moves the ratio by less than the previous one did.
    for (const rs of [byL, byH]) {
      expect(Math.max(...rs) - Math.min(...rs)).toBeLessThan(0.1);
      const steps = rs.slice(1).map((r, i) => r - rs[i]!);
      for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThan(steps[i - 1]!);
    }
  });

  it('operation counts are identical in rational and float64 mode (counts are of the computation, not the number type)', async () => {
    const inst = gen(4, 3, 2);
    const a = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 2, numberType: 'rational' });
    const b = await checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 2, numberType: 'float64' });
    expect([a.forwardOps, a.backwardOps]).toEqual([b.forwardOps, b.backwardOps]);
  });
});

describe('bad inputs get clear errors naming the field', () => {
  const good = () => ({
    problem: 'matmul-batch',
    count: 2,
    size: 2,
    pairs: [
      {
        A: [
          [1, 2],
          [3, 4],
        ],
        B: [
          [5, 6],
          [7, 8],
        ],
      },
      {
        A: [
          [1, 0],
          [0, 1],
        ],
        B: [
          [2, 0],
          [0, 2],
        ],
      },
    ],
  });

  it('accepts the good instance (numberType defaults to integer)', () => {
    const inst = parseMatmulBatch(good());
    expect(inst.numberType).toBe('integer');
    expect(Array.from(inst.pairs[0]!.A)).toEqual([1, 2, 3, 4]);
  });

  const cases: [string, (j: ReturnType<typeof good>) => unknown, RegExp][] = [
    ['non-square matrix', (j) => ((j.pairs[1]!.B[1] = [0, 2, 9]), j), /pairs\[1\]\.B\[1\]: matrix is not square: row 1 has 3 entries, expected size = 2/],
    ['wrong number of rows', (j) => ((j.pairs[0]!.A = [[1, 2]]), j), /pairs\[0\]\.A: expected size = 2 rows/],
    ['mismatched size field', (j) => ({ ...j, size: 3 }), /pairs\[0\]\.A: expected size = 3 rows/],
    ['count ≠ number of pairs', (j) => ({ ...j, count: 3 }), /field pairs: expected count = 3 pairs, found 2/],
    ['layers × heads ≠ count', (j) => ({ ...j, layers: 2, heads: 3 }), /field layers: layers × heads must equal count.*gives 6, but count = 2/],
    ['heads not dividing count', (j) => ({ ...j, count: 2, heads: 3 }), /field heads: heads = 3 does not divide count = 2/],
    ['non-integer in an integer instance', (j) => ((j.pairs[0]!.A[0] = [1.5, 2]), j), /pairs\[0\]\.A\[0\]\[0\]: expected an integer/],
    [
      'string in an integer instance',
      (j) => ((j.pairs[0]!.A[0] = ['1/2', 2] as unknown as number[]), j),
      /pairs\[0\]\.A\[0\]\[0\]: expected a number \(numberType "integer"\)/,
    ],
    [
      'bad rational',
      (j) => ({
        ...j,
        numberType: 'rational',
        pairs: [
          {
            A: [
              ['1/0', 2],
              [3, 4],
            ],
            B: [
              [1, 2],
              [3, 4],
            ],
          },
          j.pairs[1],
        ],
      }),
      /pairs\[0\]\.A\[0\]\[0\]: "1\/0" has denominator 0/,
    ],
    ['size 0', (j) => ({ ...j, size: 0 }), /field size: expected the matrix size N: a positive integer/],
    ['missing pairs', (j) => ({ ...j, pairs: undefined }), /field pairs:/],
  ];

  it.each(cases)('%s', (_name, mutate, message) => {
    expect(() => parseMatmulBatch(mutate(good()), 'bad.json')).toThrow(UserError);
    expect(() => parseMatmulBatch(mutate(good()), 'bad.json')).toThrow(message);
  });

  it('the instance loader (seth check FILE) reports the same field paths', () => {
    const j = good();
    j.pairs[1]!.B[1] = [0, 2, 9];
    expect(() => parseInstance(Buffer.from(JSON.stringify(j)), 'm.json')).toThrow(/m\.json: field pairs\[1\]\.B\[1\]: matrix is not square/);
  });

  it('checkMatmulBatch refuses layers × heads ≠ count, naming the option', async () => {
    const inst = gen(6, 2, 0);
    await expect(checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 2, heads: 2 })).rejects.toThrow(
      /--layers: layers × heads must equal count .*layers = 2, heads = 2 gives 4, but count = 6/,
    );
    await expect(checkMatmulBatch(inst, { reductions: REDUCTIONS, heads: 4 })).rejects.toThrow(/--heads: heads = 4 does not divide count = 6/);
    await expect(checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 0 })).rejects.toThrow(/matmul-batch-to-transformer: option --layers: /);
    await expect(checkMatmulBatch(inst, { reductions: REDUCTIONS, layers: 3 })).resolves.toMatchObject({ layers: 3, heads: 2, agree: true });
  });

  it('validateMatmulBatch refuses malformed in-memory instances', () => {
    const inst = gen(2, 3, 0);
    expect(() => validateMatmulBatch({ ...inst, pairs: [inst.pairs[0]!, { A: new Float64Array(9), B: new Float64Array(8) }] })).toThrow(
      /field pairs\[1\]\.B: expected a 3×3 matrix \(9 entries, size = 3\), found 8 entries/,
    );
    expect(() => validateMatmulBatch({ ...inst, count: 3 })).toThrow(/field pairs: expected count = 3 pairs, found 2/);
    expect(() => matmulBatchReduction.forward({ ...inst, size: 4 }, {})).toThrow(/pairs\[0\]\.A/);
  });

  it('resolveLayout: options, then the instance suggestion, then 1 × count', () => {
    expect(resolveLayout(6, {})).toEqual({ layers: 1, heads: 6 });
    expect(resolveLayout(6, { layers: 2 })).toEqual({ layers: 2, heads: 3 });
    expect(resolveLayout(6, { heads: 2 })).toEqual({ layers: 3, heads: 2 });
    expect(resolveLayout(6, {}, { layers: 6 })).toEqual({ layers: 6, heads: 1 });
    expect(resolveLayout(6, { heads: 6 }, { layers: 6 })).toEqual({ layers: 1, heads: 6 });
  });
});

describe('generator `matmul`', () => {
  it('is registered, deterministic by seed, entries uniform integers in [−R, R]', () => {
    expect(findGenerator('matmul')).toBe(matmulGenerator);
    expect(GENERATORS).toContain(matmulGenerator);
    const a = gen(3, 4, 7, 2);
    const b = gen(3, 4, 7, 2);
    const c = gen(3, 4, 8, 2);
    expect(JSON.stringify(matmulBatchToJson(a))).toBe(JSON.stringify(matmulBatchToJson(b)));
    expect(JSON.stringify(matmulBatchToJson({ ...a, provenance: undefined }))).not.toBe(JSON.stringify(matmulBatchToJson({ ...c, provenance: undefined })));
    const seen = new Set<number>();
    for (const p of a.pairs)
      for (const M of [p.A, p.B])
        for (const x of M) {
          expect(Number.isInteger(x) && Math.abs(x) <= 2).toBe(true);
          seen.add(x);
        }
    expect(seen.size).toBe(5);
    expect(a.provenance).toMatchObject({ generator: 'matmul', seed: 7, command: COMMAND, params: { count: 3, size: 4, range: 2 } });
  });

  it('parses CLI options and refuses layouts that do not multiply to count', () => {
    expect(matmulGenerator.schema.parse({ count: '6', size: '3', layers: '2' })).toEqual({ count: 6, size: 3, range: 10, layers: 2 });
    expect(() => matmulGenerator.schema.parse({ count: 6, size: 3, layers: 4 })).toThrow(/does not divide count = 6/);
    expect(() => matmulGenerator.schema.parse({ count: 6, size: 3, layers: 2, heads: 2 })).toThrow(/layers × heads must equal count/);
    expect(() => matmulGenerator.schema.parse({ count: 0, size: 3 })).toThrow(/--count must be an integer ≥ 1/);
    expect(() => matmulGenerator.schema.parse({ count: 2, size: 3, range: -1 })).toThrow(/--range/);
  });

  it('output round-trips through the JSON schema and the problem catalogue', () => {
    for (const ex of matmulGenerator.examples) {
      const inst = matmulGenerator.generate(ex, makeRng(1), COMMAND, defaultBudget());
      if (inst.problem !== 'matmul-batch') throw new Error('expected matmul-batch');
      const json = JSON.parse(JSON.stringify(problemSpec('matmul-batch').toJson(inst.data))) as unknown;
      const parsed = MatmulBatchJsonSchema.parse(json);
      const back = matmulBatchFromJson(parsed);
      expect(back.pairs.map((p) => [Array.from(p.A), Array.from(p.B)])).toEqual(inst.data.pairs.map((p) => [Array.from(p.A), Array.from(p.B)]));
      expect([back.count, back.size, back.layers, back.heads]).toEqual([inst.data.count, inst.data.size, inst.data.layers, inst.data.heads]);
      expect(problemSpec('matmul-batch').sizes(back)).toEqual({
        count: back.count,
        size: back.size,
        maxAbs: matmulMaxAbs(back),
        layers: back.layers ?? 0,
        heads: back.heads ?? 0,
      });
    }
  });

  it('rational instances round-trip exactly', () => {
    const inst = parseMatmulBatch({
      problem: 'matmul-batch',
      count: 1,
      size: 1,
      numberType: 'rational',
      pairs: [{ A: [['-22/7']], B: [['99999999999999999999']] }],
    });
    const again = parseMatmulBatch(JSON.parse(JSON.stringify(matmulBatchToJson(inst))));
    expect(again.exact).toEqual(inst.exact);
    expect(rationalToNumber(again.exact![0]!.A[0]!)).toBeCloseTo(-22 / 7, 14);
  });
});

describe('reduction matmul-batch-to-transformer', () => {
  it('is registered', () => {
    expect(REDUCTIONS).toContain(matmulBatchToTransformer);
  });

  it('declared sizes equal measured sizes (tokens, width, layers, heads, maxAbsEntry)', () => {
    for (const [N, L, H] of GRID) {
      const inst = gen(L * H, N, N * 31 + L);
      const opts = matmulBatchReduction.optionsSchema.parse({ layers: L, heads: H });
      const declared = evalOverhead(matmulBatchReduction.overhead, matmulBatchReduction.params(problemSpec('matmul-batch').sizes(inst), opts));
      const { target } = matmulBatchReduction.forward(inst, opts);
      expect(problemSpec('transformer').sizes(target)).toEqual(declared);
    }
  });

  it('builds the construction of docs/model.md §4', () => {
    const inst = gen(2, 2, 3);
    const { target } = matmulBatchReduction.forward(inst, {});
    expect(target).toMatchObject({ kind: 'transformer', tokens: 3, width: 2, layers: 1, heads: 2, scale: 1, residual: true });
    expect(Array.from(target.X)).toEqual([1, 0, 0, 1, 0, 0]);
    const [A, B] = [inst.pairs[1]!.A, inst.pairs[1]!.B];
    const w = target.weights[0]![1]!;
    expect(Array.from(w.Q)).toEqual([0, 0, 0, 0]);
    expect(Array.from(w.K)).toEqual(Array.from(B));
    expect(Array.from(w.V)).toEqual([A[0], A[2], A[1], A[3]]);
    expect(target.mlp).toEqual([null]);
    expect(String(target.annotations.recovery)).toMatch(/A_t·B_t = \(n\/s\)·∂f\/∂W_Q\^t \+ \(1\/n\)·\(A_t·1\)\(1ᵀ·B_t\)/);
  });

  it('the generic differentiator and the construction agree on the float64 gradient too', () => {
    const inst = gen(3, 3, 4);
    const { target } = matmulBatchReduction.forward(inst, { layers: 3 });
    const g = transformerGradient(RATIONAL, paramsFromModel(target, RATIONAL), readoutMatrix(RATIONAL, 3));
    const pairs = exactPairs(inst);
    g.dW.forEach((layer, l) => expect(layer[0]!.Q).toEqual(predictedGradQ(pairs[l]!, 3)));
  });
});

describe('report', () => {
  it('formatMatmulReport shows agreement, the op ratio and the accounting', async () => {
    const r = await checkMatmulBatch(gen(6, 4, 1), { reductions: REDUCTIONS, layers: 2, heads: 3 });
    const text = formatMatmulReport(r);
    expect(text).toMatch(/agree\s+yes: 6\/6 products equal direct multiplication exactly/);
    expect(text).toMatch(/backward\/forward\s+1\.\d{3} \(Baur–Strassen/);
    expect(text).toMatch(/5 tokens, width 4, 2 layer\(s\) × 3 head\(s\)/);
    expect(text).toMatch(/6 = L·H = 2·3 products of 4×4 matrices recovered from one gradient of one 5-token, width-4/);
    expect(r.directOps).toBe(6 * 16 * 7);
    expect(r.recoveryOps).toBeGreaterThan(0);
  });
});
