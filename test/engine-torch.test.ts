import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateReference } from '../src/engine/reference.js';
import { createEngine } from '../src/engine/registry.js';
import { defaultBudget } from '../src/memory.js';
import { TorchEngine, createTorchEngine, torchPython, torchUnavailable } from '../src/engine/torch.js';
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
    tokens: n, width: m, layers: L, heads: H, scale: 0.75, residual: true, hidden: 5,
    qkSpread: 0.6, valueSpread: 0.5, inputSpread: 0.5, mlpSpread: 0.5, ...variant,
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
      '-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', '3',
      '-m', 'seth_torch', 'm.safetensors', '-o', 'x.npy', '--device', 'cpu', '--dtype', 'bf16', '--quiet', '--threads', '1',
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
