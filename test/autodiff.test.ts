import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  F64,
  RATIONAL,
  formatRational,
  gcd,
  parseRational,
  rational,
  rationalFromNumber,
  rationalToNumber,
  type Rational,
  type Scalar,
} from '../src/autodiff/scalar.js';
import { Tape } from '../src/autodiff/tape.js';
import { paramsFromModel, transformerGradient, type TransformerGradient } from '../src/autodiff/transformer-grad.js';
import { countingScalar } from './helpers/counting-scalar.js';
import { modelGradientF64, modelGradientRational } from './helpers/model-gradient.js';
import { evaluateReference } from '../src/engine/reference.js';
import { UserError } from '../src/errors.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { randomMatrix, randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng, type Rng } from '../src/rng.js';

// ---------------------------------------------------------------------------------------------
// random transformers (not the gadget: dense random weights, any scale)

interface Shape {
  tokens: number;
  width: number;
  layers: number;
  heads: number;
  scale: number;
  residual?: boolean;
  kind?: 'transformer' | 'attention';
  /** ReLU MLP hidden width (none when absent). */
  hidden?: number;
  /** Spread of the weights (larger = larger logits). */
  spread?: number;
  zeroQ?: boolean;
}

function randomModel(rng: Rng, s: Shape): TransformerModel {
  return randomTransformer(rng, {
    ...s,
    kind: s.kind ?? 'transformer',
    qkSpread: s.spread ?? 0.6,
    valueSpread: 0.6,
    mlpSpread: 0.8,
  });
}

function readout(model: TransformerModel, C: Float64Array): number {
  const out = evaluateReference(model).output;
  let f = 0;
  for (let i = 0; i < out.length; i++) f += C[i]! * out[i]!;
  return f;
}

/** Every parameter array of a model, by name, with the matching gradient array. */
function parameterPairs(model: TransformerModel, g: TransformerGradient<number>): [string, Float64Array, number[]][] {
  const out: [string, Float64Array, number[]][] = [['X', model.X, g.dX]];
  model.weights.forEach((layer, l) =>
    layer.forEach((h, t) => {
      const d = g.dW[l]![t]!;
      out.push([`L${l}H${t}.Q`, h.Q, d.Q], [`L${l}H${t}.K`, h.K, d.K], [`L${l}H${t}.V`, h.V, d.V]);
    }),
  );
  model.mlp.forEach((p, l) => {
    const d = g.dMlp[l];
    if (p && d) out.push([`L${l}.W1`, p.W1, d.W1], [`L${l}.b1`, p.b1, d.b1], [`L${l}.W2`, p.W2, d.W2], [`L${l}.b2`, p.b2, d.b2]);
  });
  return out;
}

/**
 * Central finite differences (fourth-order stencil, h = 1e-4) of f = ⟨C, X_L⟩, with X_L from the
 * independent reference engine, against the tape's gradient: |g − fd| ≤ 1e-6·max(|g|, |fd|) +
 * 1e-7·(largest |gradient entry|).
 */
