import { describe, expect, it } from 'vitest';
import { evaluateReference } from '../src/engine/reference.js';
import type { Engine } from '../src/engine/types.js';
import { createTopkEngine } from '../src/engine/topk.js';
import { createWindowEngine } from '../src/engine/window.js';
import { chebyshevExpCoefficients, createPolyEngine, monomialTable } from '../src/engine/poly.js';
import { createPerformerEngine } from '../src/engine/performer.js';
import { createNystromEngine } from '../src/engine/nystrom.js';
import { createLinformerEngine } from '../src/engine/linformer.js';
import { createLshEngine } from '../src/engine/lsh.js';
import { createLowprecEngine } from '../src/engine/lowprec.js';
import { exactAttentionCost } from '../src/engine/cost.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng } from '../src/rng.js';

/**
 * Every approximate engine, on benign inputs (small entries, random), approaches the reference
 * engine as its parameter approaches its exact limit, and is exact (to roundoff) at the limit.
 */
const benign = (seed: number, o: { n?: number; m?: number; L?: number; H?: number; qk?: number; mlp?: boolean } = {}): TransformerModel =>
  randomTransformer(makeRng(seed), {
    tokens: o.n ?? 12,
    width: o.m ?? 4,
    layers: o.L ?? 2,
    heads: o.H ?? 2,
    qkSpread: o.qk ?? 0.4,
    hidden: o.mlp ? 3 : 0,
    scale: 0.7,
  });

async function maxError(engine: Engine, model: TransformerModel): Promise<number> {
  const want = evaluateReference(model).output;
  const got = (await engine.evaluate(model)).output;
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e;
}

/** Mean of maxError over several seeds (for the randomised engines). */
async function meanError(make: (seed: number) => Engine, models: TransformerModel[]): Promise<number> {
  let s = 0;
  for (const [i, model] of models.entries()) s += await maxError(make(i), model);
  return s / models.length;
}

const models = [0, 1, 2, 3].map((s) => benign(s, { mlp: s % 2 === 1 }));

describe('exact in the exact limit', () => {
  it.each([
    ['topk k = n', () => createTopkEngine({ k: 12 }, { seed: 0 })],
    ['window w = n − 1', () => createWindowEngine({ w: 11 }, { seed: 0 })],
    ['linformer k = n', () => createLinformerEngine({ k: 12 }, { seed: 0 })],
    ['lsh one block', () => createLshEngine({ hashes: 3, block: 12, samples: 8 }, { seed: 0 })],
    ['lsh one bucket', () => createLshEngine({ hashes: 0, block: 100, samples: 0 }, { seed: 0 })],
    ['lowprec f64', () => createLowprecEngine({ format: 'f64' })],
  ])('%s', async (_name, make) => {
    for (const model of models) expect(await maxError(make(), model)).toBeLessThan(1e-12);
  });

  // 20 iterations, not more: on an ill-conditioned M the iteration, once converged, amplifies
  // roundoff through the large entries of M⁺ (measured: 6e-8 at 20 iterations, 8e-4 at 60).
  it('nystrom with k = n landmarks and the exact pseudo-inverse', async () => {
    for (const model of models) expect(await maxError(createNystromEngine({ landmarks: 12, pinv: 'exact' }, { seed: 0 }), model)).toBeLessThan(1e-10);
  });

  it('poly in dense mode at degree 200, even on wide score ranges', async () => {
    for (const model of [...models, benign(9, { qk: 1.5 })])
      expect(await maxError(createPolyEngine({ degree: 200, mode: 'dense' }, { seed: 0 }), model)).toBeLessThan(1e-10);
  });

  it('nystrom with k = n landmarks and 20 iterations', async () => {
    for (const model of models) expect(await maxError(createNystromEngine({ landmarks: 12, iterations: 20 }, { seed: 0 }), model)).toBeLessThan(1e-6);
  });
});

