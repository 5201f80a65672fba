import { REDUCTIONS } from '../reductions/index.js';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDecision } from '../src/check/run.js';
import { NonFiniteError } from '../src/engine/finite.js';
import { evaluateReference } from '../src/engine/reference.js';
import { createEngine, DEFAULT_ENGINE, ENGINES } from '../src/engine/registry.js';
import { defaultBudget } from '../src/memory.js';
import type { DType } from '../src/engine/types.js';
import { createWasmEngine, type WasmEngine, type WasmEngineOptions } from '../src/engine/wasm.js';
import { wasmBuildPaths } from '../src/engine/wasm-kernel.js';
import { kernelExp } from './helpers/kernel-exp.js';
import { loadInstance } from '../src/io/instance-file.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { PROJECT_ROOT } from '../src/version.js';

/**
 * The wasm engine against the float64 reference engine.
 *
 * Tolerances: f64 max |wasm − reference| ≤ 1e-10; f32 max |wasm − reference| ≤ 1e-4·max(1, max|reference|)
 * (normwise relative). Random models come in two families:
 *  - exact: integer entries up to ±20 (X and weights), one layer, power-of-two scale, with rows whose
 *    logits are all very negative (≈ −10⁶) and tokens with one huge logit (≈ 10¹²). Every logit is an
 *    exact integer multiple of the scale in float64 (and in float32 where width ≤ 4), so any
 *    difference is the engine's own: exp, the streaming softmax, the final division.
 *  - deep: up to 3 layers, 3 heads, ReLU MLPs, residual on or off, moderate real entries, so that
 *    the composition stays well conditioned (a random deep model with ±20 entries has logits near
 *    10¹⁰ after one layer, where one rounding of any engine moves the output by O(1)).
 * Every evaluation runs on poisoned memory (all NaN), so an element the kernels never write shows.
 */

const ROOT = PROJECT_ROOT;
const haveBuild = (() => {
  try {
    return readdirSync(join(ROOT, 'build')).some((f) => f === 'attention-simd.wasm');
  } catch {
    return false;
  }
})();

type Mode = 'plain' | 'negative' | 'huge';

interface ExactShape {
  n: number;
  m: number;
  H: number;
  residual: boolean;
  scaleLog2: number;
  mode: Mode;
  seed: number;
}

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function exactModel(s: ExactShape): TransformerModel {
  const rnd = lcg(s.seed);
  const int = (k: number): Float64Array => Float64Array.from({ length: k }, () => Math.floor(rnd() * 41) - 20);
  const { n, m, H } = s;
  const X = int(n * m);
  const identity = (sign: number): Float64Array => {
    const I = new Float64Array(m * m);
    for (let i = 0; i < m; i++) I[i * m + i] = sign;
    return I;
  };
  const weights = [
    Array.from({ length: H }, (_, h) => {
      if (s.mode === 'negative' && h === 0) {
        // Every token carries 1000 in coordinate 0 and W_Q = −I: every logit ≈ −10⁶.
        for (let i = 0; i < n; i++) X[i * m] = 1000;
        return { Q: identity(-1), K: identity(1), V: int(m * m) };
      }
      if (s.mode === 'huge' && h === 0) {
        // One token with 10⁵ in coordinate 0 and W_Q = W_K = I: its own logit ≈ 10¹⁰, and in every
        // other row its logit is ±10⁵·x₀ — one huge logit per row. W_V ignores coordinate 0, so the
        // values keep their size (an absolute 1e-10 is below one ulp of numbers near 10⁶).
        X[0] = 1e5;
        const V = int(m * m);
        for (let c = 0; c < m; c++) V[c] = 0;
        return { Q: identity(1), K: identity(1), V };
      }
      const V = int(m * m);
      if (s.mode === 'huge') for (let c = 0; c < m; c++) V[c] = 0; // values ignore the huge coordinate
      // The other heads read the small coordinates only: the huge one (1000 or 10⁵ in x₀) would
      // push their logits past float32's exact integers (2²⁴), and the f32 bound assumes exact logits.
      const Q = int(m * m);
      const K = int(m * m);
      if (s.mode !== 'plain') {
        Q.fill(0, 0, m);
        K.fill(0, 0, m);
      }
      return { Q, K, V };
    }),
  ];
  return {
    kind: s.residual ? 'transformer' : 'attention',
    tokens: n,
    width: m,
    layers: 1,
    heads: H,
    scale: 2 ** s.scaleLog2,
    residual: s.residual,
    X,
    weights,
    mlp: [null],
    annotations: {},
  };
}

const exactShape = (maxWidth: number, maxTokens: number): fc.Arbitrary<ExactShape> =>
  fc.record({
    n: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: maxTokens })),
    m: fc.integer({ min: 1, max: maxWidth }),
    H: fc.integer({ min: 1, max: 3 }),
    residual: fc.boolean(),
    scaleLog2: fc.integer({ min: -12, max: 0 }),
    mode: fc.constantFrom<Mode>('plain', 'plain', 'negative', 'huge'),
    seed: fc.integer(),
  });