function checkAgainstFiniteDifferences(model: TransformerModel, C: Float64Array): { checked: number; worst: number } {
  const g = modelGradientF64(model, C);
  const pairs = parameterPairs(model, g);
  const gscale = Math.max(1e-12, ...pairs.flatMap(([, , d]) => d.map(Math.abs)));
  const h = 1e-4;
  let checked = 0;
  let worst = 0;
  for (const [name, arr, grad] of pairs) {
    for (let i = 0; i < arr.length; i++) {
      const x0 = arr[i]!;
      const at = (d: number): number => {
        arr[i] = x0 + d;
        const v = readout(model, C);
        arr[i] = x0;
        return v;
      };
      const fd = (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      const err = Math.abs(grad[i]! - fd);
      const tol = 1e-6 * Math.max(Math.abs(grad[i]!), Math.abs(fd)) + 1e-7 * gscale;
      worst = Math.max(worst, err / tol);
      if (!(err <= tol)) throw new Error(`${name}[${i}]: tape ${grad[i]}, finite differences ${fd} (error ${err}, tolerance ${tol})`);
      checked++;
    }
  }
  return { checked, worst };
}

const SHAPES: [string, Shape][] = [
  ['1 layer, 1 head, scale 1', { tokens: 3, width: 2, layers: 1, heads: 1, scale: 1 }],
  ['2 layers, 3 heads, scale 0.7', { tokens: 4, width: 3, layers: 2, heads: 3, scale: 0.7 }],
  ['3 layers, 2 heads, scale 1.3, no residual', { tokens: 3, width: 3, layers: 3, heads: 2, scale: 1.3, residual: false }],
  ['attention (1 layer, no residual), 2 heads', { tokens: 5, width: 2, layers: 1, heads: 2, scale: 0.5, residual: false, kind: 'attention' }],
  ['ReLU MLP, 2 layers, 2 heads', { tokens: 4, width: 3, layers: 2, heads: 2, scale: 1, hidden: 5 }],
  ['large logits (scale 4, weights up to ±2.5; saturated softmax rows), 2 layers', { tokens: 4, width: 3, layers: 2, heads: 2, scale: 4, spread: 2.5 }],
  ['one token', { tokens: 1, width: 2, layers: 2, heads: 2, scale: 1 }],
  ['width 1', { tokens: 3, width: 1, layers: 2, heads: 1, scale: 2 }],
];

describe('exact rationals', () => {
  it('normalise: den > 0, gcd(num, den) = 1, zero is 0/1', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), (p, q) => {
        fc.pre(q !== 0n);
        const r = rational(p, q);
        expect(r.den > 0n).toBe(true);
        expect(gcd(r.num, r.den)).toBe(r.num === 0n ? r.den : 1n);
        if (p === 0n) expect(r).toEqual({ num: 0n, den: 1n });
        expect(r.num * q).toBe(p * r.den);
      }),
    );
  });

  it('field laws on random fractions', () => {
    const frac = fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([p, q]) => rational(p, q));
    fc.assert(
      fc.property(frac, frac, frac, (a, b, c) => {
        const F = RATIONAL;
        expect(F.add(a, b)).toEqual(F.add(b, a));
        expect(F.mul(a, F.add(b, c))).toEqual(F.add(F.mul(a, b), F.mul(a, c)));
        expect(F.sub(F.add(a, b), b)).toEqual(a);
        if (!F.isZero(b)) expect(F.mul(F.div(a, b), b)).toEqual(a);
        expect(F.gt(a, b)).toBe(rationalToNumber(a) > rationalToNumber(b));
      }),
    );
  });

  it('every double converts exactly and back', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(rationalToNumber(rationalFromNumber(x))).toBe(x === 0 ? 0 : x);
      }),
    );
    expect(rationalFromNumber(0.75)).toEqual({ num: 3n, den: 4n });
    expect(rationalFromNumber(0.1)).toEqual({ num: 3602879701896397n, den: 36028797018963968n });
  });

  it('parses and formats "p", "p/q" and decimals; refuses the rest', () => {
    expect(parseRational('6/4')).toEqual({ num: 3n, den: 2n });
    expect(parseRational('-7')).toEqual({ num: -7n, den: 1n });
    expect(parseRational('-1.25')).toEqual({ num: -5n, den: 4n });
    expect(parseRational('123456789012345678901234567890/2')).toEqual({ num: 61728394506172839450617283945n, den: 1n });
    expect(parseRational('1/0')).toMatch(/denominator 0/);
    expect(parseRational('abc')).toMatch(/not a rational/);
    expect(formatRational(rational(-6, 4))).toBe('-3/2');
    expect(formatRational(rational(8, 4))).toBe('2');
  });

  it('division by zero is an error; exp is exact at 0 and refused elsewhere', () => {
    expect(() => RATIONAL.div(RATIONAL.one, RATIONAL.zero)).toThrow(RangeError);
    expect(RATIONAL.exp(RATIONAL.zero)).toEqual(RATIONAL.one);
    expect(() => RATIONAL.exp(rational(1, 2))).toThrow(UserError);
    expect(() => RATIONAL.exp(rational(1, 2))).toThrow(/irrational/);
  });
});

