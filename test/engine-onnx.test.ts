import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { attend, evaluateReference } from '../src/engine/reference.js';
import { createEngine } from '../src/engine/registry.js';
import { defaultBudget } from '../src/memory.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng } from '../src/rng.js';
import { createOnnxEngine, loadOrt, prepareOnnxAttention } from '../src/engine/onnx.js';
import type { Engine } from '../src/engine/types.js';
import { ONNX_IR_VERSION, ONNX_OPSET, buildOnnxModel, decodeOnnxModel, perHeadOutputName } from '../src/formats/onnx.js';
import { modelToJson, type TransformerModel } from '../src/problems/transformer.js';
import { makeProvenance } from '../src/provenance.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'seth-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let ortError: string | undefined;
try {
  await loadOrt();
} catch (e) {
  ortError = (e as Error).message;
  console.log(`engine-onnx: onnxruntime tests skipped: ${ortError}`);
}

interface Shape {
  n: number;
  m: number;
  L: number;
  H: number;
  residual: boolean;
  mlp: boolean;
  scale: number;
  seed: number;
  amp: number;
}

function makeModel(s: Shape): TransformerModel {
  // Entries uniform in ±amp/2.
  const spread = s.amp / 2;
  return randomTransformer(makeRng(s.seed), {
    tokens: s.n,
    width: s.m,
    layers: s.L,
    heads: s.H,
    scale: s.scale,
    residual: s.residual,
    hidden: s.mlp ? 3 : 0,
    qkSpread: spread,
    valueSpread: spread,
    inputSpread: spread,
    mlpSpread: spread,
  });
}

const shapeArb: fc.Arbitrary<Shape> = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  m: fc.integer({ min: 1, max: 6 }),
  L: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 3 }),
  residual: fc.boolean(),
  mlp: fc.boolean(),
  scale: fc.constantFrom(1, 0.5, 0.125, 2),
  seed: fc.integer(),
  amp: fc.constantFrom(1, 2),
});

/** max |a − b| / (1 + max |b|): a relative error that tolerates outputs near 0. */
function relErr(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let big = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    big = Math.max(big, Math.abs(b[i]!));
  }
  return err / (1 + big);
}

const F32_TOL = 2e-5;
const F64_TOL = 1e-12;

describe('ONNX export: a standard ModelProto', () => {
  it('states IR version and opset, input X, output X_L, weights as initializers, only standard ops', () => {
    const model = makeModel({ n: 4, m: 3, L: 2, H: 2, residual: true, mlp: true, scale: 0.5, seed: 1, amp: 1 });
    for (const heads of ['batched', 'separate'] as const) {
      const proto = decodeOnnxModel(buildOnnxModel(model, { heads, metadata: { fingerprint: 'sha256:abc' } }));
      expect(Number(proto.irVersion)).toBe(ONNX_IR_VERSION);
      expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
      const g = proto.graph!;
      const input = g.input ?? [];
      const node = g.node ?? [];
      expect(input.map((i) => i.name)).toEqual(['X']);
      expect(input[0]!.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))).toEqual([4, 3]);
      expect(input[0]!.type!.tensorType!.elemType).toBe(1); // FLOAT
      expect((g.output ?? []).map((o) => o.name)).toEqual(['X_L']);
      const ops = new Set(node.map((n) => n.opType));
      for (const op of ops) expect(['MatMul', 'Transpose', 'Mul', 'Softmax', 'ReduceSum', 'Reshape', 'Add', 'Identity', 'Relu']).toContain(op);
      expect(ops.has('Softmax') && ops.has('Mul') && ops.has('MatMul')).toBe(true);
      expect(node.every((n) => !n.domain)).toBe(true);
      const inits = (g.initializer ?? []).map((t) => t.name);
      if (heads === 'batched') expect(inits).toContain('layers.1.W_Q');
      else expect(inits).toContain('layers.1.heads.1.W_V');
      expect(inits).toContain('layers.0.mlp.W2');
      const md = Object.fromEntries(proto.metadataProps.map((p): [string, string | null | undefined] => [p.key ?? '', p.value]));
      expect(md.form).toBe('sum-of-heads (W_O folded into W_V)');
      expect(md.fingerprint).toBe('sha256:abc');
      expect(proto.docString).toMatch(/sum-of-heads/);
    }
    const f64 = decodeOnnxModel(buildOnnxModel(model, { dtype: 'f64' }));
    expect(f64.graph!.input![0]!.type!.tensorType!.elemType).toBe(11); // DOUBLE
    expect(f64.graph!.initializer!.find((t) => t.name === 'layers.0.W_Q')!.rawData!.length).toBe(2 * 9 * 8);
  });
});