interface DeepShape {
  n: number;
  m: number;
  L: number;
  H: number;
  residual: boolean;
  mlp: boolean;
  hidden: number;
  seed: number;
}

function deepModel(s: DeepShape): TransformerModel {
  const rnd = lcg(s.seed);
  const real = (k: number, amp: number): Float64Array => Float64Array.from({ length: k }, () => amp * (2 * rnd() - 1));
  const { n, m, L, H } = s;
  return {
    kind: 'transformer',
    tokens: n,
    width: m,
    layers: L,
    heads: H,
    scale: 1 / m,
    residual: s.residual,
    X: real(n * m, 4),
    weights: Array.from({ length: L }, () => Array.from({ length: H }, () => ({ Q: real(m * m, 1), K: real(m * m, 1), V: real(m * m, 0.25) }))),
    mlp: Array.from({ length: L }, () =>
      s.mlp ? { hidden: s.hidden, W1: real(m * s.hidden, 0.5), b1: real(s.hidden, 0.5), W2: real(s.hidden * m, 0.5), b2: real(m, 0.5) } : null,
    ),
    annotations: {},
  };
}

const deepShape: fc.Arbitrary<DeepShape> = fc.record({
  n: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 })),
  m: fc.integer({ min: 1, max: 7 }),
  L: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 3 }),
  residual: fc.boolean(),
  mlp: fc.boolean(),
  hidden: fc.integer({ min: 1, max: 9 }),
  seed: fc.integer(),
});

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
  }
  return d;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function withinTolerance(dtype: DType, got: Float64Array, want: Float64Array): { ok: boolean; err: number; bound: number } {
  const err = maxAbsDiff(got, want);
  const bound = dtype === 'f64' ? 1e-10 : 1e-4 * Math.max(1, maxAbs(want));
  return { ok: err <= bound, err, bound };
}

