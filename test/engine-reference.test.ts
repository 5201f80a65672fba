import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateReference, headOnRows } from '../src/engine/reference.js';
import { makeHeadProbe } from '../src/engine/probe.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng, type Rng } from '../src/rng.js';

/**
 * The textbook evaluation: materialise S = s·QKᵀ, softmax each row (max-shifted), multiply by V.
 * Written independently of src/engine/reference.ts, which streams over keys instead.
 */
function textbook(model: TransformerModel): Float64Array {
  const { tokens: n, width: m } = model;
  const mul = (A: number[][], B: number[][]): number[][] => A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
  const mat = (a: Float64Array, r: number, c: number): number[][] => Array.from({ length: r }, (_, i) => Array.from(a.subarray(i * c, (i + 1) * c)));
  let X = mat(model.X, n, m);
  for (let l = 0; l < model.layers; l++) {
    const Y = X.map((row) => row.map((v) => (model.residual ? v : 0)));
    for (const w of model.weights[l]!) {
      const Q = mul(X, mat(w.Q, m, m));
      const K = mul(X, mat(w.K, m, m));
      const V = mul(X, mat(w.V, m, m));
      const S = Q.map((q) => K.map((k) => model.scale * q.reduce((s, v, c) => s + v * k[c]!, 0)));
      const P = S.map((row) => {
        const mx = Math.max(...row);
        const e = row.map((v) => Math.exp(v - mx));
        const z = e.reduce((a, b) => a + b, 0);
        return e.map((v) => v / z);
      });
      const O = mul(P, V);
      O.forEach((row, i) => row.forEach((v, j) => (Y[i]![j]! += v)));
    }
    const p = model.mlp[l];
    X = p
      ? mul(mul(Y, mat(p.W1, m, p.hidden)).map((r) => r.map((v, j) => Math.max(0, v + p.b1[j]!))), mat(p.W2, p.hidden, m)).map((r) => r.map((v, j) => v + p.b2[j]!))
      : Y;
  }
  return Float64Array.from(X.flat());
}

function randomModel(rng: Rng, o: { n: number; m: number; L: number; H: number; range: number; residual: boolean; mlp: boolean; scale: number }): TransformerModel {
  return randomTransformer(rng, {
    tokens: o.n, width: o.m, layers: o.L, heads: o.H, scale: o.scale, residual: o.residual,
    kind: 'transformer', hidden: o.mlp ? 3 : 0, qkSpread: o.range,
  });
}

describe('reference engine = textbook attention (materialised softmax)', () => {
  it('matches to 1e-12 on random small transformers', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 1e6 }),
          n: fc.integer({ min: 1, max: 9 }),
          m: fc.integer({ min: 1, max: 6 }),
          L: fc.integer({ min: 1, max: 3 }),
          H: fc.integer({ min: 1, max: 3 }),
          range: fc.constantFrom(0.1, 1, 3),
          residual: fc.boolean(),
          mlp: fc.boolean(),
          scale: fc.constantFrom(1, 0.5, 1 / Math.sqrt(8)),
        }),
        (o) => {
          const model = randomModel(makeRng(o.seed), o);
          const got = evaluateReference(model).output;
          const want = textbook(model);
          for (let i = 0; i < want.length; i++) {
            expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i]!)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is stable where a naive exp overflows (logits ~ 1e3) and where every logit is very negative', () => {
    const rng = makeRng(0);
    for (const range of [30, 60]) {
      const model = randomModel(rng, { n: 6, m: 4, L: 1, H: 2, range, residual: true, mlp: false, scale: 1 });
      const out = evaluateReference(model).output;
      expect(out.every(Number.isFinite)).toBe(true);
      const want = textbook(model);
      out.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want[i]!))));
    }
  });

  it('returns every head\'s output, summing (with the residual) to X_L for one layer', () => {
    const model = randomModel(makeRng(5), { n: 5, m: 3, L: 1, H: 3, range: 1, residual: true, mlp: false, scale: 1 });
    const r = evaluateReference(model, { perHead: true });
    expect(r.perHead).toHaveLength(1);
    expect(r.perHead![0]).toHaveLength(3);
    r.output.forEach((v, i) => {
      const s = model.X[i]! + r.perHead![0]!.reduce((a, h) => a + h[i]!, 0);
      expect(Math.abs(v - s)).toBeLessThan(1e-12);
    });
  });
});

describe('witness-recovery probe (reassociated single-query attention) = reference head on rows', () => {
  it('matches headOnRows to 1e-12 on random heads, queries and key subsets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), (seed, n, m) => {
        const rng = makeRng(seed);
        const model = randomModel(rng, { n, m, L: 2, H: 2, range: 2, residual: true, mlp: false, scale: 0.7 });
        const pick = (): number[] => Array.from({ length: n }, (_, i) => i).filter(() => rng.bool(0.6));
        const keys = pick();
        if (keys.length === 0) keys.push(0);
        const queries = pick();
        const rows = (idx: number[]): Float64Array => {
          const out = new Float64Array(idx.length * m);
          idx.forEach((t, r) => out.set(model.X.subarray(t * m, (t + 1) * m), r * m));
          return out;
        };
        const probe = makeHeadProbe();
        const got = probe.evaluate(model, 1, 1, queries, keys);
        const want = headOnRows(rows(queries), queries.length, rows(keys), keys.length, m, model.weights[1]![1]!, model.scale);
        expect(got.length).toBe(want.length);
        want.forEach((v, i) => expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v))));
        expect(probe.stats.calls).toBe(1);
        expect(probe.stats.scoredPairs).toBe(queries.length * keys.length);
      }),
      { numRuns: 200 },
    );
  });
});