describe.skipIf(ortError !== undefined)('onnxruntime-node evaluates the exported model like the reference engine', () => {
  let f32: Engine;
  let f64: Engine;
  afterAll(async () => {
    await f32?.close?.();
    await f64?.close?.();
  });

  it('random models, both head layouts, f32 and f64 (property)', async () => {
    const ort = await loadOrt();
    await fc.assert(
      fc.asyncProperty(shapeArb, fc.constantFrom('batched' as const, 'separate' as const), async (s, heads) => {
        const model = makeModel(s);
        const ref = evaluateReference(model).output;
        for (const dtype of ['f32', 'f64'] as const) {
          const session = await ort.InferenceSession.create(buildOnnxModel(model, { dtype, heads }), {
            graphOptimizationLevel: dtype === 'f32' ? 'all' : 'basic',
          });
          const X = dtype === 'f32' ? Float32Array.from(model.X) : Float64Array.from(model.X);
          const out = await session.run({ X: new ort.Tensor(dtype === 'f32' ? 'float32' : 'float64', X, [s.n, s.m]) });
          const got = Float64Array.from(out.X_L!.data as Float32Array | Float64Array);
          await session.release();
          expect(relErr(got, ref)).toBeLessThan(dtype === 'f32' ? F32_TOL : F64_TOL);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the engine (f32, f64) agrees with the reference engine, per head too', async () => {
    f32 = await createOnnxEngine('f32');
    f64 = await createOnnxEngine('f64');
    expect([f32.name, f32.dtype, f64.dtype]).toEqual(['onnx', 'f32', 'f64']);
    await fc.assert(
      fc.asyncProperty(shapeArb, async (s) => {
        const model = makeModel(s);
        const ref = evaluateReference(model, { perHead: true });
        for (const [engine, tol] of [
          [f32, F32_TOL],
          [f64, F64_TOL],
        ] as const) {
          const r = await engine.evaluate(model, { perHead: true });
          expect(r.engine).toBe('onnx');
          expect(r.output).toBeInstanceOf(Float64Array);
          expect(relErr(r.output, ref.output)).toBeLessThan(tol);
          expect(r.perHead!.length).toBe(s.L);
          for (let l = 0; l < s.L; l++) for (let h = 0; h < s.H; h++) expect(relErr(r.perHead![l]![h]!, ref.perHead![l]![h]!)).toBeLessThan(tol);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('softmax is stable: huge scores give finite, correct outputs', async () => {
    const model = makeModel({ n: 6, m: 3, L: 1, H: 2, residual: false, mlp: false, scale: 1, seed: 3, amp: 60 });
    const ref = evaluateReference(model).output;
    const r = await f32.evaluate(model);
    expect(r.output.every(Number.isFinite)).toBe(true);
    expect(relErr(r.output, ref)).toBeLessThan(1e-4);
  });

  it('cached sessions follow changes to X and to the weights', async () => {
    const model = makeModel({ n: 5, m: 3, L: 2, H: 2, residual: true, mlp: false, scale: 1, seed: 9, amp: 1 });
    const a = await f64.evaluate(model);
    expect(relErr(a.output, evaluateReference(model).output)).toBeLessThan(F64_TOL);
    model.X[0] = 3;
    const b = await f64.evaluate(model);
    expect(relErr(b.output, evaluateReference(model).output)).toBeLessThan(F64_TOL);
    model.weights[1]![0]!.V[2] = -4;
    const c = await f64.evaluate(model);
    expect(relErr(c.output, evaluateReference(model).output)).toBeLessThan(F64_TOL);
    expect(relErr(c.output, b.output)).toBeGreaterThan(1e-6);
  });

  it('the registry makes it without falling back; progress is reported', async () => {
    const choice = await createEngine('onnx', 'f32', { budget: defaultBudget() });
    expect(choice.fallbackReason).toBeUndefined();
    expect(choice.engine.name).toBe('onnx');
    const calls: [number, number][] = [];
    await choice.engine.evaluate(makeModel({ n: 2, m: 2, L: 2, H: 3, residual: true, mlp: false, scale: 1, seed: 1, amp: 1 }), {
      onProgress: (d, t) => calls.push([d, t]),
    });
    expect(calls.at(-1)).toEqual([6, 6]);
    await choice.engine.close?.();
  });

  it('prepareOnnxAttention (the bench entry point) computes softmax(s·QKᵀ)V per head', async () => {
    for (const dtype of ['f32', 'f64'] as const) {
      const [n, d, scale] = [37, 5, 0.4];
      let x = 17;
      const r = (): Float64Array => Float64Array.from({ length: n * d }, () => (x = (x * 69069 + 1) >>> 0) / 2 ** 31 - 1);
      const heads = [0, 1, 2].map(() => ({ Q: r(), K: r(), V: r() }));
      const p = await prepareOnnxAttention({ tokens: n, dim: d, scale, heads }, dtype);
      await p.run();
      const out = p.read();
      expect(out.length).toBe(3);
      heads.forEach((h, t) => expect(relErr(out[t]!, attend(h.Q, h.K, h.V, n, n, d, d, scale))).toBeLessThan(dtype === 'f32' ? F32_TOL : F64_TOL));
      await p.release();
    }
  });

  it('per-head outputs of the batched graph are named layers.L.heads', () => {
    expect(perHeadOutputName(2)).toBe('layers.2.heads');
    expect(perHeadOutputName(0, 1)).toBe('layers.0.heads.1');
  });

  it('seth export --format onnx writes a file onnxruntime runs', async () => {
    const model = makeModel({ n: 7, m: 4, L: 2, H: 2, residual: true, mlp: true, scale: 0.7, seed: 11, amp: 1 });
    model.provenance = makeProvenance('test', 11, {}, undefined, 'test');
    const inst = join(dir, 'inst.json');
    writeFileSync(inst, JSON.stringify(modelToJson(model)));
    const out = join(dir, 'model.onnx');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/seth.js'), 'export', inst, '--format', 'onnx', '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/opset 17/);
    const ort = await loadOrt();
    const session = await ort.InferenceSession.create(readFileSync(out));
    const res = await session.run({ X: new ort.Tensor('float32', Float32Array.from(model.X), [7, 4]) });
    expect(relErr(Float64Array.from(res.X_L!.data as Float32Array), evaluateReference(model).output)).toBeLessThan(F32_TOL);
    await session.release();
    const proto = decodeOnnxModel(readFileSync(out));
    const md = Object.fromEntries(proto.metadataProps.map((p): [string, string | null | undefined] => [p.key ?? '', p.value]));
    expect(JSON.parse(md.provenance ?? 'null')).toMatchObject({ from: { generator: 'test' } });
    expect(md.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('seth export: usage errors exit 2 with one line', () => {
  it.each([
    ['unknown format', ['--format', 'pt', '-o', 'x'], /format|Invalid values/],
    ['missing -o', ['--format', 'onnx'], /\bo\b/],
  ])('%s', (_label, extra, pattern) => {
    const model = makeModel({ n: 2, m: 2, L: 1, H: 1, residual: true, mlp: false, scale: 1, seed: 1, amp: 1 });
    const inst = join(dir, 'u.json');
    writeFileSync(inst, JSON.stringify(modelToJson(model)));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/seth.js'), 'export', inst, ...extra], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/Unknown argument/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a non-transformer instance is refused', () => {
    const inst = join(dir, 'ov.json');
    writeFileSync(inst, JSON.stringify({ problem: 'ov', dim: 2, A: ['01'], B: ['10'] }));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/seth.js'), 'export', inst, '--format', 'onnx', '-o', join(dir, 'x.onnx')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/export needs a transformer or attention instance/);
  });
});