describe('tape operation counts are honest', () => {
  it('forward and backward counts equal the scalar calls made, for every op kind', () => {
    /** A small program using every op; in rational mode the exp is taken at 0 (scaled by 0). */
    const program = <T>(F: Scalar<T>, from: (x: number) => T): void => {
      const counting = countingScalar(F);
      const tape = new Tape(counting.scalar);
      const rng = makeRng(7);
      const vals = (k: number): T[] => Array.from({ length: k }, () => from(Math.round((2 * rng.next() - 1) * 8) / 4));
      const A = tape.leaf(3, 4, vals(12));
      const B = tape.leaf(4, 2, vals(8));
      const bias = tape.leaf(1, 2, vals(2));
      const C = tape.constant(3, 2, vals(6));
      const AB = tape.matmul(A, B);
      const r = tape.relu(tape.addRow(AB, bias));
      const m = tape.mul(r, AB);
      const S = tape.matmul(tape.scale(m, from(0.5)), tape.transpose(AB));
      const shifted = tape.rowMaxShift(S);
      const E = tape.exp(F.name === 'rational' ? tape.scale(shifted, from(0)) : shifted);
      const P = tape.divRows(E, tape.rowSum(E));
      const f = tape.dot(C, tape.add(tape.matmul(P, AB), AB));
      expect(counting.total()).toBe(tape.stats.forwardOps);
      counting.reset();
      tape.backward(f);
      expect(counting.total()).toBe(tape.stats.backwardOps);
      expect(tape.stats.byKind.accumulate!.backwardOps).toBeGreaterThan(0);
    };
    program(F64, (x) => x);
    program(RATIONAL, rationalFromNumber);
  });

  it('the transformer pass: total scalar calls = forwardOps + backwardOps', () => {
    const rng = makeRng(3);
    const model = randomModel(rng, { tokens: 4, width: 3, layers: 2, heads: 2, scale: 0.8, hidden: 3 });
    const counting = countingScalar(F64);
    const C = Array.from(randomMatrix(rng, 12, 1));
    const g = transformerGradient(counting.scalar, paramsFromModel(model, F64), C);
    expect(counting.total()).toBe(g.forwardOps + g.backwardOps);
  });

  it('matmul costs n·p·(2k−1) forward, n·k·(2p−1) + k·p·(2n−1) backward', () => {
    const tape = new Tape(F64);
    const A = tape.leaf(3, 5, new Array<number>(15).fill(1));
    const B = tape.leaf(5, 2, new Array<number>(10).fill(1));
    const f = tape.dot(tape.constant(3, 2, new Array<number>(6).fill(1)), tape.matmul(A, B));
    expect(tape.stats.byKind.matmul!.forwardOps).toBe(3 * 2 * 9);
    tape.backward(f);
    expect(tape.stats.byKind.matmul!.backwardOps).toBe(3 * 5 * 3 + 5 * 2 * 5);
    expect(tape.grad(A)).toEqual(new Array<number>(15).fill(2));
    expect(tape.grad(B)).toEqual(new Array<number>(10).fill(3));
  });
});