describe.skipIf(!haveBuild)('wasm engine', () => {
  const engines: Record<string, WasmEngine> = {};
  const make = async (key: string, dtype: DType, options: WasmEngineOptions): Promise<void> => {
    engines[key] = await createWasmEngine(dtype, { poison: true, ...options });
  };
  beforeAll(async () => {
    await make('f64', 'f64', { inlineBelowFlops: 0 });
    await make('f64-plain', 'f64', { inlineBelowFlops: 0, variant: 'plain' });
    await make('f64-inline', 'f64', { inlineBelowFlops: Infinity });
    await make('f64-3threads', 'f64', { inlineBelowFlops: 0, threads: 3 });
    await make('f32', 'f32', { inlineBelowFlops: 0 });
    await make('f32-plain', 'f32', { inlineBelowFlops: 0, variant: 'plain' });
  });
  afterAll(async () => {
    for (const e of Object.values(engines)) await e.close();
  });

  it('loads the relaxed-SIMD (fused multiply-add) build where the runtime has it, else the plain one', () => {
    expect(['relaxed', 'plain']).toContain(engines.f64!.variant);
    expect(engines['f64-plain']!.variant).toBe('plain');
    expect(engines.f64!.threads).toBeGreaterThanOrEqual(1);
  });

  describe('vectorised exp', () => {
    const xs = (): Float64Array => {
      const rnd = lcg(7);
      const v: number[] = [0, -0, -1e-300, -1e-17, -0.5 * Math.LN2, -Math.LN2, -1, -20, -700, -708.39, -708.4, -709, -745, -746, -1e6, -Infinity];
      for (let i = 0; i < 20000; i++) v.push(-800 * rnd() ** 2);
      for (let i = 0; i < 2000; i++) v.push(-rnd());
      return Float64Array.from(v);
    };
    it('f64: within 2 ulp (4.5e-16 relative) of Math.exp for x ≥ ln(2^-1022), 0 below', () => {
      const x = xs();
      for (const variant of ['auto', 'plain'] as const) {
        const e = kernelExp(x, 'f64', variant);
        for (let i = 0; i < x.length; i++) {
          const want = Math.exp(x[i]!);
          if (x[i]! >= -708.39) expect(Math.abs(e[i]! - want) / want, `x = ${x[i]}`).toBeLessThanOrEqual(4.5e-16);
          else expect(e[i]! <= want * (1 + 1e-15) + 1e-300, `x = ${x[i]}`).toBe(true);
        }
      }
    });
    it('f32: within 2e-7 relative of Math.exp for x ≥ −87, 0 for −∞', () => {
      const x = xs();
      const x32 = Float64Array.from(x, (v) => Math.fround(v));
      for (const variant of ['auto', 'plain'] as const) {
        const e = kernelExp(x32, 'f32', variant);
        for (let i = 0; i < x32.length; i++) {
          const want = Math.exp(x32[i]!);
          if (x32[i]! >= -87) expect(Math.abs(e[i]! - want) / want, `x = ${x32[i]}`).toBeLessThanOrEqual(2e-7);
          if (x32[i] === -Infinity) expect(e[i]).toBe(0);
        }
      }
    });
  });

  const compare = async (key: string, model: TransformerModel, perHead = false): Promise<void> => {
    const engine = engines[key]!;
    const got = await engine.evaluate(model, { perHead });
    const want = evaluateReference(model, { perHead });
    const t = withinTolerance(engine.dtype, got.output, want.output);
    expect(t.ok, `${key}: max error ${t.err} > ${t.bound} (n=${model.tokens}, m=${model.width}, L=${model.layers}, H=${model.heads})`).toBe(true);
    expect(got.engine).toBe('wasm');
    expect(got.dtype).toBe(engine.dtype);
    if (perHead) {
      for (let l = 0; l < model.layers; l++) {
        for (let h = 0; h < model.heads; h++) {
          const th = withinTolerance(engine.dtype, got.perHead![l]![h]!, want.perHead![l]![h]!);
          expect(th.ok, `${key}: head (${l},${h}) error ${th.err}`).toBe(true);
        }
      }
    }
  };

  for (const key of ['f64', 'f64-plain', 'f64-inline', 'f64-3threads']) {
    it(`${key}: matches the reference within 1e-10 on exact random models (entries ±20, very negative and huge logits)`, async () => {
      await fc.assert(
        fc.asyncProperty(exactShape(8, 300), async (s) => compare(key, exactModel(s))),
        { numRuns: key === 'f64' ? 150 : 60 },
      );
    });
    it(`${key}: matches the reference within 1e-10 on deep random models (layers, heads, MLP, residual on/off, per-head outputs)`, async () => {
      await fc.assert(
        fc.asyncProperty(deepShape, fc.boolean(), async (s, perHead) => compare(key, deepModel(s), perHead)),
        { numRuns: key === 'f64' ? 150 : 60 },
      );
    });
  }

  for (const key of ['f32', 'f32-plain']) {
    it(`${key}: within 1e-4 relative on exact random models (width ≤ 4: logits exact in float32)`, async () => {
      await fc.assert(
        fc.asyncProperty(exactShape(4, 300), async (s) => compare(key, exactModel(s))),
        { numRuns: 100 },
      );
    });
    it(`${key}: within 1e-4 relative on deep random models`, async () => {
      await fc.assert(
        fc.asyncProperty(deepShape, fc.boolean(), async (s, perHead) => compare(key, deepModel(s), perHead)),
        { numRuns: 100 },
      );
    });
  }

  it('spans several key tiles, query groups and worker splits (n = 700, d = 24, 2 layers, 3 heads)', async () => {
    const model = deepModel({ n: 700, m: 24, L: 2, H: 3, residual: true, mlp: true, hidden: 10, seed: 5 });
    const want = evaluateReference(model, { perHead: true });
    for (const key of ['f64', 'f64-3threads', 'f32']) {
      const engine = engines[key]!;
      const got = await engine.evaluate(model, { perHead: true });
      const t = withinTolerance(engine.dtype, got.output, want.output);
      expect(t.ok, `${key}: ${t.err} > ${t.bound}`).toBe(true);
      for (let h = 0; h < 3; h++) expect(withinTolerance(engine.dtype, got.perHead![1]![h]!, want.perHead![1]![h]!).ok).toBe(true);
    }
  });

  it('a non-finite logit is a NonFiniteError naming layer, head and row, never absorbed by the softmax', async () => {
    // Row 5 of X at 1e200: its own logit q_5·k_5 ≈ 1e400 overflows; every other row's logits stay finite.
    const model = deepModel({ n: 40, m: 4, L: 2, H: 2, residual: false, mlp: false, hidden: 1, seed: 3 });
    model.X.fill(1e200, 5 * 4, 6 * 4);
    expect(evaluateReference(model).output.every(Number.isFinite)).toBe(false);
    for (const key of ['f64', 'f64-inline', 'f64-3threads', 'f64-plain']) {
      await expect(engines[key]!.evaluate(model), key).rejects.toThrow(NonFiniteError);
      await expect(engines[key]!.evaluate(model), key).rejects.toThrow(/engine wasm \(f64\): non-finite logit or output at layer 1, head 1, row 5 /);
    }
    // A later layer and head: W_Q, W_K of layer 2, head 2 at 1e300 overflow every logit there.
    const late = deepModel({ n: 40, m: 4, L: 2, H: 2, residual: false, mlp: false, hidden: 1, seed: 4 });
    late.weights[1]![1]!.Q.fill(1e300);
    late.weights[1]![1]!.K.fill(1e300);
    for (const key of ['f64', 'f32']) await expect(engines[key]!.evaluate(late), key).rejects.toThrow(/at layer 2, head 2, row 0 /);
  });

  it('reports progress once per head, in order of completion, ending at L·H', async () => {
    const model = deepModel({ n: 200, m: 5, L: 3, H: 2, residual: true, mlp: false, hidden: 1, seed: 9 });
    for (const key of ['f64', 'f64-inline']) {
      const seen: [number, number][] = [];
      await engines[key]!.evaluate(model, { onProgress: (d, t) => seen.push([d, t]) });
      expect(seen).toEqual(Array.from({ length: 6 }, (_, i) => [i + 1, 6]));
    }
  });

  it('serialises concurrent evaluations on one engine', async () => {
    const models = [1, 2, 3, 4].map((seed) => deepModel({ n: 150, m: 6, L: 2, H: 2, residual: true, mlp: seed % 2 === 0, hidden: 4, seed }));
    const results = await Promise.all(models.map((m) => engines.f64!.evaluate(m)));
    results.forEach((r, i) => expect(maxAbsDiff(r.output, evaluateReference(models[i]!).output)).toBeLessThanOrEqual(1e-10));
  });

  it('prepareAttention: a bare attention batch equals the reference attention per head', async () => {
    const rnd = lcg(3);
    const n = 333;
    const d = 13;
    const heads = [0, 1, 2].map(() => ({
      Q: Float64Array.from({ length: n * d }, () => 2 * rnd() - 1),
      K: Float64Array.from({ length: n * d }, () => 2 * rnd() - 1),
      V: Float64Array.from({ length: n * d }, () => 2 * rnd() - 1),
    }));
    const { attend } = await import('../src/engine/reference.js');
    for (const key of ['f64', 'f32']) {
      const p = engines[key]!.prepareAttention({ tokens: n, dim: d, scale: 0.7, heads });
      await p.run();
      const out = p.read();
      heads.forEach((h, i) => {
        const want = attend(h.Q, h.K, h.V, n, n, d, d, 0.7);
        expect(maxAbsDiff(out[i]!, want)).toBeLessThanOrEqual(key === 'f64' ? 1e-12 : 1e-5);
      });
    }
  });

  it('a closed engine refuses to evaluate', async () => {
    const e = await createWasmEngine('f64');
    await e.close();
    await expect(e.evaluate(exactModel({ n: 3, m: 2, H: 1, residual: true, scaleLog2: 0, mode: 'plain', seed: 1 }))).rejects.toThrow(/closed/);
  });

  it('is registered, f64 and f32, and stands in for the native engine', () => {
    const entry = ENGINES.find((e) => e.name === 'wasm');
    expect(entry?.dtypes).toEqual(['f64', 'f32']);
    expect(ENGINES.find((e) => e.name === DEFAULT_ENGINE)?.fallback).toBe('wasm');
  });

  it('a missing build falls back to the reference engine with a one-line reason, never a crash', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'seth-wasm-'));
    const saved = process.env.SETH_WASM_DIR;
    process.env.SETH_WASM_DIR = empty;
    try {
      expect(() => wasmBuildPaths()).not.toThrow();
      await expect(createWasmEngine('f64')).rejects.toThrow(/npm run build:wasm/);
      const choice = await createEngine('wasm', 'f64', { budget: defaultBudget() });
      expect(choice.engine.name).toBe('reference');
      expect(choice.fallbackReason).toMatch(/^engine "wasm" unavailable \(.*build:wasm.*\); using the reference engine$/);
      expect(choice.fallbackReason).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.SETH_WASM_DIR;
      else process.env.SETH_WASM_DIR = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!haveBuild)('the SETH chain decides identically with every engine', () => {
  const dir = join(ROOT, '..', 'shared', 'data', 'satlib', 'uf20-91');
  const files = (() => {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.cnf'))
        .sort()
        .slice(0, 4);
    } catch {
      return [];
    }
  })();
  it.skipIf(files.length === 0)('uf20-91 (first 4 files): reference, wasm f64 and wasm f32 decide alike, witnesses verified', async () => {
    for (const f of files) {
      const inst = loadInstance(join(dir, f));
      const reports = [];
      for (const [engine, dtype] of [
        ['reference', 'f64'],
        ['wasm', 'f64'],
        ['wasm', 'f32'],
      ] as const) {
        const r = await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 2, engine, dtype });
        expect(r.engine).toBe(engine);
        expect(r.dtype).toBe(dtype);
        expect(r.engineFallback).toBeUndefined();
        reports.push(r);
      }
      for (const r of reports) {
        expect({ f, answer: r.answer, agree: r.agree, verified: r.witnessVerified }).toEqual({ f, answer: 'SAT', agree: true, verified: true });
      }
    }
  });
});
