import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { exactAttentionCost } from '../src/engine/cost.js';
import { NonFiniteError } from '../src/engine/finite.js';
import { evaluateReference } from '../src/engine/reference.js';
import { ENGINES, createEngine, findEngine, parseEngineOptions, validateEngineOptions, type EngineEntry } from '../src/engine/registry.js';
import type { DType, Engine } from '../src/engine/types.js';
import { UserError } from '../src/errors.js';
import { defaultBudget, type MemoryBudget } from '../src/memory.js';
import type { TransformerModel } from '../src/problems/transformer.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { PROJECT_ROOT } from '../src/version.js';

/**
 * The engine conformance suite: every registered engine, in every dtype it declares, against the
 * float64 reference engine on the shared random-model generator. Adding an engine to
 * src/engine/registry.ts is enough for it to be tested here.
 *
 * Tolerance: max |engine − reference| ≤ tol · max(1, max|reference|), with tol = 1e-9 (f64) or
 * 1e-4 (f32) for exact engines; an approximate engine runs at its declared exact limit, within its
 * declared tolerance (never tighter than its dtype's).
 */

const BUDGET: MemoryBudget = defaultBudget();

const dtypeTolerance: Record<DType, number> = { f64: 1e-9, f32: 1e-4 };

function toleranceOf(entry: EngineEntry, dtype: DType): number {
  return entry.kind === 'approximate' ? Math.max(entry.exactLimit.tolerance, dtypeTolerance[dtype]) : dtypeTolerance[dtype];
}

/** Options the suite runs the engine with: none for exact engines, the exact limit otherwise. */
function optionsOf(entry: EngineEntry): Record<string, unknown> {
  return entry.kind === 'approximate' ? { ...entry.exactLimit.options } : {};
}

function maxError(got: Float64Array, want: Float64Array): { err: number; scale: number } {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
    if (Number.isNaN(got[i]!)) err = Infinity;
  }
  return { err, scale };
}

function expectClose(got: Float64Array, want: Float64Array, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const { err, scale } = maxError(got, want);
  expect(err, `${what}: max error ${err} > ${tol}·${scale}`).toBeLessThanOrEqual(tol * scale);
}

interface Shape {
  tokens: number;
  width: number;
  layers: number;
  heads: number;
  residual: boolean;
  hidden: number;
  seed: number;
}

