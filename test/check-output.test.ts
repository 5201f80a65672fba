/**
 * `seth check FILE --output X_L` decodes an X_L computed elsewhere: the same answer as evaluating,
 * and clear refusals (exit 2) for outputs of another instance, wrong shapes and non-finite values.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../src/formats/npy.js';
import { expectOk, expectUserError, newTmp, seth } from './helpers/cli.js';

describe('seth check --output', () => {
  let dir = '';
  beforeAll(async () => {
    dir = newTmp('seth-output-');
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '12', '--clauses', '40', '--k', '3', '--planted', '--seed', '4', '-o', join(dir, 'f.cnf')]));
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '12', '--clauses', '40', '--k', '3', '--planted', '--seed', '5', '-o', join(dir, 'g.cnf')]));
    expectOk(expect, await seth(['reduce', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '-o', join(dir, 'tf.json')]));
    expectOk(expect, await seth(['eval', join(dir, 'tf.json'), '--dtype', 'f32', '-o', join(dir, 'XL.npy')]));
    expectOk(expect, await seth(['eval', join(dir, 'tf.json'), '-o', join(dir, 'XL.json')]));
  });

  it('decodes an f32 .npy computed by seth eval and agrees, saying where the output came from', async () => {
    const r = await seth(['check', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '--output', join(dir, 'XL.npy'), '--json']);
    expectOk(expect, r);
    const rep = JSON.parse(r.stdout) as { answer: string; agree: boolean; witnessVerified: boolean; engine: string; dtype: string; outputOrigin: string };
    expect(rep).toMatchObject({ answer: 'SAT', agree: true, witnessVerified: true, engine: 'external', dtype: 'f32' });
    expect(rep.outputOrigin).toMatch(/fingerprint matched, provenance matched/);
  });

  it('decodes the JSON written by seth eval', async () => {
    const r = await seth(['check', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '--output', join(dir, 'XL.json'), '--json']);
    expectOk(expect, r);
    expect(JSON.parse(r.stdout)).toMatchObject({ answer: 'SAT', agree: true });
  });

  it('refuses the output of a different instance (same shape)', async () => {
    const r = await seth(['check', join(dir, 'g.cnf'), '--layers', '2', '--heads', '2', '--output', join(dir, 'XL.npy')]);
    expectUserError(expect, r, 'XL.npy', 'different instance');
  });

  it('refuses a wrong shape', async () => {
    const r = await seth(['check', join(dir, 'f.cnf'), '--layers', '1', '--heads', '8', '--output', join(dir, 'XL.npy')]);
    // L·H = 8 gives |C| = 8: the instance differs, and so may the shape; either way exit 2.
    expect(r.code).toBe(2);
    const bare = join(dir, 'bare.npy');
    writeNpy(bare, { shape: [3, 4], data: new Float64Array(12) });
    expectUserError(expect, await seth(['check', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '--output', bare]), 'bare.npy', 'shape [3, 4]');
  });

  it('refuses non-finite entries, naming the entry', async () => {
    const arr = parseNpy(readFileSync(join(dir, 'XL.npy')), 'XL.npy');
    const data = Float32Array.from(arr.data as Float32Array);
    data[5] = Number.NaN;
    const bad = join(dir, 'nan.npy');
    writeNpy(bad, { shape: arr.shape, data, dtype: 'f32' });
    expectUserError(expect, await seth(['check', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '--output', bad]), 'nan.npy', 'X_L[0][5]');
  });

  it('refuses a truncated .npy', async () => {
    const bytes = readFileSync(join(dir, 'XL.npy'));
    const cut = join(dir, 'cut.npy');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    expectUserError(expect, await seth(['check', join(dir, 'f.cnf'), '--layers', '2', '--heads', '2', '--output', cut]), 'cut.npy');
  });

  it('checks a model file through the source its provenance records, with or without --output', async () => {
    for (const extra of [[], ['--output', join(dir, 'XL.npy')]]) {
      const r = await seth(['check', join(dir, 'tf.json'), '--json', ...extra]);
      expectOk(expect, r);
      expect(JSON.parse(r.stdout)).toMatchObject({ answer: 'SAT', agree: true, witnessVerified: true, chain: ['ksat-to-3ov', '3ov-to-transformer'] });
    }
  });

  it('refuses a model file that its provenance does not reproduce (edited weights)', async () => {
    const model = JSON.parse(readFileSync(join(dir, 'tf.json'), 'utf8')) as { layers: { heads: { W_Q: number[][] }[] }[] };
    model.layers[0]!.heads[0]!.W_Q[0]![0] = 7;
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(model));
    expectUserError(expect, await seth(['check', edited]), 'edited.json', 'fingerprint mismatch');
  });

  it('asks for the source when a model was made from a hand-written instance', async () => {
    const tf = join(dir, 'from-file.json');
    expectOk(expect, await seth(['reduce', 'instances/tiny-sat.cnf', '-o', tf]));
    expectUserError(expect, await seth(['check', tf]), 'from-file.json', 'seth check SOURCE');
  });
});
