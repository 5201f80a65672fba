import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateReference } from '../src/engine/reference.js';
import { headOnRows } from './helpers/reference-head.js';
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
      // Causal: the masked logits are −∞ (weight 0), not skipped, so the mask is tested as a mask.
      const S = Q.map((q, i) => K.map((k, j) => (model.causal && j > i ? -Infinity : model.scale * q.reduce((s, v, c) => s + v * k[c]!, 0))));
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
      ? mul(
          mul(Y, mat(p.W1, m, p.hidden)).map((r) => r.map((v, j) => Math.max(0, v + p.b1[j]!))),
          mat(p.W2, p.hidden, m),
        ).map((r) => r.map((v, j) => v + p.b2[j]!))
      : Y;
  }
  return Float64Array.from(X.flat());
}

interface ModelOpts {
  n: number;
  m: number;
  L: number;
  H: number;
  range: number;
  residual: boolean;
  mlp: boolean;
  scale: number;
  causal?: boolean;
  kvGroups?: number;
}

function randomModel(rng: Rng, o: ModelOpts): TransformerModel {
  return randomTransformer(rng, {
    tokens: o.n,
    width: o.m,
    layers: o.L,
    heads: o.H,
    scale: o.scale,
    residual: o.residual,
    kind: 'transformer',
    hidden: o.mlp ? 3 : 0,
    qkSpread: o.range,
    ...(o.causal ? { causal: true } : {}),
    ...(o.kvGroups !== undefined ? { kvGroups: o.kvGroups } : {}),
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
          causal: fc.boolean(),
          groups: fc.integer({ min: 0, max: 3 }),
        }),
        (o) => {
          // groups 0 = no kvGroups; else the largest divisor of H not above it (1 = multi-query).
          const kvGroups = o.groups === 0 ? undefined : Math.max(...[1, 2, 3].filter((g) => g <= o.groups && o.H % g === 0));
          const model = randomModel(makeRng(o.seed), { ...o, ...(kvGroups !== undefined ? { kvGroups } : {}) });
          const got = evaluateReference(model).output;
          const want = textbook(model);
          // Relative to the output's scale, not each entry's: an entry that cancels to near zero
          // carries the rounding of the large terms it came from (seen: 1.16e-12 at three layers).
          let scale = 1;
          for (const v of want) scale = Math.max(scale, Math.abs(v));
          for (let i = 0; i < want.length; i++) {
            expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-12 * scale);
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

  it("returns every head's output, summing (with the residual) to X_L for one layer", () => {
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

describe('causal and grouped-query models in the reference engine', () => {
  it('causal: row i of X_L depends only on tokens 0..i (changing a later token changes nothing before it)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 8 }), (seed, n) => {
        const rng = makeRng(seed);
        const model = randomModel(rng, { n, m: 3, L: 2, H: 2, range: 1, residual: true, mlp: rng.bool(0.5), scale: 1, causal: true });
        const t = rng.int(n);
        const X2 = Float64Array.from(model.X);
        for (let c = 0; c < 3; c++) X2[t * 3 + c]! += 1 + rng.next();
        const a = evaluateReference(model).output;
        const b = evaluateReference({ ...model, X: X2 }).output;
        for (let i = 0; i < t * 3; i++) expect(b[i]).toBe(a[i]);
        // …and the unmasked model is a different function (the mask does something).
        if (model.mlp[1] === null) {
          const full = evaluateReference({ ...model, causal: false }).output;
          expect(Array.from(full.subarray(0, (n - 1) * 3)).some((v, i) => v !== a[i])).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('causal: the first token attends to itself alone', () => {
    const model = randomModel(makeRng(9), { n: 4, m: 2, L: 1, H: 1, range: 1, residual: false, mlp: false, scale: 1, causal: true });
    const w = model.weights[0]![0]!;
    const x0 = model.X.subarray(0, 2);
    const v0 = [0, 1].map((c) => x0[0]! * w.V[c]! + x0[1]! * w.V[2 + c]!);
    const out = evaluateReference(model).output;
    v0.forEach((v, c) => expect(out[c]).toBeCloseTo(v, 14));
  });

  it('kvGroups: the same X_L as the same weights without the declaration (sharing is a saving, not a change)', () => {
    for (const G of [1, 2, 4]) {
      const model = randomModel(makeRng(G), { n: 6, m: 3, L: 2, H: 4, range: 1, residual: true, mlp: false, scale: 0.8, kvGroups: G });
      const plain = { ...model, kvGroups: undefined };
      expect(Array.from(evaluateReference(model).output)).toEqual(Array.from(evaluateReference(plain).output));
    }
  });

  it('kvGroups: a model whose grouped heads differ in W_K is refused, naming layer and head', () => {
    const model = randomModel(makeRng(2), { n: 3, m: 2, L: 1, H: 2, range: 1, residual: true, mlp: false, scale: 1 });
    expect(() => evaluateReference({ ...model, kvGroups: 1 })).toThrow(/kvGroups = 1: layer 0 head 1 has a W_K different from head 0/);
    expect(() => evaluateReference({ ...model, kvGroups: 3 })).toThrow(/must be a positive divisor of heads = 2/);
  });

  it('the probe honours the causal mask (keys after the query are dropped)', () => {
    const model = randomModel(makeRng(4), { n: 6, m: 3, L: 1, H: 1, range: 1, residual: true, mlp: false, scale: 1, causal: true });
    const probe = makeHeadProbe();
    const all = [0, 1, 2, 3, 4, 5];
    const got = probe.evaluate(model, 0, 0, [2], all);
    const want = probe.evaluate({ ...model, causal: false }, 0, 0, [2], [0, 1, 2]);
    expect(Array.from(got)).toEqual(Array.from(want));
    const perHead = evaluateReference({ ...model, residual: false }, { perHead: true }).perHead![0]![0]!;
    Array.from(got).forEach((v, c) => expect(v).toBeCloseTo(perHead[2 * 3 + c]!, 12));
  });
});
