import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../src/engine/registry.js';
import { UserError } from '../src/errors.js';
import { GENERATORS } from '../src/generators/index.js';
import { makeRng } from '../src/rng.js';
import { INSTANCES, seth } from './helpers/cli.js';

/**
 * One memory budget for the whole run: SETH_MEMORY_LIMIT (bytes) lowers it, --force lifts it, at
 * every entry point and for every engine (the engine is made with the run's budget, never its own).
 */

const LIMIT = { SETH_MEMORY_LIMIT: '20000' };
const TINY = join(INSTANCES, 'tiny-sat.cnf');

describe('SETH_MEMORY_LIMIT and --force reach every engine', () => {
  let dir = '';
  let model = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seth-budget-'));
    model = join(dir, 'model.json');
    const r = await seth(['reduce', TINY, '--to', 'transformer', '-o', model]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const entry of ENGINES) {
    const { name, dtypes } = entry;
    const dtype = dtypes[0]!;
    // Approximate engines run at their exact limit (their defaults may refuse the gadget's scores).
    const opts = entry.kind === 'approximate' ? Object.entries(entry.exactLimit.options).flatMap(([k, v]) => ['--engine-opt', `${k}=${String(v)}`]) : [];
    it(`seth check --engine ${name}: refused over the budget (exit 2, one line), computed with --force`, async () => {
      const refused = await seth(['check', TINY, '--engine', name, '--dtype', dtype, ...opts], { env: LIMIT });
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/refusing .* pass --force/);
      const forced = await seth(['check', TINY, '--engine', name, '--dtype', dtype, ...opts, '--force'], { env: LIMIT });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/answer\s+SAT/);
    });

    it(`seth eval --engine ${name}: refused over the budget, computed with --force`, async () => {
      const out = join(dir, `${name}.json`);
      const refused = await seth(['eval', model, '--engine', name, '--dtype', dtype, ...opts, '-o', out], { env: { SETH_MEMORY_LIMIT: '1000' } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/pass --force/);
      const forced = await seth(['eval', model, '--engine', name, '--dtype', dtype, ...opts, '-o', out, '--force'], { env: { SETH_MEMORY_LIMIT: '1000' } });
      expect(forced.code, forced.stderr).toBe(0);
    });
  }
});

describe('every generator allocates against the budget it is given', () => {
  for (const g of GENERATORS) {
    it(`${g.id}: refused under a 1-byte budget, generated with force`, () => {
      const options = g.examples[0]!;
      let refused: unknown;
      try {
        g.generate(options, makeRng(0), 'test', { limitBytes: 1, force: false });
      } catch (e) {
        refused = e;
      }
      expect(refused).toBeInstanceOf(UserError);
      expect((refused as Error).message).toMatch(/refusing .*--force/);
      expect(g.generate(options, makeRng(0), 'test', { limitBytes: 1, force: true }).problem).toBe(g.problem);
    });
  }

  it('seth gen: SETH_MEMORY_LIMIT refuses (exit 2), --force generates', async () => {
    const refused = await seth(['gen', 'ksat', '--vars', '20', '--clauses', '91', '-o', '-'], { env: { SETH_MEMORY_LIMIT: '100' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/refusing .*--force/);
    const forced = await seth(['gen', 'ksat', '--vars', '20', '--clauses', '91', '--force', '-o', '-'], { env: { SETH_MEMORY_LIMIT: '100' } });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/^p cnf 20 91$/m);
  });
});
