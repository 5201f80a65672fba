/**
 * Batch mode: `seth check|solve|info` over several files, folders and globs in one process, one
 * JSON object per input with --jsonl, a summary table, exit 1 when any input disagrees.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SATLIB, expectOk, newTmp, seth } from './helpers/cli.js';

describe('batch mode', () => {
  let dir = '';
  beforeAll(async () => {
    dir = newTmp('batch');
    for (const i of [1, 2, 3]) copyFileSync(join(SATLIB, 'uf20-91', `uf20-0${i}.cnf`), join(dir, `uf20-0${i}.cnf`));
    expectOk(expect, await seth(['reduce', join(dir, 'uf20-01.cnf'), '-o', join(dir, 'm.json')]));
    expectOk(expect, await seth(['eval', join(dir, 'm.json'), '-o', join(dir, 'XL.json')]));
  }, 60_000);

  it('check FOLDER --jsonl: one object per input on stdout, the summary on stderr', async () => {
    const r = await seth(['check', dir, '--jsonl', '--jobs', '2']);
    expectOk(expect, r);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { input: string; agree: boolean; witnessVerified: boolean; instance: string });
    // The folder's inputs: 3 formulas, the model and the output (each checked on its own), in the order they finished.
    expect(lines.map((l) => l.input.split('/').pop()).sort()).toEqual(['XL.json', 'm.json', 'uf20-01.cnf', 'uf20-02.cnf', 'uf20-03.cnf']);
    for (const l of lines) expect(l).toMatchObject({ agree: true, witnessVerified: true });
    expect(r.stderr).toMatch(/agree with the oracle\s+5/);
    expect(r.stderr).toMatch(/witness verified\s+5/);
    expect(r.stderr).toMatch(/time \(wall\)/);
  });

  it('a quoted glob, and a line per input plus the summary table', async () => {
    const r = await seth(['check', join(dir, 'uf20-0[12].cnf')]);
    expectOk(expect, r);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('✓ ')).length).toBe(2);
    expect(r.stdout).toMatch(/decided\s+2/);
  });

  it('exit 1 when any input disagrees (an output whose accumulators were zeroed)', async () => {
    const out = JSON.parse(readFileSync(join(dir, 'XL.json'), 'utf8')) as { X_L: number[][] };
    const acc = out.X_L[0]!.length - 1;
    for (const row of out.X_L) row[acc] = 0;
    writeFileSync(join(dir, 'bad-XL.json'), JSON.stringify(out));
    const r = await seth(['check', join(dir, 'uf20-02.cnf'), join(dir, 'bad-XL.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ DISAGREE .*bad-XL\.json: UNSAT/);
    expect(r.stdout).toMatch(/1 disagree/);
  });

  it('solve and info take several inputs too', async () => {
    const s = await seth(['solve', join(dir, 'uf20-01.cnf'), join(dir, 'uf20-02.cnf'), '--jsonl']);
    expectOk(expect, s);
    expect(
      s.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { answer: string }).answer),
    ).toEqual(['SAT', 'SAT']);
    const i = await seth(['info', join(dir, 'uf20-01.cnf'), join(dir, 'm.json'), join(dir, 'XL.json'), '--jsonl']);
    expectOk(expect, i);
    expect(
      i.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { problem: string }).problem),
    ).toEqual(['ksat', 'transformer', 'transformer-output']);
  });
});