describe('error falls to 0 as the parameter grows', () => {
  const decreasing = (errs: number[]): void => {
    for (let i = 1; i < errs.length; i++) expect(errs[i]!).toBeLessThanOrEqual(errs[i - 1]! * 1.0001 + 1e-15);
  };
  it('topk: k = 1, 3, 6, 12', async () => {
    const errs = [];
    for (const k of [1, 3, 6, 12]) errs.push(await meanError(() => createTopkEngine({ k }, { seed: 0 }), models));
    expect(errs[0]).toBeGreaterThan(1e-3);
    expect(errs[3]).toBeLessThan(1e-12);
  });

  it('poly: degree 1, 2, 4, 8, 16 (Chebyshev interpolant of exp)', async () => {
    const errs = [];
    for (const degree of [1, 2, 4, 8, 16]) errs.push(await meanError(() => createPolyEngine({ degree, maxRank: 1e6 }, { seed: 0 }), models));
    decreasing(errs);
    expect(errs[0]).toBeGreaterThan(1e-4);
    expect(errs[4]).toBeLessThan(1e-9);
  });

  it('poly: the degree chosen from a target error meets it', async () => {
    const model = benign(7, { L: 1, H: 1 });
    for (const error of [1e-2, 1e-4, 1e-8]) expect(await maxError(createPolyEngine({ error, maxRank: 1e6 }, { seed: 0 }), model)).toBeLessThan(2 * error * 3);
  });

  it('performer: features 8 → 2048 (error ∝ 1/√r)', async () => {
    const small = await meanError((s) => createPerformerEngine({ features: 8 }, { seed: s }), models);
    const large = await meanError((s) => createPerformerEngine({ features: 2048 }, { seed: s }), models);
    expect(large).toBeLessThan(small / 4);
    expect(large).toBeLessThan(0.05);
  });

  it('nystrom: landmarks 2, 6, 12', async () => {
    const errs = [];
    for (const landmarks of [2, 6, 12]) errs.push(await meanError(() => createNystromEngine({ landmarks, iterations: 20 }, { seed: 0 }), models));
    expect(errs[2]!).toBeLessThan(errs[0]! / 100);
  });

  it('linformer: k < n is an approximation, k = n is exact', async () => {
    const approx = await meanError((s) => createLinformerEngine({ k: 4 }, { seed: s }), models);
    expect(approx).toBeGreaterThan(1e-6);
  });

  it('lsh: sampled residual improves with the number of samples', async () => {
    const few = await meanError((s) => createLshEngine({ hashes: 2, block: 2, samples: 4 }, { seed: s }), models);
    const many = await meanError((s) => createLshEngine({ hashes: 2, block: 2, samples: 4000 }, { seed: s }), models);
    expect(many).toBeLessThan(few / 4);
  });

  it('lowprec: error shrinks from e5m2 and e4m3 to bf16 to fp16 to f64', async () => {
    const err = async (format: 'fp16' | 'bf16' | 'e4m3' | 'e5m2' | 'f64') => meanError(() => createLowprecEngine({ format }), models);
    const e5m2 = await err('e5m2');
    const e4m3 = await err('e4m3');
    const bf16 = await err('bf16');
    const fp16 = await err('fp16');
    expect(fp16).toBeLessThan(bf16);
    expect(bf16).toBeLessThan(Math.min(e4m3, e5m2));
    expect(fp16).toBeGreaterThan(1e-5);
    expect(fp16).toBeLessThan(0.05);
    expect(await err('f64')).toBeLessThan(1e-12);
  });

  it('lowprec: float32 accumulation is closer than fp16 accumulation', async () => {
    const same = await meanError(() => createLowprecEngine({ format: 'fp16' }), models);
    const f32 = await meanError(() => createLowprecEngine({ format: 'fp16', accumulate: 'f32' }), models);
    expect(f32).toBeLessThan(same);
  });
});

