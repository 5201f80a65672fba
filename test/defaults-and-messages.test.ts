/**
 * The "defaults and messages" of issue #13, each pinned: the default shape is stated in --help,
 * explain counts distinct heads and repeats, an output made for another shape says which, bad
 * counts and a bad SETH_MEMORY_LIMIT are one-line errors, reports name standard input `<stdin>`,
 * sizes print without tautologies, and `seth list` / `seth info` columns line up.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { headsText } from '../reductions/gadgets/orthogonality-head.js';
import { sizeEquation } from '../src/check/steps.js';
import { formatRows } from '../src/cli/commands/info.js';
import { parseByteSize } from '../src/memory.js';
import { UserError } from '../src/errors.js';
import { INSTANCES, expectOk, expectUsageError, expectUserError, newTmp, runProcess, BIN, seth } from './helpers/cli.js';

describe('defaults and messages', () => {
  it('check --help states the default shape (1 × 4) and that --explain comes after the check', async () => {
    const r = await seth(['check', '--help']);
    expectOk(expect, r);
    expect(r.stdout).toMatch(/default 1 × 4/);
    expect(r.stdout).toMatch(/after the check, explain/);
    expect(r.stdout).not.toMatch(/as it runs/);
  });

  it('--explain: "8 distinct heads, and the other 7 repeat a vector of C" for 3 × 5 heads and |C| = 8', () => {
    expect(headsText(3, 5, 8)).toContain('8 distinct heads, and the other 7 repeat a vector of C');
    expect(headsText(2, 2, 4)).toBe('each of the 2·2 = 4 heads carries one vector c of C');
  });

  it('no tautology: layers = 2, not layers = layers = 2', () => {
    expect(sizeEquation('layers', 'layers', 2)).toBe('layers = 2');
    expect(sizeEquation('tokens', 'sizeA + sizeB + 1', 1025)).toBe('tokens = sizeA + sizeB + 1 = 1025');
  });

  it('--heads two: one line naming the option and the value, exit 2', async () => {
    expectUsageError(expect, await seth(['check', join(INSTANCES, 'php-5-4.cnf'), '--heads', 'two']), 'option --heads', '"two"');
  });

  it('SETH_MEMORY_LIMIT=abc is an error, not ignored; 8GiB and 8e9 are read', async () => {
    expect(() => parseByteSize('abc', 'SETH_MEMORY_LIMIT')).toThrow(UserError);
    expect(parseByteSize('8GiB', 'X')).toBe(8 * 2 ** 30);
    expect(parseByteSize('8e9', 'X')).toBe(8e9);
    const r = await runProcess(process.execPath, [BIN, 'solve', join(INSTANCES, 'php-5-4.cnf')], { env: { SETH_MEMORY_LIMIT: 'abc' } });
    expectUserError(expect, r, 'SETH_MEMORY_LIMIT', '"abc"');
  });

  it('info rows line up: one label column', () => {
    const out = formatRows([
      ['problem', 'x'],
      ['declared by 3ov-to-transformer', ''],
      ['  tokens', 'y'],
    ]).split('\n');
    expect(out[0]!.indexOf('x')).toBe(out[2]!.indexOf('y'));
  });

  it('seth list: every id column starts at the same place', async () => {
    const r = await seth(['list']);
    expectOk(expect, r);
    const starts = r.stdout
      .split('\n')
      .filter((l) => /^ {2}\S+ {2,}\S/.test(l))
      .map((l) => /^ {2}\S+ +/.exec(l)![0].length);
    expect(new Set(starts).size).toBe(1);
  });

  describe('check reports', () => {
    let dir = '';
    beforeAll(async () => {
      dir = newTmp('msgs');
      expectOk(expect, await seth(['gen', 'ksat', '--vars', '9', '--clauses', '30', '--planted', '--seed', '1', '-o', join(dir, 'f.cnf')]));
      expectOk(expect, await seth(['reduce', join(dir, 'f.cnf'), '-L', '2', '-H', '2', '-o', join(dir, 'm.json')]));
      expectOk(expect, await seth(['eval', join(dir, 'm.json'), '-o', join(dir, 'XL.npy')]));
    }, 60_000);

    it('an output made at 2 × 2 checked without -L/-H says "made for 2 × 2 …, you asked for 1 × 4"', async () => {
      expectUserError(expect, await seth(['check', join(dir, 'f.cnf'), '--output', join(dir, 'XL.npy')]), 'made for 2 × 2', 'you asked for 1 × 4', '-L 2 -H 2');
    });

    it('a report of standard input says <stdin>', async () => {
      const { readFileSync } = await import('node:fs');
      const r = await seth(['check', '-'], { input: readFileSync(join(dir, 'f.cnf')) });
      expectOk(expect, r);
      expect(r.stdout).toContain('<stdin>');
      expect(r.stdout).not.toContain('<stdio>');
    });
  });
});
