/**
 * Every file the workbench writes is read back: `seth info` describes it and `seth check` checks
 * it on its own (models through their recorded source, rebuilt and compared with the file before
 * anything is decoded; outputs through the instance they record).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../src/formats/safetensors.js';
import { expectOk, expectUserError, newTmp, seth } from './helpers/cli.js';

interface Info {
  problem: string;
  file?: string;
  dtype?: string;
  perHeadShape?: number[];
  instance_fingerprint?: string;
}

describe('round trips: seth info and seth check accept what seth writes', () => {
  let dir = '';
  const files = ['m.onnx', 'm64.onnx', 'm.safetensors', 'm32.safetensors', 'npy', 'XL.json', 'XL.npy', 'XL.safetensors'];
  beforeAll(async () => {
    dir = newTmp('roundtrip');
    const run = (...a: string[]) => seth(a, { cwd: dir });
    expectOk(expect, await run('gen', 'ksat', '--vars', '10', '--clauses', '36', '--planted', '--seed', '2', '-o', 'f.cnf'));
    expectOk(expect, await run('reduce', 'f.cnf', '-L', '2', '-H', '2', '-o', 'm.json'));
    const made = await Promise.all([
      run('export', 'm.json', '--format', 'onnx', '-o', 'm.onnx'),
      run('export', 'm.json', '--format', 'onnx', '--dtype', 'f64', '--heads', 'separate', '-o', 'm64.onnx'),
      run('export', 'm.json', '--format', 'safetensors', '-o', 'm.safetensors'),
      run('export', 'm.json', '--format', 'safetensors', '--dtype', 'f32', '-o', 'm32.safetensors'),
      run('export', 'm.json', '--format', 'npy', '-o', 'npy'),
      run('eval', 'm.json', '--per-head', '-o', 'XL.json'),
      run('eval', 'm.json', '--per-head', '-o', 'XL.npy'),
      run('eval', 'm.json', '--dtype', 'f32', '--per-head', '-o', 'XL.safetensors'),
    ]);
    for (const r of made) expectOk(expect, r);
  }, 180_000);

  it.each(files)('seth info %s', async (f) => {
    const r = await seth(['info', f, '--json'], { cwd: dir });
    expectOk(expect, r);
    const info = JSON.parse(r.stdout) as Info;
    if (f.startsWith('XL')) {
      expect(info.problem).toBe('transformer-output');
      expect(info.perHeadShape?.slice(0, 2)).toEqual([2, 2]);
      expect(info.instance_fingerprint).toMatch(/^sha256:/);
    } else {
      expect(info.problem).toBe('transformer');
      expect(info.file).toBe(f.endsWith('.onnx') ? 'onnx' : f.endsWith('.safetensors') ? 'safetensors' : 'npy folder');
    }
  });

  it.each(files)('seth check %s decides the source it records, and agrees', async (f) => {
    const r = await seth(['check', f, '--json'], { cwd: dir });
    expectOk(expect, r);
    // vitest types its asymmetric matchers (expect.any) as `any`: held as `unknown`.
    const engine: unknown = f.startsWith('XL') ? 'external' : expect.any(String);
    expect(JSON.parse(r.stdout)).toMatchObject({ answer: 'SAT', agree: true, witnessVerified: true, engine });
  });

  it('a safetensors model whose weight was changed is refused before decoding', async () => {
    const f = readSafetensors(join(dir, 'm.safetensors'));
    const tensors = [...f.tensors].map(([name, a]) => ({ name, shape: a.shape, data: a.data }));
    const w = tensors.find((t) => t.name === 'layers.1.heads.0.W_Q')!;
    const copy = Float64Array.from(w.data);
    copy[3]! += 1e-9;
    w.data = copy;
    writeSafetensors(join(dir, 'bad.safetensors'), tensors, f.metadata);
    expectUserError(expect, await seth(['check', 'bad.safetensors'], { cwd: dir }), 'bad.safetensors', 'different model', 'layers.1.heads.0.W_Q');
  });

  it('an ONNX model whose graph was changed is refused', async () => {
    const bytes = readFileSync(join(dir, 'm.onnx'));
    // Flip one byte inside the weights (the scale initializer comes first; weights fill most of the file).
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length / 2)]! ^= 1;
    writeFileSync(join(dir, 'bad.onnx'), copy);
    const r = await seth(['check', 'bad.onnx'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.onnx/);
  });

  it('seth info of a bare .npy shows its shape', async () => {
    const r = await seth(['info', 'npy/X.npy'], { cwd: dir });
    expectOk(expect, r);
    expect(r.stdout).toMatch(/shape\s+\[/);
  });
});
