import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NonFiniteError } from '../src/engine/finite.js';
import { evaluateReference } from '../src/engine/reference.js';
import { createEngine } from '../src/engine/registry.js';
import { defaultBudget } from '../src/memory.js';
import { TorchEngine, createTorchEngine, torchPython, torchUnavailable } from '../src/engine/torch.js';
import { writeNpy, readNpy } from '../src/formats/npy.js';
import { loadOutput } from '../src/formats/tensor-output.js';
import { modelToJson, type TransformerModel } from '../src/problems/transformer.js';
import { makeProvenance } from '../src/provenance.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';

/**
 * The torch engine and python/seth_torch against the reference engine. Needs a Python with torch,
 * numpy and safetensors ($SETH_PYTHON, or the project's .venv): where there is none the tests skip
 * with the reason, except under CI (CI set), where a missing PyTorch is a failure.
 */

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'seth-torch-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const python = torchPython();
const missing = torchUnavailable(python);
const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (missing && !inCi) console.log(`engine-torch: skipped (${missing})`);

function makeModel(seed: number, n = 9, m = 4, L = 2, H = 3, variant: { causal?: boolean; kvGroups?: number } = {}): TransformerModel {
  const model = randomTransformer(makeRng(seed), {
    tokens: n,
    width: m,
    layers: L,
    heads: H,
    scale: 0.75,
    residual: true,
    hidden: 5,
    qkSpread: 0.6,
    valueSpread: 0.5,
    inputSpread: 0.5,
    mlpSpread: 0.5,
    ...variant,
  });
  return { ...model, provenance: makeProvenance('test-family', seed, { n, m }, undefined, `test ${seed}`) };
}

function seth(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'bin/seth.js'), ...args], { encoding: 'utf8', env: { ...process.env, SETH_PYTHON: python } });
}

function runPython(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(ROOT, 'python') }, timeout: 600_000 });
}

function maxRelErr(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return err / scale;
}

function exportModel(model: TransformerModel, name: string, format = 'safetensors', extra: string[] = []): { inst: string; file: string } {
  const inst = join(dir, `${name}.json`);
  writeFileSync(inst, JSON.stringify(modelToJson(model)));
  const file = join(dir, `${name}.${format === 'onnx' ? 'onnx' : 'safetensors'}`);
  const r = seth('export', inst, '--format', format, '-o', file, ...extra);
  expect(r.status, r.stderr).toBe(0);
  return { inst, file };
}

describe('torch engine: availability', () => {
  it.runIf(inCi)('PyTorch is present under CI (a missing torch fails here instead of skipping)', () => {
    expect(missing).toBeUndefined();
  });

  it('an interpreter that cannot start is a clear one-line reason', async () => {
    const saved = process.env.SETH_PYTHON;
    process.env.SETH_PYTHON = join(dir, 'no-such-python');
    try {
      await expect(createTorchEngine('f64')).rejects.toThrow(/^cannot run the Python interpreter .*no-such-python .*set SETH_PYTHON/);
    } finally {
      if (saved === undefined) delete process.env.SETH_PYTHON;
      else process.env.SETH_PYTHON = saved;
    }
  });

  it('the launcher and options become the subprocess command', () => {
    const e = new TorchEngine('f32', { device: 'cpu', processes: 3, tf32: false, precision: 'bf16', threads: 1 }, 'python3');
    expect(e.commandArgs('m.safetensors', 'x.npy')).toEqual([
      '-m',
      'torch.distributed.run',
      '--standalone',
      '--nproc-per-node',
      '3',
      '-m',
      'seth_torch',
      'm.safetensors',
      '-o',
      'x.npy',
      '--device',
      'cpu',
      '--dtype',
      'bf16',
      '--score-memory',
      '256',
      '--threads',
      '1',
      '--quiet',
    ]);
    expect(e.evalArgs('m', 'x', 'h')).toEqual([
      'm',
      '-o',
      'x',
      '--device',
      'cpu',
      '--dtype',
      'bf16',
      '--score-memory',
      '256',
      '--threads',
      '1',
      '--heads-output',
      'h',
    ]);
  });
});

