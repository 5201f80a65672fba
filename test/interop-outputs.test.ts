import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateReference } from '../src/engine/reference.js';
import { readNpy, writeNpy } from '../src/formats/npy.js';
import { modelFromSafetensors } from '../src/formats/transformer-tensors.js';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.js';
import { OUTPUT_FORMAT, loadOutput, modelFingerprint, sidecarPath, validateOutput, writeOutputNpy } from '../src/formats/tensor-output.js';
import { modelToJson, type TransformerModel } from '../src/problems/transformer.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { makeRng } from '../src/rng.js';
import { makeProvenance } from '../src/provenance.js';
import { userError } from './helpers/errors.js';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'seth-interop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeModel(seed: number, n = 6, m = 3, L = 2, H = 2, mlp = true): TransformerModel {
  const model = randomTransformer(makeRng(seed), {
    tokens: n,
    width: m,
    layers: L,
    heads: H,
    scale: 0.75,
    residual: true,
    hidden: mlp ? 4 : 0,
    qkSpread: 0.5,
    valueSpread: 0.5,
    inputSpread: 0.5,
    mlpSpread: 0.5,
  });
  return { ...model, annotations: { beta: 2 }, provenance: makeProvenance('test-family', seed, { n, m }, undefined, `test ${seed}`) };
}

function seth(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'bin/seth.js'), ...args], { encoding: 'utf8' });
}

/** Write the instance as JSON the way `seth` files look (provenance included). */
function instanceFile(model: TransformerModel, name: string): string {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(modelToJson(model)));
  return p;
}