describe('transformer gradient (reverse mode) on random non-gadget transformers', () => {
  it('the tape forward pass reproduces the reference engine', () => {
    const rng = makeRng(11);
    for (const [, shape] of SHAPES) {
      const model = randomModel(rng, shape);
      const C = randomMatrix(rng, shape.tokens * shape.width, 1);
      const g = modelGradientF64(model, C);
      const ref = evaluateReference(model).output;
      ref.forEach((x, i) => expect(g.output[i]).toBeCloseTo(x, 12));
      expect(g.f).toBeCloseTo(readout(model, C), 10);
    }
  });

  it.each(SHAPES)('matches central finite differences (rtol 1e-6): %s', (_name, shape) => {
    for (const seed of [1, 2]) {
      const rng = makeRng(100 * seed + shape.layers * 10 + shape.heads);
      const model = randomModel(rng, shape);
      const C = randomMatrix(rng, shape.tokens * shape.width, 1);
      const { checked } = checkAgainstFiniteDifferences(model, C);
      expect(checked).toBeGreaterThan(0);
    }
  });

  it('random shapes (fast-check): finite differences agree', () => {
    fc.assert(
      fc.property(
        fc.record({
          tokens: fc.integer({ min: 1, max: 4 }),
          width: fc.integer({ min: 1, max: 3 }),
          layers: fc.integer({ min: 1, max: 3 }),
          heads: fc.integer({ min: 1, max: 3 }),
          scale: fc.constantFrom(0.5, 1, 1.7),
          residual: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1_000_000 }),
        }),
        (s) => {
          const rng = makeRng(s.seed);
          const model = randomModel(rng, s);
          checkAgainstFiniteDifferences(model, randomMatrix(rng, s.tokens * s.width, 1));
        },
      ),
      { numRuns: 25, seed: 20260 },
    );
  });

  it('large logits stay finite (stable softmax) and the gradient is finite', () => {
    const rng = makeRng(5);
    const model = randomModel(rng, { tokens: 5, width: 4, layers: 2, heads: 2, scale: 50, spread: 5 });
    const g = modelGradientF64(model, randomMatrix(rng, 20, 1));
    for (const a of [g.dX, ...g.dW.flat().flatMap((w) => [w.Q, w.K, w.V])]) for (const x of a) expect(Number.isFinite(x)).toBe(true);
  });

  it('backward/forward operation ratio is a small constant (≤ 5) on every shape', () => {
    const rng = makeRng(9);
    for (const [, shape] of SHAPES) {
      const g = modelGradientF64(randomModel(rng, shape), randomMatrix(rng, shape.tokens * shape.width, 1));
      const ratio = g.backwardOps / g.forwardOps;
      expect(ratio).toBeGreaterThan(1);
      expect(ratio).toBeLessThanOrEqual(5);
    }
  });
});

describe('rational and float64 modes agree', () => {
  const zeroLogitShapes: Shape[] = [
    { tokens: 3, width: 2, layers: 1, heads: 1, scale: 1, zeroQ: true },
    { tokens: 4, width: 3, layers: 3, heads: 2, scale: 0.75, zeroQ: true },
    { tokens: 4, width: 3, layers: 2, heads: 2, scale: 1, zeroQ: true, hidden: 4 },
    { tokens: 5, width: 2, layers: 2, heads: 3, scale: 1.5, zeroQ: true, residual: false },
  ];
  it.each(zeroLogitShapes.map((s, i) => [i, s] as const))('shape %i (every logit 0): same f and gradient', (_i, shape) => {
    const rng = makeRng(40 + _i);
    const model = randomModel(rng, shape);
    const C = randomMatrix(rng, shape.tokens * shape.width, 1);
    const gf = modelGradientF64(model, C);
    const gr = modelGradientRational(model, C);
    const close = (r: Rational, x: number): void => {
      const v = rationalToNumber(r);
      expect(Math.abs(v - x)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)));
    };
    close(gr.f, gf.f);
    gr.dX.forEach((r, i) => close(r, gf.dX[i]!));
    gr.dW.forEach((layer, l) =>
      layer.forEach((w, h) => {
        for (const k of ['Q', 'K', 'V'] as const) w[k].forEach((r, i) => close(r, gf.dW[l]![h]![k][i]!));
      }),
    );
    expect(gr.forwardOps).toBe(gf.forwardOps);
    expect(gr.backwardOps).toBe(gf.backwardOps);
  });

  it('rational mode refuses a transformer with a nonzero logit, saying why', () => {
    const model = randomModel(makeRng(1), { tokens: 3, width: 2, layers: 1, heads: 1, scale: 1 });
    expect(() => modelGradientRational(model, new Float64Array(6))).toThrow(/irrational.*float64/);
  });

  it('shape errors are reported', () => {
    const model = randomModel(makeRng(1), { tokens: 3, width: 2, layers: 1, heads: 1, scale: 1 });
    expect(() => modelGradientF64(model, new Float64Array(5))).toThrow(/C has 5 entries, expected tokens × width = 6/);
  });
});
