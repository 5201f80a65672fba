import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attend, evaluateReference } from '../src/engine/reference.js';
import { createEngine, DEFAULT_ENGINE, ENGINES } from '../src/engine/registry.js';
import { defaultBudget } from '../src/memory.js';
import type { DType, EvalResult } from '../src/engine/types.js';
import { loadNativeAddon, nativeAddonPath } from '../src/engine/native/addon.js';
import { createNativeEngine, type NativeEngine, type NativeEngineOptions } from '../src/engine/native/engine.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { PROJECT_ROOT } from '../src/version.js';

/**
 * The native engine against the float64 reference engine, with the wasm engine's tolerances:
 * f64 max |native − reference| ≤ 1e-10; f32 ≤ 1e-4·max(1, max|reference|). Every evaluation runs
 * on poisoned memory (all working memory NaN first), so an element the kernels never write shows.
 *
 * Exact models: integer entries up to ±20, power-of-two scales, rows whose logits are all ≈ −10⁶
 * and a token with one huge logit (≈ 10¹⁰): every logit is exact, so any difference is the
 * engine's own. Deep models: up to 3 layers × 4 heads, ReLU MLPs, residual on or off, causal
 * masking and grouped K/V, moderate real entries (well conditioned).
 */

const haveBuild = existsSync(nativeAddonPath());

function exactModel(seed: number, n: number, m: number, H: number, scaleLog2: number, mode: 'plain' | 'negative' | 'huge', causal: boolean): TransformerModel {
  const rng = makeRng(seed);
  const int = (k: number): Float64Array => Float64Array.from({ length: k }, () => Math.floor(rng.next() * 41) - 20);
  const X = int(n * m);
  const identity = (sign: number): Float64Array => Float64Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? sign : 0));
  const weights = [
    Array.from({ length: H }, (_, h) => {
      const V = int(m * m);
      if (mode === 'huge') V.fill(0, 0, m); // values ignore the huge coordinate
      if (mode === 'negative' && h === 0) {
        for (let i = 0; i < n; i++) X[i * m] = 1000; // W_Q = −I: every logit ≈ −10⁶
        return { Q: identity(-1), K: identity(1), V };
      }
      if (mode === 'huge' && h === 0) {
        X[0] = 1e5; // one token's own logit ≈ 10¹⁰, and ±10⁵·x₀ in every other row
        return { Q: identity(1), K: identity(1), V };
      }
      // The other heads read the small coordinates only: the huge one (1000 or 10⁵ in x₀) would
      // push their logits past float32's exact integers (2²⁴), and the f32 bound assumes exact logits.
      const Q = int(m * m);
      const K = int(m * m);
      if (mode !== 'plain') {
        Q.fill(0, 0, m);
        K.fill(0, 0, m);
      }
      return { Q, K, V };
    }),
  ];
  return {
    kind: 'transformer',
    tokens: n,
    width: m,
    layers: 1,
    heads: H,
    scale: 2 ** scaleLog2,
    residual: seed % 2 === 0,
    ...(causal ? { causal } : {}),
    X,
    weights,
    mlp: [null],
    annotations: {},
  };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
  }
  return d;
}

function bound(dtype: DType, want: Float64Array): number {
  let m = 0;
  for (const v of want) m = Math.max(m, Math.abs(v));
  return dtype === 'f64' ? 1e-10 : 1e-4 * Math.max(1, m);
}