describe('determinism and cost', () => {
  it('the same seed gives the same output; another seed another', async () => {
    const model = models[0]!;
    const a = (await createPerformerEngine({ features: 16 }, { seed: 5 }).evaluate(model)).output;
    const b = (await createPerformerEngine({ features: 16 }, { seed: 5 }).evaluate(model)).output;
    const c = (await createPerformerEngine({ features: 16 }, { seed: 6 }).evaluate(model)).output;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('subquadratic engines count fewer flops than exact at large n, topk counts at least the scores', async () => {
    const model = benign(3, { n: 256, m: 4, L: 1, H: 1 });
    const exact = exactAttentionCost(model).flops;
    const cost = async (e: Engine): Promise<number> => {
      const r = await e.evaluate(model);
      return 'cost' in r && r.cost && typeof r.cost === 'object' && 'flops' in r.cost && typeof r.cost.flops === 'number' ? r.cost.flops : NaN;
    };
    expect(await cost(createWindowEngine({ w: 4 }, { seed: 0 }))).toBeLessThan(exact / 4);
    expect(await cost(createLinformerEngine({ k: 16 }, { seed: 0 }))).toBeLessThan(exact / 2);
    expect(await cost(createPerformerEngine({ features: 16 }, { seed: 0 }))).toBeLessThan(exact / 2);
    expect(await cost(createNystromEngine({ landmarks: 8, iterations: 6 }, { seed: 0 }))).toBeLessThan(exact / 2);
    expect(await cost(createLshEngine({ hashes: 3, block: 16, samples: 16 }, { seed: 0 }))).toBeLessThan(exact / 2);
    expect(await cost(createPolyEngine({ degree: 2 }, { seed: 0 }))).toBeLessThan(exact);
    expect(await cost(createTopkEngine({ k: 8 }, { seed: 0 }))).toBeGreaterThan((2 * 256 * 256 * 4) / 1.01);
  });
});

describe('poly internals', () => {
  it('the Chebyshev interpolant of e^{h t} is accurate on [−1, 1]', () => {
    const p = chebyshevExpCoefficients(2, 14);
    for (let t = -1; t <= 1; t += 0.125) {
      let v = 0;
      for (let j = p.length - 1; j >= 0; j--) v = v * t + p[j]!;
      expect(Math.abs(v - Math.exp(2 * t))).toBeLessThan(1e-10);
    }
  });

  it('the monomial table has rank C(vars + g, g) and its weights give the multinomial theorem', () => {
    const t = monomialTable(3, 4);
    expect(t.rank).toBe(35);
    // Σ_{|α|=j} (j!/α!) x^α y^α = ⟨x, y⟩^j, checked at one point for j = 0..4.
    const x = [0.3, -1.2, 0.7];
    const y = [1.1, 0.4, -0.5];
    const fx = new Float64Array(t.rank);
    const fy = new Float64Array(t.rank);
    fx[0] = fy[0] = 1;
    for (let r = 1; r < t.rank; r++) {
      fx[r] = fx[t.parent[r]!]! * x[t.variable[r]!]!;
      fy[r] = fy[t.parent[r]!]! * y[t.variable[r]!]!;
    }
    const dot = x.reduce((s, v, i) => s + v * y[i]!, 0);
    for (let j = 0; j <= 4; j++) {
      let s = 0;
      for (let r = 0; r < t.rank; r++) if (t.degree[r] === j) s += t.weight[r]! ** 2 * fx[r]! * fy[r]!;
      expect(s).toBeCloseTo(dot ** j, 12);
    }
  });

  it('refuses, with the rank and the cost, when the scores span a wide range', async () => {
    const model = benign(1, { L: 1, H: 1, qk: 6 });
    await expect(createPolyEngine({ maxRank: 2000 }, { seed: 0 }).evaluate(model)).rejects.toThrow(/rank C\(\d+\+\d+, \d+\) ≈ .* > max-rank 2000/);
  });
});

describe('grouped-query models (kvGroups)', () => {
  const grouped = randomTransformer(makeRng(12), { tokens: 10, width: 3, layers: 2, heads: 4, kvGroups: 2, qkSpread: 0.4 });
  it('are computed right, with one K/V projection per group counted', async () => {
    expect(await maxError(createTopkEngine({ k: 10 }, { seed: 0 }), grouped)).toBeLessThan(1e-12);
    expect(await maxError(createLowprecEngine({ format: 'f64' }), grouped)).toBeLessThan(1e-12);
    expect(await maxError(createPolyEngine({ degree: 16 }, { seed: 0 }), grouped)).toBeLessThan(1e-9);
  });
});

describe('causal models', () => {
  const causal = randomTransformer(makeRng(11), { tokens: 10, width: 3, layers: 2, heads: 2, qkSpread: 0.4, causal: true });

  it.each([
    ['topk', () => createTopkEngine({ k: 10 }, { seed: 0 }), 1e-12],
    ['window', () => createWindowEngine({ w: 10 }, { seed: 0 }), 1e-12],
    ['poly', () => createPolyEngine({ degree: 16 }, { seed: 0 }), 1e-9],
    ['lowprec', () => createLowprecEngine({ format: 'f64' }), 1e-12],
  ])('%s masks the future', async (_name, make, tol) => {
    const want = evaluateReference(causal).output;
    const got = (await make().evaluate(causal)).output;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(tol);
  });

  it('performer masks the future (prefix sums): close with many features', async () => {
    const want = evaluateReference(causal).output;
    const got = (await createPerformerEngine({ features: 4096 }, { seed: 0 }).evaluate(causal)).output;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(0.05);
  });

  it.each([
    ['nystrom', () => createNystromEngine({ landmarks: 4, iterations: 6 }, { seed: 0 })],
    ['linformer', () => createLinformerEngine({ k: 4 }, { seed: 0 })],
    ['lsh', () => createLshEngine({ hashes: 2, block: 4, samples: 4 }, { seed: 0 })],
  ])('%s refuses a causal model', async (name, make) => {
    await expect(make().evaluate(causal)).rejects.toThrow(new RegExp(`engine ${name} cannot evaluate a causal model`));
  });
});