describe.skipIf(missing !== undefined)('torch engine and python -m seth_torch against the reference engine', () => {
  for (const dtype of ['f64', 'f32'] as const) {
    it(`python -m seth_torch on a seth export (${dtype}): seth reads X_L, fingerprint and provenance match`, () => {
      const model = makeModel(7);
      const { file } = exportModel(model, `cli-${dtype}`);
      const out = join(dir, `cli-${dtype}.npy`);
      const r = runPython(['-m', 'seth_torch', file, '-o', out, '--device', 'cpu', '--dtype', dtype]);
      expect(r.status, r.stderr).toBe(0);
      const o = loadOutput(out, model);
      expect([o.dtype, o.fingerprint, o.provenance]).toEqual([dtype, 'matched', 'matched']);
      expect(o.computedBy?.op).toBe('torch.nn.functional.scaled_dot_product_attention');
      expect(maxRelErr(o.output, evaluateReference(model).output)).toBeLessThan(dtype === 'f64' ? 1e-12 : 1e-5);
    });
  }

  it('the registered engine (f64, one process) equals the reference engine', async () => {
    const { engine, fallbackReason } = await createEngine('torch', 'f64', { budget: defaultBudget() });
    expect(fallbackReason).toBeUndefined();
    const model = makeModel(8, 10, 3, 2, 2);
    const r = await engine.evaluate(model);
    expect([r.engine, r.dtype]).toEqual(['torch', 'f64']);
    expect(maxRelErr(r.output, evaluateReference(model).output)).toBeLessThan(1e-12);
    // The model variants: causal masking and heads sharing K/V projections.
    const variant = makeModel(10, 10, 3, 2, 4, { causal: true, kvGroups: 2 });
    expect(maxRelErr((await engine.evaluate(variant)).output, evaluateReference(variant).output)).toBeLessThan(1e-12);
    await engine.close?.();
  });

  it('sharded over 2 and 3 CPU processes (torch.distributed, gloo): the same X_L as the reference engine', { timeout: 600_000 }, async () => {
    const model = makeModel(9, 8, 4, 2, 2); // 2 ranks: one head each; 3 ranks: query rows split
    const ref = evaluateReference(model).output;
    for (const processes of [2, 3]) {
      const engine = await createTorchEngine('f64', { processes });
      const r = await engine.evaluate(model);
      expect(maxRelErr(r.output, ref), `${processes} processes`).toBeLessThan(1e-12);
    }
  });

  it('sharded over 2 processes, a model whose logits overflow is a NonFiniteError naming layer, head and row', { timeout: 600_000 }, async () => {
    const model = makeModel(9, 8, 4, 2, 2);
    for (const w of model.weights[0]!) {
      w.Q.fill(1e300);
      w.K.fill(1e300);
    }
    const engine = await createTorchEngine('f64', { processes: 2 });
    const err = await engine.evaluate(model).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NonFiniteError);
    expect(String(err)).toMatch(/layer 1, head \d+, row \d+/);
  });

  it('seth check --engine torch decides a SAT instance and confirms it against the oracle', () => {
    const r = seth('check', join(ROOT, 'instances', 'tiny-sat.cnf'), '-L', '2', '-H', '2', '--engine', 'torch', '--dtype', 'f32');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/answer\s+SAT/);
    expect(r.stdout).toMatch(/oracle\s+SAT .*✓ agree/);
    expect(r.stderr).not.toMatch(/unavailable|using the reference engine/);
  });

  it('bad input reaches the workbench as one line with exit 2', () => {
    const file = join(dir, 'not-a-model.safetensors');
    writeFileSync(file, Buffer.alloc(16, 0xff));
    const r = runPython(['-m', 'seth_torch', file, '-o', join(dir, 'never.npy')]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^seth_torch: .*not-a-model\.safetensors: not a valid safetensors file/);
  });
});