describe('outputs computed elsewhere: loaded and checked against the instance', () => {
  const model = makeModel(1);
  const ref = evaluateReference(model).output;

  it('.npy with sidecar: fingerprint and provenance match', () => {
    const p = join(dir, 'xl.npy');
    writeOutputNpy(p, ref, model, { dtype: 'f32', computedBy: { engine: 'test' } });
    const side = JSON.parse(readFileSync(sidecarPath(p), 'utf8')) as Record<string, unknown>;
    expect(side.format).toBe(OUTPUT_FORMAT);
    expect(side.instance_fingerprint).toBe(modelFingerprint(model));
    const o = loadOutput(p, model);
    expect([o.format, o.dtype, o.fingerprint, o.provenance, o.sidecar]).toEqual(['npy', 'f32', 'matched', 'matched', sidecarPath(p)]);
    expect(o.computedBy).toEqual({ engine: 'test' });
    expect(o.output).toEqual(Float64Array.from(Float32Array.from(ref)));
  });

  it('.npy without sidecar: shape and finiteness only', () => {
    const p = join(dir, 'bare.npy');
    writeNpy(p, { shape: [6, 3], data: ref });
    const o = loadOutput(p, model);
    expect([o.fingerprint, o.provenance, o.sidecar]).toEqual(['absent', 'absent', undefined]);
    expect(o.output).toEqual(ref);
  });

  it('wrong shape, dtype, NaN are one-line user errors', () => {
    const p = join(dir, 'bad.npy');
    writeNpy(p, { shape: [3, 6], data: ref });
    expect(userError(() => loadOutput(p, model)).message).toMatch(/X_L has shape \[3, 6\], expected \[6, 3\]/);
    writeNpy(p, { shape: [1, 6, 3], data: ref });
    expect(userError(() => loadOutput(p, model)).message).toMatch(/drop the leading batch dimension/);
    writeNpy(p, { shape: [6, 3], data: new Int32Array(18) });
    expect(userError(() => loadOutput(p, model)).message).toMatch(/dtype i32, expected f32 or f64/);
    const withNaN = Float64Array.from(ref);
    withNaN[7] = NaN;
    writeNpy(p, { shape: [6, 3], data: withNaN });
    expect(userError(() => loadOutput(p, model)).message).toMatch(/X_L\[2\]\[1\] is NaN/);
    expect(userError(() => loadOutput(join(dir, 'x.pt'), model)).message).toMatch(/expected a \.npy, \.safetensors or \.json/);
  });

  it('an output of another instance is refused (fingerprint, then provenance)', () => {
    const other = makeModel(2);
    const p = join(dir, 'other.npy');
    writeOutputNpy(p, ref, other);
    expect(userError(() => loadOutput(p, model)).message).toMatch(/computed for a different instance \(instance fingerprint sha256:/);
    // Same content, different provenance (only provenance in the sidecar).
    writeNpy(p, { shape: [6, 3], data: ref });
    writeFileSync(sidecarPath(p), JSON.stringify({ format: OUTPUT_FORMAT, instance_provenance: other.provenance }));
    expect(userError(() => loadOutput(p, model)).message).toMatch(
      /different instance \(its provenance: test-family\(seed 2\); this instance: test-family\(seed 1\)\)/,
    );
    writeFileSync(sidecarPath(p), JSON.stringify({ format: 'something else' }));
    expect(userError(() => loadOutput(p, model)).message).toMatch(/bad output metadata \(field format/);
  });

  it('.json (bare array or {"X_L": …}) and .safetensors (tensor X_L, metadata strings)', () => {
    const rows = Array.from({ length: 6 }, (_, i) => Array.from(ref.subarray(3 * i, 3 * i + 3)));
    const j1 = join(dir, 'xl.json');
    writeFileSync(j1, JSON.stringify(rows));
    expect(loadOutput(j1, model).output).toEqual(ref);
    writeFileSync(j1, JSON.stringify({ X_L: rows, instance_fingerprint: modelFingerprint(model) }));
    expect(loadOutput(j1, model).fingerprint).toBe('matched');
    writeFileSync(
      j1,
      JSON.stringify([
        [1, 2, 3],
        [4, 5],
      ]),
    );
    expect(userError(() => loadOutput(j1, model)).message).toMatch(/row 1 of X_L has 2 entries, row 0 has 3/);
    const st = join(dir, 'xl.safetensors');
    writeSafetensors(st, [{ name: 'X_L', shape: [6, 3], data: ref }], {
      format: OUTPUT_FORMAT,
      instance_fingerprint: modelFingerprint(model),
      instance_provenance: JSON.stringify(model.provenance),
    });
    const o = loadOutput(st, model);
    expect([o.format, o.fingerprint, o.provenance]).toEqual(['safetensors', 'matched', 'matched']);
    expect(o.output).toEqual(ref);
  });

  it('seth eval output (JSON with its own provenance) is accepted and matched', () => {
    const inst = instanceFile(model, 'eval-inst.json');
    const out = join(dir, 'eval-out.json');
    const r = seth('eval', inst, '--engine', 'reference', '-o', out);
    expect(r.status, r.stderr).toBe(0);
    const o = loadOutput(out, model);
    expect([o.format, o.provenance]).toEqual(['json', 'matched']);
    expect(o.output).toEqual(ref);
    expect(userError(() => loadOutput(out, makeModel(4))).message).toMatch(/shape|different instance/);
  });

  it('validateOutput works on any loaded tensor', () => {
    const v = validateOutput({ dtype: 'f64', shape: [6, 3], data: ref }, model, 'mem');
    expect(v.output).toBe(ref);
    expect(() => validateOutput({ dtype: 'f64', shape: [6, 3], data: ref }, model, 'mem', { dtype: 'f32' })).toThrow(/metadata says dtype f32/);
  });

  it('the fingerprint ignores provenance and annotations but sees every weight', () => {
    const a = makeModel(5);
    const b = makeModel(5);
    b.provenance = undefined;
    expect(modelFingerprint(a)).toBe(modelFingerprint(b));
    b.mlp[1]!.b2[0] = 1e-300;
    expect(modelFingerprint(a)).not.toBe(modelFingerprint(b));
  });
});

describe('seth export --format safetensors | npy', () => {
  const model = makeModel(3);

  it('safetensors: the model comes back exactly (f64), with format, form, config, fingerprint, provenance', () => {
    const inst = instanceFile(model, 'inst3.json');
    const out = join(dir, 'm3.safetensors');
    const r = seth('export', inst, '--format', 'safetensors', '-o', out);
    expect(r.status, r.stderr).toBe(0);
    const file = readSafetensors(out);
    const back = modelFromSafetensors(file, out);
    expect(back.X).toEqual(model.X);
    expect(back.weights).toEqual(model.weights);
    expect(back.mlp).toEqual(model.mlp);
    expect(file.metadata.fingerprint).toBe(modelFingerprint(model));
    const prov = JSON.parse(file.metadata.provenance!) as { generator: string; command: string; from: { command: string } };
    expect(prov.generator).toBe('export');
    expect(prov.command).toMatch(/^seth export /);
    expect(prov.from.command).toBe('test 3');
  });

  it('npy: one file per tensor and a manifest', () => {
    const inst = instanceFile(model, 'inst3b.json');
    const out = join(dir, 'm3npy');
    const r = seth('export', inst, '--format', 'npy', '--dtype', 'f32', '-o', out);
    expect(r.status, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      format: string;
      form: string;
      fingerprint: string;
      tensors: Record<string, { file: string; shape: number[] }>;
    };
    expect(manifest.format).toBe('seth-workbench transformer v1');
    expect(manifest.form).toBe('sum-of-heads (W_O folded into W_V)');
    expect(manifest.fingerprint).toBe(modelFingerprint(model));
    expect(Object.keys(manifest.tensors).length).toBe(1 + 2 * 2 * 3 + 2 * 4);
    const wv = readNpy(join(out, manifest.tensors['layers.1.heads.0.W_V']!.file));
    expect(wv.dtype).toBe('f32');
    expect(wv.shape).toEqual([3, 3]);
    expect(wv.data).toEqual(Float32Array.from(model.weights[1]![0]!.V));
  });

  it('npy export into an existing file is refused', () => {
    const inst = instanceFile(model, 'inst3c.json');
    const r = seth('export', inst, '--format', 'npy', '-o', inst);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/exists and is not a folder/);
  });
});