const shapes: fc.Arbitrary<Shape> = fc.record({
  tokens: fc.integer({ min: 1, max: 40 }),
  width: fc.integer({ min: 1, max: 8 }),
  layers: fc.integer({ min: 1, max: 3 }),
  heads: fc.integer({ min: 1, max: 3 }),
  residual: fc.boolean(),
  hidden: fc.integer({ min: 0, max: 5 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
});

/** Moderate spreads keep deep random models well conditioned (no logit near 10¹⁰ after a layer). */
function modelOf(s: Shape): TransformerModel {
  return randomTransformer(makeRng(s.seed), {
    tokens: s.tokens,
    width: s.width,
    layers: s.layers,
    heads: s.heads,
    residual: s.residual,
    hidden: s.hidden,
    scale: 1 / Math.sqrt(s.width),
    qkSpread: 0.6,
    valueSpread: 0.5,
    mlpSpread: 0.5,
  });
}

/**
 * Degenerate models (issue #10), where engines used to disagree (NaN on one, a number on another):
 * logits past the double range, scale ±1e300, X = 1e308 with a residual, V = 1e39 (beyond float32).
 */
function degenerateModels(): { what: string; model: TransformerModel }[] {
  const base = (seed: number, residual: boolean): TransformerModel =>
    randomTransformer(makeRng(seed), { tokens: 4, width: 3, layers: 2, heads: 2, residual, hidden: 0 });
  const out: { what: string; model: TransformerModel }[] = [];
  const qk = base(1, false);
  for (const w of qk.weights[0]!) {
    w.Q.fill(1e300);
    w.K.fill(1e300);
  }
  out.push({ what: 'W_Q, W_K = 1e300', model: qk });
  for (const s of [1e300, -1e300]) out.push({ what: `scale ${s}`, model: { ...base(2, false), scale: s } });
  const big = base(3, true);
  big.X.fill(1e308);
  out.push({ what: 'X = 1e308 with residual', model: big });
  const v = base(4, false);
  for (const w of v.weights[0]!) w.V.fill(1e39);
  out.push({ what: 'V = 1e39', model: v });
  return out;
}

function largestMagnitude(model: TransformerModel, result: Float64Array): number {
  const ws = model.weights.flat();
  return Math.max(Math.abs(model.scale), maxAbs(model.X), maxAbs(result), ...ws.map((w) => Math.max(maxAbs(w.Q), maxAbs(w.K), maxAbs(w.V))));
}

function maxAbs(a: ArrayLike<number>): number {
  let x = 0;
  for (let i = 0; i < a.length; i++) x = Math.max(x, Math.abs(a[i]!));
  return x;
}

const cases = ENGINES.flatMap((entry) => entry.dtypes.map((dtype) => ({ name: entry.name, dtype, entry })));

describe.each(cases)('engine $name ($dtype) conforms', ({ name, dtype, entry }) => {
  const tol = toleranceOf(entry, dtype);
  let made: Promise<{ engine: Engine; fallbackReason?: string }> | undefined;
  const engine = async (): Promise<Engine | undefined> => {
    made ??= createEngine(name, dtype, { budget: BUDGET, options: optionsOf(entry) });
    const choice = await made;
    if (choice.fallbackReason) {
      // An optional engine that cannot start on this machine (e.g. onnxruntime-node not installed).
      console.warn(`skipping ${name} ${dtype}: ${choice.fallbackReason}`);
      return undefined;
    }
    return choice.engine;
  };
  afterAll(async () => {
    if (made) await (await made).engine.close?.();
  });

  it('declares itself completely (name, dtypes, summary, option schema, exact limit)', () => {
    expect(entry.name).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(entry.summary.length).toBeGreaterThan(10);
    expect(entry.summary).not.toContain('\n');
    expect(entry.dtypes.length).toBeGreaterThan(0);
    // Every option is optional: the engine runs with none given.
    expect(entry.options.safeParse({}).success).toBe(true);
    if (entry.kind === 'approximate') {
      expect(entry.options.safeParse(entry.exactLimit.options).success).toBe(true);
      expect(entry.exactLimit.tolerance).toBeGreaterThan(0);
    }
    expect(findEngine(name)).toBe(entry);
  });

  it('agrees with the reference engine on random transformers (layers, heads, MLP, residual)', async (ctx) => {
    const e = await engine();
    if (!e) return ctx.skip();
    await fc.assert(
      fc.asyncProperty(shapes, async (s) => {
        const model = modelOf(s);
        const got = await e.evaluate(model);
        const want = evaluateReference(model);
        expectClose(got.output, want.output, tol, `${name} ${dtype} on ${JSON.stringify(s)}`);
        expect(got.engine).toBe(name);
        expect(got.dtype).toBe(dtype);
        if (got.cost) {
          expect(Number.isFinite(got.cost.flops) && got.cost.flops >= 0).toBe(true);
          expect(Number.isFinite(got.cost.exps) && got.cost.exps >= 0).toBe(true);
          if (entry.kind === 'exact') expect(got.cost).toEqual(exactAttentionCost(model));
        }
      }),
      { numRuns: 30, seed: 9 },
    );
  });

  it('honours causal masking and grouped-query K/V (kvGroups), or refuses a causal model with a one-line UserError', async (ctx) => {
    const e = await engine();
    if (!e) return ctx.skip();
    await fc.assert(
      fc.asyncProperty(shapes, fc.boolean(), fc.constantFrom(1, 2, 3), async (s, causal, groups) => {
        // heads = a multiple of the group count, so that kvGroups divides it.
        const heads = groups * (1 + (s.heads % 2));
        const model = randomTransformer(makeRng(s.seed), {
          tokens: s.tokens,
          width: s.width,
          layers: s.layers,
          heads,
          residual: s.residual,
          hidden: s.hidden,
          scale: 1 / Math.sqrt(s.width),
          qkSpread: 0.6,
          valueSpread: 0.5,
          mlpSpread: 0.5,
          kvGroups: groups,
          ...(causal ? { causal } : {}),
        });
        const want = evaluateReference(model);
        const got = await e.evaluate(model).catch((err: unknown) => err);
        if (got instanceof Error) {
          // Refusing is allowed for causal models only, and only as a one-line user error.
          expect(causal, `${name} refused a non-causal GQA model: ${got.message}`).toBe(true);
          expect(got).toBeInstanceOf(UserError);
          expect(got.message).toMatch(/causal/);
          expect(got.message).not.toContain('\n');
          return;
        }
        if (!(got && typeof got === 'object' && 'output' in got && got.output instanceof Float64Array)) throw new Error('no output');
        expectClose(got.output, want.output, tol, `${name} ${dtype} causal=${causal} kvGroups=${groups} on ${JSON.stringify(s)}`);
      }),
      { numRuns: 20, seed: 12 },
    );
  });

  it("returns every head's output, each agreeing with the reference", async (ctx) => {
    const e = await engine();
    if (!e) return ctx.skip();
    for (const seed of [1, 2]) {
      const model = modelOf({ tokens: 17, width: 5, layers: 2, heads: 3, residual: seed === 1, hidden: seed === 1 ? 4 : 0, seed });
      const got = await e.evaluate(model, { perHead: true });
      const want = evaluateReference(model, { perHead: true });
      expect(got.perHead?.length).toBe(model.layers);
      for (let l = 0; l < model.layers; l++) {
        expect(got.perHead![l]!.length).toBe(model.heads);
        for (let h = 0; h < model.heads; h++) expectClose(got.perHead![l]![h]!, want.perHead![l]![h]!, tol, `head (${l}, ${h})`);
      }
      expectClose(got.output, want.output, tol, 'X_L with perHead');
    }
  });

  it('reports progress: (done, L·H) with done rising to L·H', async (ctx) => {
    const e = await engine();
    if (!e) return ctx.skip();
    const model = modelOf({ tokens: 9, width: 3, layers: 3, heads: 2, residual: true, hidden: 0, seed: 3 });
    const seen: [number, number][] = [];
    await e.evaluate(model, { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.length).toBeGreaterThan(0);
    for (const [, total] of seen) expect(total).toBe(6);
    for (let i = 1; i < seen.length; i++) expect(seen[i]![0]).toBeGreaterThan(seen[i - 1]![0]);
    expect(seen[seen.length - 1]![0]).toBe(6);
  });

  it('honours the memory budget it is made with: a tiny budget refuses or computes correctly; --force computes', async (ctx) => {
    if (!(await engine())) return ctx.skip();
    const model = modelOf({ tokens: 12, width: 4, layers: 1, heads: 2, residual: true, hidden: 0, seed: 4 });
    const want = evaluateReference(model);
    for (const force of [false, true]) {
      const budget: MemoryBudget = { limitBytes: 1, force };
      const choice = await createEngine(name, dtype, { budget, options: optionsOf(entry) });
      try {
        const r = await choice.engine.evaluate(model).catch((err: unknown) => err);
        if (r instanceof Error) {
          expect(force, `refused under --force: ${r.message}`).toBe(false);
          expect(r).toBeInstanceOf(UserError);
          expect(r.message).toMatch(/refusing .*--force/);
        } else if (r && typeof r === 'object' && 'output' in r && r.output instanceof Float64Array) {
          expectClose(r.output, want.output, tol, `budget force=${force}`);
        } else throw new Error(`unexpected result ${String(r)}`);
      } finally {
        await choice.engine.close?.();
      }
    }
  });

  it('degenerate models: close to the reference, or a NonFiniteError naming layer, head and row; never a silent NaN', async (ctx) => {
    const e = await engine();
    if (!e) return ctx.skip();
    for (const { what, model } of degenerateModels()) {
      const want = evaluateReference(model).output;
      const refFinite = want.every(Number.isFinite);
      let got: Float64Array | undefined;
      try {
        got = (await e.evaluate(model)).output;
      } catch (err) {
        if (!(err instanceof NonFiniteError)) throw err;
        expect(err.exitCode).toBe(1);
        expect(err.message, what).toMatch(/layer \d+(, head \d+)?, row \d+|at row \d+, column \d+, after layer \d+|the scale is|X\[\d+\]\[\d+\] is/);
        // An approximate engine may refuse any degenerate model (its approximation of exp has no
        // guarantee at scale 1e300); it must do so this way, never with a silent NaN.
        // An exact engine may refuse only where products of the model's entries overflow its dtype
        // (entries, scale or result above √max: 1e150 in f64, 1e19 in f32); the order of its
        // multiplications may differ from the reference's.
        if (refFinite && entry.kind === 'exact') expect(largestMagnitude(model, want) > (dtype === 'f32' ? 1e19 : 1e150), `${what}: ${err.message}`).toBe(true);
        continue;
      }
      if (entry.kind === 'approximate') {
        expect(got.every(Number.isFinite), what).toBe(true);
        continue;
      }
      expect(refFinite, `${what}: the reference is non-finite, ${name} returned numbers`).toBe(true);
      expect(got.every(Number.isFinite), what).toBe(true);
      expectClose(got, want, tol, what);
    }
  });

  // Above the wasm engine's inline threshold (2·10⁷ flops), so that its workers run too.
  it('a process that evaluates and never closes the engine still exits (idle threads, workers and children do not hold it)', () => {
    const dist = (path: string): string => JSON.stringify(join(PROJECT_ROOT, 'dist', 'src', path));
    const script = `
      import { createEngine } from ${dist('engine/registry.js')};
      import { defaultBudget } from ${dist('memory.js')};
      const choice = await createEngine(${JSON.stringify(name)}, ${JSON.stringify(dtype)}, { budget: defaultBudget(), options: ${JSON.stringify(optionsOf(entry))} });
      const n = 1100, m = 4;
      const X = Float64Array.from({ length: n * m }, (_, i) => (i % 7) - 3);
      const I = Float64Array.from({ length: m * m }, (_, i) => (i % (m + 1) === 0 ? 1 : 0));
      const r = await choice.engine.evaluate({ kind: 'transformer', tokens: n, width: m, layers: 2, heads: 2, scale: 0.1, residual: true, X,
        weights: [0, 1].map(() => [0, 1].map(() => ({ Q: I, K: I, V: I }))), mlp: [null, null], annotations: {} });
      console.log(choice.fallbackReason ? 'fell back' : 'done', r.output.length);
    `;
    const dir = mkdtempSync(join(tmpdir(), 'seth-forget-close-'));
    const file = join(dir, 'forget-close.mjs');
    writeFileSync(file, script);
    const res = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(res.signal, `${name} ${dtype}: the process had to be killed`).toBeNull();
    expect(res.stderr).toBe('');
    expect(res.stdout.trim()).toMatch(/^(done|fell back) 4400$/);
    expect(res.status).toBe(0);
  }, 150_000);

  it('closes cleanly, more than once', async () => {
    const choice = await createEngine(name, dtype, { budget: BUDGET, options: optionsOf(entry) });
    await choice.engine.close?.();
    await expect(choice.engine.close?.() ?? Promise.resolve()).resolves.toBeUndefined();
  });

  it('rejects bad input with a one-line UserError: unknown option, malformed pair, unsupported dtype', async () => {
    const tryCreate = (options: readonly string[] | Record<string, unknown>, d: DType = dtype) =>
      createEngine(name, d, { budget: BUDGET, options }).then(
        () => undefined,
        (err: unknown) => err,
      );
    const unknown = await tryCreate(['no-such-option=1']);
    expect(unknown).toBeInstanceOf(UserError);
    expect((unknown as Error).message).toContain(`engine "${name}" has no option "no-such-option"`);
    const object = await tryCreate({ 'no-such-option': 1 });
    expect(object).toBeInstanceOf(UserError);
    expect((object as Error).message).not.toContain('\n');
    const malformed = await tryCreate(['novalue']);
    expect((malformed as Error).message).toMatch(/expected key=value/);
    for (const d of (['f64', 'f32'] as const).filter((x) => !entry.dtypes.includes(x))) {
      const bad = await tryCreate({}, d);
      expect(bad).toBeInstanceOf(UserError);
      expect((bad as Error).message).toContain(`does not compute in ${d}`);
    }
  });
});

describe('engine options on the command line (--engine-opt key=value)', () => {
  it('reads numbers, booleans and strings as the schema wants, and validates them', () => {
    const wasm = findEngine('wasm');
    expect(validateEngineOptions(wasm, parseEngineOptions(wasm, ['threads=3', 'variant=plain']))).toEqual({ threads: 3, variant: 'plain' });
    expect(() => validateEngineOptions(wasm, parseEngineOptions(wasm, ['threads=0']))).toThrow(/engine "wasm": option --engine-opt threads: /);
    expect(() => validateEngineOptions(wasm, parseEngineOptions(wasm, ['threads=many']))).toThrow(/--engine-opt threads/);
    expect(() => validateEngineOptions(wasm, parseEngineOptions(wasm, ['variant=fast']))).toThrow(/--engine-opt variant/);
  });

  it('an unknown engine name lists the registered ones', () => {
    expect(() => findEngine('nope')).toThrow(new RegExp(`expected one of: ${ENGINES.map((e) => e.name).join(', ')}`));
  });
});