describe.skipIf(!haveBuild)('native engine', () => {
  const engines: Record<string, NativeEngine> = {};
  const configs: Record<string, [DType, NativeEngineOptions]> = {
    f64: ['f64', {}],
    'f64-1thread': ['f64', { threads: 1 }],
    'f64-3threads': ['f64', { threads: 3 }],
    f32: ['f32', {}],
    'f32-3threads': ['f32', { threads: 3 }],
  };
  beforeAll(async () => {
    for (const [key, [dtype, options]] of Object.entries(configs)) engines[key] = await createNativeEngine(dtype, { poison: true, ...options });
  });
  afterAll(async () => {
    for (const e of Object.values(engines)) await e.close();
  });

  const compare = async (key: string, model: TransformerModel, perHead = false, reference?: EvalResult): Promise<void> => {
    const engine = engines[key]!;
    const got = await engine.evaluate(model, { perHead });
    const want = reference ?? evaluateReference(model, { perHead });
    const err = maxAbsDiff(got.output, want.output);
    const shape = `n=${model.tokens} m=${model.width} L=${model.layers} H=${model.heads} causal=${model.causal === true} G=${model.kvGroups ?? '-'}`;
    expect(err, `${key}: ${shape}`).toBeLessThanOrEqual(bound(engine.dtype, want.output));
    expect(got.engine).toBe('native');
    expect(got.dtype).toBe(engine.dtype);
    if (perHead) {
      for (let l = 0; l < model.layers; l++)
        for (let h = 0; h < model.heads; h++) {
          const w = want.perHead![l]![h]!;
          expect(maxAbsDiff(got.perHead![l]![h]!, w), `${key}: head (${l},${h}) ${shape}`).toBeLessThanOrEqual(bound(engine.dtype, w));
        }
    }
  };

  describe('vectorised exp', () => {
    const addon = haveBuild ? loadNativeAddon() : undefined;
    /** The largest |e − e^x| / e^x (a NaN counts as infinite). */
    const worstRelative = (x: Float64Array, e: Float64Array): number => {
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        const want = Math.exp(x[i]!);
        const err = Math.abs(e[i]! - want) / want;
        if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
      }
      return worst;
    };
    const xs = (lo: number, hi: number): Float64Array => {
      const rng = makeRng(7);
      const v: number[] = [0, -0, -1e-300, -1e-17, 0.5 * Math.LN2, -0.5 * Math.LN2, -Math.LN2, -1, 1, -20, lo, hi];
      for (let i = 0; i < 40000; i++) v.push(lo + (hi - lo) * rng.next());
      for (let i = 0; i < 4000; i++) v.push(-rng.next());
      return Float64Array.from(v);
    };
    it('f64: within 2 ulp (relative 2^-51 ≈ 4.4e-16) of Math.exp on [−708, 709]; below the cut, −∞ included, exactly 0; NaN stays NaN', () => {
      const x = xs(-708, 709);
      const e = addon!.exp(x, false, -708, 'auto');
      expect(worstRelative(x, e)).toBeLessThanOrEqual(2 ** -51);
      const edge = addon!.exp(Float64Array.from([-708.5, -1e6, -Infinity, NaN, -200.0001, -199.9999]), false, -200, 'auto');
      expect(Array.from(edge.subarray(0, 3))).toEqual([0, 0, 0]);
      expect(edge[3]).toBeNaN();
      expect(edge[4]).toBe(0);
      expect(Math.abs(edge[5]! - Math.exp(-199.9999)) / Math.exp(-199.9999)).toBeLessThanOrEqual(2 ** -51);
    });
    it('f32: within 2e-7 relative of e^x on [−87, 88] (x rounded to float32); −∞ gives 0', () => {
      const x = Float64Array.from(xs(-87, 88), (v) => Math.fround(v));
      const e = addon!.exp(x, true, -87, 'auto');
      expect(worstRelative(x, e)).toBeLessThanOrEqual(2e-7);
      expect(addon!.exp(Float64Array.from([-Infinity]), true, -60, 'auto')[0]).toBe(0);
    });
  });

  const exactArb = (maxWidth: number): fc.Arbitrary<TransformerModel> =>
    fc
      .record({
        seed: fc.integer({ min: 0, max: 2 ** 30 }),
        n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 })),
        m: fc.integer({ min: 1, max: maxWidth }),
        H: fc.integer({ min: 1, max: 3 }),
        scaleLog2: fc.integer({ min: -12, max: 0 }),
        mode: fc.constantFrom('plain' as const, 'plain' as const, 'negative' as const, 'huge' as const),
        causal: fc.boolean(),
      })
      .map((s) => exactModel(s.seed, s.n, s.m, s.H, s.scaleLog2, s.mode, s.causal));

  const deepArb: fc.Arbitrary<{ model: TransformerModel; perHead: boolean }> = fc
    .record({
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
      n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 })),
      m: fc.integer({ min: 1, max: 9 }),
      L: fc.integer({ min: 1, max: 3 }),
      H: fc.constantFrom(1, 2, 3, 4),
      groupsPick: fc.integer({ min: 0, max: 3 }),
      residual: fc.boolean(),
      hidden: fc.constantFrom(0, 0, 1, 5, 17),
      causal: fc.boolean(),
      perHead: fc.boolean(),
    })
    .map((s) => {
      const divisors = [1, 2, 3, 4].filter((g) => s.H % g === 0);
      const G = s.groupsPick === 0 ? undefined : divisors[s.groupsPick % divisors.length];
      const model = randomTransformer(makeRng(s.seed), {
        tokens: s.n,
        width: s.m,
        layers: s.L,
        heads: s.H,
        scale: 1 / s.m,
        residual: s.residual,
        hidden: s.hidden,
        qkSpread: 1,
        valueSpread: 0.25,
        inputSpread: 4,
        mlpSpread: 0.5,
        causal: s.causal,
        ...(G !== undefined ? { kvGroups: G } : {}),
      });
      return { model, perHead: s.perHead };
    });

  for (const key of ['f64', 'f64-1thread', 'f64-3threads']) {
    it(`${key}: within 1e-10 of the reference on exact random models (±20 entries, very negative and huge logits, causal or not)`, async () => {
      await fc.assert(
        fc.asyncProperty(exactArb(8), (model) => compare(key, model)),
        { numRuns: key === 'f64' ? 150 : 50 },
      );
    });
    it(`${key}: within 1e-10 on deep random models (layers, heads, MLP, residual, causal, grouped K/V, per-head outputs)`, async () => {
      await fc.assert(
        fc.asyncProperty(deepArb, ({ model, perHead }) => compare(key, model, perHead)),
        { numRuns: key === 'f64' ? 150 : 50 },
      );
    });
  }
  for (const key of ['f32', 'f32-3threads']) {
    it(`${key}: within 1e-4 relative on exact random models (width ≤ 4: logits exact in float32)`, async () => {
      await fc.assert(
        fc.asyncProperty(exactArb(4), (model) => compare(key, model)),
        { numRuns: 80 },
      );
    });
    it(`${key}: within 1e-4 relative on deep random models`, async () => {
      await fc.assert(
        fc.asyncProperty(deepArb, ({ model, perHead }) => compare(key, model, perHead)),
        { numRuns: 80 },
      );
    });
  }

  it('spans many key tiles, query chunks and threads (n = 700, d = 70, 2 layers, 4 heads in 2 K/V groups, causal and not)', async () => {
    for (const causal of [false, true]) {
      const model = randomTransformer(makeRng(5), {
        tokens: 700,
        width: 70,
        layers: 2,
        heads: 4,
        kvGroups: 2,
        scale: 1 / 70,
        hidden: 33,
        valueSpread: 0.25,
        mlpSpread: 0.3,
        causal,
      });
      const want = evaluateReference(model, { perHead: true });
      for (const key of ['f64', 'f64-3threads', 'f32']) await compare(key, model, true, want);
    }
  }, 600_000);

  it('reports progress once per head, in order, ending at L·H', async () => {
    const model = randomTransformer(makeRng(9), { tokens: 200, width: 5, layers: 3, heads: 2 });
    const seen: [number, number][] = [];
    await engines.f64!.evaluate(model, { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, 6]));
  });

  it('runs concurrent evaluations correctly', async () => {
    const models = [1, 2, 3, 4].map((seed) =>
      randomTransformer(makeRng(seed), { tokens: 150, width: 6, layers: 2, heads: 2, hidden: seed % 2 ? 0 : 4, scale: 0.2 }),
    );
    const results = await Promise.all(models.map((m) => engines.f64!.evaluate(m)));
    results.forEach((r, i) => expect(maxAbsDiff(r.output, evaluateReference(models[i]!).output)).toBeLessThanOrEqual(1e-10));
  });

  it('a non-finite value is an error naming layer, head and row (never a silently wrong X_L)', async () => {
    // Huge logits: ⟨q, k⟩ overflows to +∞ in row 0 of head 1 only (its W_Q is huge), so ∞ − ∞ = NaN there.
    const model = randomTransformer(makeRng(2), { tokens: 10, width: 3, layers: 1, heads: 2 });
    const X = new Float64Array(model.X.length);
    X[0] = 1e200;
    const w = model.weights[0]!;
    const bad: TransformerModel = {
      ...model,
      X,
      weights: [[w[0]!, { ...w[1]!, Q: Float64Array.from(w[1]!.Q, () => 1e200), K: Float64Array.from(w[1]!.K, () => 1) }]],
    };
    await expect(engines.f64!.evaluate(bad)).rejects.toThrow(/non-finite value in layer 0, head 1, row 0/);
  });

  it('refuses a model whose grouped heads do not share W_K, W_V', async () => {
    const model = randomTransformer(makeRng(4), { tokens: 5, width: 2, layers: 1, heads: 2 });
    await expect(engines.f64!.evaluate({ ...model, kvGroups: 1 })).rejects.toThrow(/kvGroups = 1/);
  });

  it('prepareAttention: a bare attention batch equals the reference attention per head', async () => {
    const rng = makeRng(3);
    const n = 333;
    const d = 13;
    const heads = [0, 1, 2].map(() => ({
      Q: Float64Array.from({ length: n * d }, () => 2 * rng.next() - 1),
      K: Float64Array.from({ length: n * d }, () => 2 * rng.next() - 1),
      V: Float64Array.from({ length: n * d }, () => 2 * rng.next() - 1),
    }));
    for (const key of ['f64', 'f32']) {
      const p = engines[key]!.prepareAttention({ tokens: n, dim: d, scale: 0.7, heads });
      await p.run();
      await p.run();
      const out = p.read();
      heads.forEach((h, i) => expect(maxAbsDiff(out[i]!, attend(h.Q, h.K, h.V, n, n, d, d, 0.7))).toBeLessThanOrEqual(key === 'f64' ? 1e-12 : 1e-5));
      await p.release?.();
      expect(() => p.read()).toThrow(/released/);
    }
  });

  it('the FMA peak micro-benchmark reports a positive rate for both dtypes', () => {
    const addon = loadNativeAddon();
    for (const f32 of [false, true]) expect(addon.peak(f32, 1, 1e5, 'auto')).toBeGreaterThan(0);
  });

  it('selects AVX-512 only where cpuid reports it, and refuses to force it elsewhere', async () => {
    const info = loadNativeAddon().info();
    expect(engines.f64!.isa).toBe(info.avx512 ? 'avx512' : 'avx2');
    if (!info.avx512) await expect(createNativeEngine('f64', { isa: 'avx512' })).rejects.toThrow(/no AVX-512F/);
    engines['f64-avx2'] = await createNativeEngine('f64', { isa: 'avx2', poison: true });
    await compare('f64-avx2', randomTransformer(makeRng(1), { tokens: 77, width: 9, layers: 2, heads: 2, scale: 0.3 }));
  });

  it.skipIf(!haveBuild || !loadNativeAddon().info().avx512)(
    'AVX-512 kernels agree with the AVX2 kernels and a scalar reference (only where the CPU has AVX-512F)',
    () => {
      const dir = join(PROJECT_ROOT, 'src', 'engine', 'native');
      const exe = join(tmpdir(), `seth-selftest-avx512-${process.pid}`);
      const lib = (name: string): string => join(dir, 'build', 'Release', `${name}.a`);
      const cc = spawnSync('g++', ['-std=c++17', '-O2', join(dir, 'selftest-avx512.cc'), lib('kernels_avx2'), lib('kernels_avx512'), '-o', exe], {
        encoding: 'utf8',
      });
      expect(cc.status, cc.stderr).toBe(0);
      const r = spawnSync(exe, { encoding: 'utf8', timeout: 120_000 });
      rmSync(exe, { force: true });
      expect(r.stdout, r.stdout).toContain('SELFTEST PASSED');
      expect(r.status).toBe(0);
    },
  );

  it('a closed engine refuses to evaluate', async () => {
    const e = await createNativeEngine('f64');
    await e.close();
    await expect(e.evaluate(randomTransformer(makeRng(1), { tokens: 3, width: 2, layers: 1, heads: 1 }))).rejects.toThrow(/closed/);
  });

  it('is registered for f64 and f32 and is the default engine', () => {
    expect(ENGINES.find((e) => e.name === 'native')?.dtypes).toEqual(['f64', 'f32']);
    expect(DEFAULT_ENGINE).toBe('native');
  });
});

describe('native engine fallback', () => {
  it('a missing build falls back with a one-line reason, never a crash', async () => {
    const saved = process.env.SETH_NATIVE_ADDON;
    process.env.SETH_NATIVE_ADDON = join(tmpdir(), 'no-such-dir', 'seth_native.node');
    try {
      await expect(createNativeEngine('f64')).rejects.toThrow(/no native build at .*npm run build:native/);
      const choice = await createEngine('native', 'f64', { budget: defaultBudget() });
      expect(choice.engine.name).toBe('wasm');
      expect(choice.fallbackReason).toMatch(/^engine "native" unavailable \(no native build at .*\); using the wasm engine$/);
      await choice.engine.close?.();
      expect(choice.fallbackReason).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.SETH_NATIVE_ADDON;
      else process.env.SETH_NATIVE_ADDON = saved;
    }
  });
});