const hasOrt = missing === undefined && spawnSync(python, ['-c', 'import onnxruntime'], { encoding: 'utf8' }).status === 0;

describe.skipIf(missing !== undefined)('stock modules: seth export --format torch-mha, and the ONNX export in Python onnxruntime', () => {
  for (const [dtype, tol] of [
    ['f64', 1e-12],
    ['f32', 1e-5],
  ] as const) {
    it(`L unmodified nn.MultiheadAttention layers + residual reproduce X_L (${dtype})`, () => {
      const model = makeModel(21, 8, 3, 2, 3, { kvGroups: 1 });
      const { file } = exportModel(model, `mha-${dtype}`, 'torch-mha', ['--dtype', dtype]);
      // The module is stock: every attention is torch.nn.MultiheadAttention (batch_first), and the
      // file is exactly its state_dict.
      const probe = runPython([
        '-c',
        [
          'import sys, torch, seth_torch',
          'from safetensors import safe_open',
          'm = seth_torch.load_mha(sys.argv[1])',
          'assert all(type(b.attn) is torch.nn.MultiheadAttention and b.attn.batch_first for b in m.blocks)',
          'keys = set(safe_open(sys.argv[1], "pt").keys())',
          'assert keys == set(m.state_dict()), (keys ^ set(m.state_dict()))',
          'print(m.blocks[0].attn.embed_dim, m.blocks[0].attn.num_heads)',
        ].join('\n'),
        file,
      ]);
      expect(probe.status, probe.stderr).toBe(0);
      expect(probe.stdout.trim()).toBe('9 3');
      const out = join(dir, `mha-${dtype}.npy`);
      const r = runPython(['-m', 'seth_torch', file, '-o', out, '--device', 'cpu', '--dtype', dtype]);
      expect(r.status, r.stderr).toBe(0);
      const o = loadOutput(out, model);
      expect([o.fingerprint, o.provenance, o.computedBy?.op]).toEqual(['matched', 'matched', 'torch.nn.MultiheadAttention']);
      expect(maxRelErr(o.output, evaluateReference(model).output)).toBeLessThan(tol);
    });
  }

  it('a causal model: the stock module with a causal mask', () => {
    const model = makeModel(22, 7, 3, 2, 2, { causal: true });
    const { file } = exportModel(model, 'mha-causal', 'torch-mha');
    const out = join(dir, 'mha-causal.npy');
    const r = runPython(['-m', 'seth_torch', file, '-o', out, '--device', 'cpu', '--dtype', 'f64']);
    expect(r.status, r.stderr).toBe(0);
    expect(maxRelErr(loadOutput(out, model).output, evaluateReference(model).output)).toBeLessThan(1e-12);
  });

  it.runIf(hasOrt || inCi)('the ONNX export (f64 and f32) in Python onnxruntime equals the reference engine', () => {
    const model = makeModel(23, 8, 4, 2, 2);
    const ref = evaluateReference(model).output;
    const x = join(dir, 'onnx-X.npy');
    writeNpy(x, { shape: [model.tokens, model.width], data: model.X });
    for (const [dtype, tol] of [
      ['f64', 1e-12],
      ['f32', 1e-5],
    ] as const) {
      const { file } = exportModel(model, `ort-${dtype}`, 'onnx', ['--dtype', dtype]);
      const out = join(dir, `ort-${dtype}.npy`);
      const r = runPython([
        '-c',
        [
          'import sys, numpy as np, onnxruntime as ort',
          's = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])',
          'x = np.load(sys.argv[2]).astype(np.float64 if sys.argv[4] == "f64" else np.float32)',
          'np.save(sys.argv[3], s.run(["X_L"], {"X": x})[0].astype(np.float64))',
        ].join('\n'),
        file,
        x,
        out,
        dtype,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const got = readNpy(out).data;
      expect(maxRelErr(Float64Array.from(got), ref), dtype).toBeLessThan(tol);
    }
  });
});
