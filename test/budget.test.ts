import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../src/engine/registry.js';
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

  for (const { name, dtypes } of ENGINES) {
    const dtype = dtypes[0]!;
    it(`seth check --engine ${name}: refused over the budget (exit 2, one line), computed with --force`, async () => {
      const refused = await seth(['check', TINY, '--engine', name, '--dtype', dtype], { env: LIMIT });
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(/refusing .* pass --force/);
      const forced = await seth(['check', TINY, '--engine', name, '--dtype', dtype, '--force'], { env: LIMIT });
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/answer\s+SAT/);
    });

    it(`seth eval --engine ${name}: refused over the budget, computed with --force`, async () => {
      const out = join(dir, `${name}.json`);
      const refused = await seth(['eval', model, '--engine', name, '--dtype', dtype, '-o', out], { env: { SETH_MEMORY_LIMIT: '1000' } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/pass --force/);
      const forced = await seth(['eval', model, '--engine', name, '--dtype', dtype, '-o', out, '--force'], { env: { SETH_MEMORY_LIMIT: '1000' } });
      expect(forced.code, forced.stderr).toBe(0);
    });
  }
});
