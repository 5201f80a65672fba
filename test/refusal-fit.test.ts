/**
 * A chain too large for the memory budget is refused with what would fit instead: the least L·H
 * (a power of two) whose chain fits, and the most variables that fit at the asked shape. Each
 * suggestion is followed here under the same budget and passes the guard; one step beyond it
 * (half the heads, one more variable) is refused, so the suggestions are the tight ones.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SATLIB, expectOk, expectUserError, newTmp, seth } from './helpers/cli.js';

const LIMIT = { SETH_MEMORY_LIMIT: '5MiB' };
const SUGGESTION =
  /the chain would fit with -L 1 -H (\d+) \(about [\d.]+ MiB\), or with a formula of at most (\d+) variables at L × H = 1 × 4 \(an engine then checks its own working memory\); or pass --force/;

describe('a refusal says what would fit', () => {
  let dir: string;
  let formula: string;
  beforeAll(async () => {
    dir = newTmp('seth-fit-');
    formula = join(dir, 'f24.cnf');
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '24', '--clauses', '30', '--k', '3', '--seed', '3', '-o', formula]));
  });

  it('names the least L·H and the most variables that fit, and both pass the same guard', async () => {
    const refused = await seth(['reduce', formula, '-o', join(dir, 'f.tf.json')], { env: LIMIT });
    expectUserError(expect, refused, 'refusing 3ov-to-transformer', 'over the budget of 5.0 MiB', SUGGESTION);
    const [, heads, vars] = SUGGESTION.exec(refused.stderr)!;
    // The suggested shape fits; half its heads does not.
    expectOk(expect, await seth(['reduce', formula, '-L', '1', '-H', heads!, '-o', join(dir, 'h.tf.json')], { env: LIMIT }));
    expectUserError(
      expect,
      await seth(['reduce', formula, '-L', '1', '-H', String(Number(heads) / 2), '-o', join(dir, 'h2.tf.json')], { env: LIMIT }),
      'refusing 3ov-to-transformer',
    );
    // A formula of the suggested size fits at the default shape; one more variable does not.
    for (const [n, ok] of [
      [Number(vars), true],
      [Number(vars) + 1, false],
    ] as const) {
      const f = join(dir, `f${n}.cnf`);
      expectOk(expect, await seth(['gen', 'ksat', '--vars', String(n), '--clauses', '30', '--k', '3', '--seed', '3', '-o', f]));
      const r = await seth(['reduce', f, '-o', join(dir, `f${n}.tf.json`)], { env: LIMIT });
      if (ok) expectOk(expect, r);
      else expectUserError(expect, r, 'refusing 3ov-to-transformer');
    }
  });

  it('says when no L·H fits, with the least it would take', async () => {
    const r = await seth(['reduce', formula, '-o', join(dir, 'g.tf.json')], { env: { SETH_MEMORY_LIMIT: '3MiB' } });
    expectUserError(
      expect,
      r,
      /the chain would fit with a formula of at most \d+ variables at L × H = 1 × 4 .*; no L·H fits the chain \(the least is about [\d.]+ MiB, at -L 1 -H \d+\); or pass --force/,
    );
  });

  it.runIf(existsSync(SATLIB))('the uf50 refusal of seth check names what would fit instead of only --force', async () => {
    const r = await seth(['check', join(SATLIB, 'uf50-218', 'uf50-01.cnf')], { env: { SETH_MEMORY_LIMIT: '12GiB' } });
    expectUserError(
      expect,
      r,
      'refusing 3ov-to-transformer',
      /the chain would fit with (-L 1 -H \d+ \(about [\d.]+ GiB\), or with )?a formula of at most \d+ variables at L × H = 1 × 4/,
      'pass --force',
    );
  });
});
