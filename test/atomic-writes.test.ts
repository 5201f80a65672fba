/**
 * Outputs written as a unit (issue #10): stale sidecars are errors, leftovers of killed runs are
 * reaped, an output naming an input is refused, folders are replaced whole.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { writeNpy } from '../src/formats/npy.js';
import { loadOutput, writeOutputNpy } from '../src/formats/tensor-output.js';
import { reapStale, writeFolderAtomic, writeOutputAtomic } from '../src/io/files.js';
import { makeRng } from '../src/rng.js';
import { randomTransformer } from '../src/testing/random-transformer.js';
import { expectOk, expectUserError, seth } from './helpers/cli.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'seth-atomic-'));

/** A pid no process has (above the kernel's pid_max default). */
const DEAD_PID = 4_194_304 + 17;

describe('sidecars record their data file', () => {
  it('a data file replaced after its sidecar was written is a stale-sidecar error, not a match', ({ expect }) => {
    const dir = tmp();
    const model = randomTransformer(makeRng(1), { tokens: 4, width: 3, layers: 1, heads: 1 });
    const out = join(dir, 'X.npy');
    writeOutputNpy(out, new Float64Array(12).fill(0.5), model);
    expect(loadOutput(out, model).fingerprint).toBe('matched');
    const side = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { data_sha256: string; data_bytes: number };
    expect(side.data_sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(side.data_bytes).toBe(readFileSync(out).length);
    // Another output of the same shape (a kill between the two renames leaves exactly this).
    writeNpy(out, { shape: [4, 3], data: new Float64Array(12).fill(0.25), dtype: 'f64' });
    expect(() => loadOutput(out, model)).toThrow(/X\.npy\.json: stale sidecar: .* not written together/);
  });

  it('a .npy of the wrong shape is refused from its header, before its data is read', ({ expect }) => {
    const dir = tmp();
    const model = randomTransformer(makeRng(2), { tokens: 4, width: 3, layers: 1, heads: 1 });
    const out = join(dir, 'X.npy');
    // The header claims 10^6 × 3 doubles; the file holds 24 bytes: the shape check comes first.
    const pre = Buffer.from("\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 3), }", 'latin1');
    const header = Buffer.concat([pre, Buffer.alloc(128 - pre.length - 1, 0x20), Buffer.from('\n')]);
    writeFileSync(out, Buffer.concat([header, Buffer.alloc(24)]));
    expect(() => loadOutput(out, model)).toThrow(/shape \[1000000, 3\], expected \[4, 3\]/);
  });
});

describe('temporaries of killed runs', () => {
  it('the next write reaps temporaries of dead processes, keeps those of live ones', ({ expect }) => {
    const dir = tmp();
    const target = join(dir, 'out.json');
    writeFileSync(join(dir, `.out.json.tmp-${DEAD_PID}-1`), 'partial');
    writeFileSync(join(dir, `.out.json.tmp-${process.pid}-2`), 'mine, still being written');
    writeFileSync(join(dir, `.other.json.tmp-${DEAD_PID}-3`), 'another target');
    writeOutputAtomic(target, '{}\n');
    expect(readdirSync(dir).sort()).toEqual([`.other.json.tmp-${DEAD_PID}-3`, `.out.json.tmp-${process.pid}-2`, 'out.json']);
  });

  it('a folder moved aside by a killed replacement is put back when the target is missing', ({ expect }) => {
    const dir = tmp();
    const target = join(dir, 'model');
    writeFolderAtomic(target, (d) => writeFileSync(join(d, 'a.npy'), 'old'));
    // What a kill between the two renames leaves: the old folder aside, the new one half-named.
    const aside = join(dir, `.model.old-${DEAD_PID}-1`);
    renameSync(target, aside);
    reapStale(target);
    expect(readFileSync(join(target, 'a.npy'), 'utf8')).toBe('old');
    expect(existsSync(aside)).toBe(false);
  });

  it('a folder is replaced whole: no file of the old one survives', ({ expect }) => {
    const dir = tmp();
    const target = join(dir, 'model');
    writeFolderAtomic(target, (d) => (writeFileSync(join(d, 'a'), '1'), writeFileSync(join(d, 'b'), '1')));
    writeFolderAtomic(target, (d) => writeFileSync(join(d, 'c'), '2'));
    expect(readdirSync(target)).toEqual(['c']);
    expect(readdirSync(dir)).toEqual(['model']);
  });
});

describe('an output naming an input is refused', () => {
  it('seth reduce x.cnf -o x.cnf keeps the formula', async ({ expect }) => {
    const dir = tmp();
    const f = join(dir, 'x.cnf');
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '6', '--clauses', '10', '--seed', '3', '-o', f]));
    const before = readFileSync(f, 'utf8');
    expectUserError(expect, await seth(['reduce', f, '-o', f]), 'is also an input of this command');
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('a folder export into the folder that holds the input is refused', async ({ expect }) => {
    const dir = tmp();
    const f = join(dir, 'x.cnf');
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '6', '--clauses', '10', '--seed', '3', '-o', f]));
    const t = join(dir, 't.json');
    expectOk(expect, await seth(['reduce', f, '--to', 'transformer', '-o', t]));
    expectUserError(expect, await seth(['export', t, '--format', 'npy', '-o', dir]), 'an input of this command');
    expect(existsSync(t)).toBe(true);
  });
});
