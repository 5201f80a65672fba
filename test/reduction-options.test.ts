import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REDUCTIONS } from '../reductions/index.js';
import { headsOption } from '../reductions/gadgets/options.js';
import { defineCommand, type CliContext } from '../src/cli/command.js';
import { emptyBitMatrix, setBit } from '../src/problems/bit-matrix.js';
import type { OvInstance, OvSolution } from '../src/problems/ov.js';
import type { ThreeOvInstance, ThreeOvSolution } from '../src/problems/three-ov.js';
import { countSchema, declaredOptions, optionsOf, reductionOption } from '../src/reduction/options.js';
import { defineReduction } from '../src/reduction/types.js';
import { optionsArbitrary, testReduction } from '../src/testing/closed-loop.js';
import { ROOT } from './helpers/cli.js';
import { sethInProcess, type InProcessResult } from './helpers/in-process.js';

/**
 * A reduction with a brand-new option is one declaration: registered in a test-local registry
 * (passed to the CLI as the root would pass seth's own), its option becomes a flag of `seth reduce`
 * and `seth check` (help, validation), is varied by the generic closed loop, recorded in the
 * provenance of what it builds, and read back when `seth check MODEL.json` rebuilds the model.
 */

/** What the throwaway reduction's forward map was called with (to see the closed loop vary it). */
const seen: (number | undefined)[] = [];

const Options = z.object({
  onesRows: reductionOption(countSchema(1), { help: 'ov-to-3ov-padded: rows of C, each all ones (default 1)' }),
});

// OV → 3-OV with C = `onesRows` copies of the all-ones vector: Σ a·b·1 = ⟨a, b⟩ for every row.
const padded = defineReduction<OvInstance, ThreeOvInstance, OvSolution, ThreeOvSolution, z.infer<typeof Options>, null>({
  id: 'ov-to-3ov-padded',
  source: 'ov',
  target: '3ov',
  title: 'OV → 3-OV (C = onesRows × all-ones; a test-only reduction)',
  reference: 'test/reduction-options.test.ts',
  optionsSchema: Options,
  params: (s, o) => ({ sizeA: s.sizeA!, sizeB: s.sizeB!, dim: s.dim!, rows: o.onesRows ?? 1 }),
  overhead: { sizeA: 'sizeA', sizeB: 'sizeB', sizeC: 'rows', dim: 'dim' },
  forward(o, opts) {
    seen.push(opts.onesRows);
    const rows = opts.onesRows ?? 1;
    const C = emptyBitMatrix(rows, o.dim);
    for (let r = 0; r < rows; r++) for (let k = 0; k < o.dim; k++) setBit(C, r, k, 1);
    return { target: { dim: o.dim, A: o.A, B: o.B, C }, meta: null };
  },
  backward({ solution }) {
    if (solution.answer === 'NO' || !solution.witness) return { answer: solution.answer };
    const [i, j] = solution.witness;
    return { answer: 'YES', witness: [i, j] };
  },
});

const REGISTRY = { reductions: [...REDUCTIONS, padded] };
const VIA = ['--via', 'ov-to-3ov-padded,3ov-to-transformer'];
const OV = join(ROOT, 'instances', 'ov-planted.json');
const dir = mkdtempSync(join(tmpdir(), 'seth-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `seth ARGS` in-process with the given registries; what it printed. */
function seth(args: string[], registries: CliContext = REGISTRY): Promise<InProcessResult> {
  return sethInProcess(args, registries);
}

describe('a reduction with a new option, in a test-local registry', () => {
  it('declares the option once: flag in kebab case, help from the declaration', () => {
    expect(optionsOf(padded)).toMatchObject([
      { key: 'onesRows', flag: 'ones-rows', help: 'ov-to-3ov-padded: rows of C, each all ones (default 1)', vary: [1, 2, 3, 4] },
    ]);
  });

  it('the flag appears in seth reduce --help and seth check --help, and only with that registry', async () => {
    for (const cmd of ['reduce', 'check']) {
      const r = await seth([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/--ones-rows\s+ov-to-3ov-padded: rows of C, each all ones \(default 1\)/);
      expect(r.stdout).toContain('--layers'); // the shared options stay
      const plain = await seth([cmd, '--help'], { reductions: REDUCTIONS });
      expect(plain.stdout).not.toContain('--ones-rows');
    }
  });

  it('the flag is validated: one line naming it and quoting the value, exit 2', async () => {
    const r = await seth(['check', OV, ...VIA, '--ones-rows', 'zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('seth: option --ones-rows: expected a positive integer, got "zero"\n');
    const z0 = await seth(['reduce', OV, ...VIA, '--ones-rows', '0', '-o', join(dir, 'never.json')]);
    expect(z0.code).toBe(2);
    expect(z0.stderr).toBe('seth: option --ones-rows: expected a positive integer, got 0\n');
    // Without the test registry the flag does not exist.
    expect((await seth(['check', OV, '--ones-rows', '2'], { reductions: REDUCTIONS })).stderr).toMatch(/^seth: Unknown arguments?: ones-rows/);
  });

  it('the generic closed loop varies it (every declared value, and left out)', async () => {
    const drawn = new Set(fc.sample(optionsArbitrary(padded), { numRuns: 200, seed: 3 }).map((o) => o.onesRows));
    expect([...drawn].sort()).toEqual([1, 2, 3, 4, undefined]);
    seen.length = 0;
    const rep = await testReduction(padded, { runs: 40, seed: 5, maxSize: 4 });
    expect(rep.passed).toBe(true);
    expect(new Set(seen).size).toBeGreaterThanOrEqual(4);
  });

  it('checks with it: the answer and witness hold with C of 3 rows', async () => {
    const r = await seth(['check', OV, ...VIA, '--ones-rows', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as {
      agree: boolean;
      witnessVerified: boolean;
      params: { heads: number };
      steps: { reduction: string; options: Record<string, unknown>; declared: Record<string, number> }[];
    };
    expect(rep).toMatchObject({ agree: true, witnessVerified: true, params: { heads: 3 } });
    expect(rep.steps[0]).toMatchObject({ reduction: 'ov-to-3ov-padded', options: { onesRows: 3 }, declared: { sizeC: 3 } });
  });

  it('provenance records it and seth check MODEL.json rebuilds with it', async () => {
    const model = join(dir, 'padded.json');
    const made = await seth(['reduce', OV, ...VIA, '--ones-rows', '3', '-o', model]);
    expect(made.code, made.stderr).toBe(0);
    const json = JSON.parse(readFileSync(model, 'utf8')) as {
      config: { heads: number };
      provenance: { generator: string; from: { generator: string; params: Record<string, unknown> } };
    };
    expect(json.config.heads).toBe(3);
    expect(json.provenance.from).toMatchObject({ generator: 'ov-to-3ov-padded', params: { onesRows: 3 } });
    const checked = await seth(['check', model, '--json']);
    expect(checked.code, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ agree: true, steps: [{ options: { onesRows: 3 } }, {}] });
    // The rebuild reads the recorded value: record another one and the rebuilt model differs from the file.
    json.provenance.from.params.onesRows = 2;
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify(json));
    const refused = await seth(['check', edited]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/gives a different model/);
  });
});

describe('declaring options', () => {
  it('a shared option is one declaration; two different declarations of one key are refused', () => {
    const all = declaredOptions(REDUCTIONS);
    expect(all.find((o) => o.key === 'heads')!.reductions).toEqual([
      'ksat-to-3ov',
      '3ov-to-transformer',
      '3ov-to-causal-transformer',
      'matmul-batch-to-transformer',
    ]);
    const clash = { ...padded, id: 'clash', optionsSchema: z.object({ heads: reductionOption(countSchema(1), { help: 'another heads' }) }) };
    expect(() => declaredOptions([...REDUCTIONS, clash])).toThrow(/declare option heads differently; share one declaration/);
    const shared = { ...padded, id: 'shares', optionsSchema: z.object({ heads: headsOption }) };
    expect(declaredOptions([...REDUCTIONS, shared]).find((o) => o.key === 'heads')!.reductions).toContain('shares');
  });

  it('two options claiming one flag, or an option without a declaration, are refused', () => {
    const flag = { ...padded, id: 'flag', optionsSchema: z.object({ rowsOfC: reductionOption(countSchema(1), { help: 'x', flag: 'ones-rows' }) }) };
    expect(() => declaredOptions([padded, flag])).toThrow(/both claim the flag --ones-rows/);
    const bare = { ...padded, id: 'bare', optionsSchema: z.object({ rows: z.number().optional() }) };
    expect(() => optionsOf(bare)).toThrow(/not declared with reductionOption/);
    const unbounded = { ...padded, id: 'unbounded', optionsSchema: z.object({ scale: reductionOption(z.number(), { help: 'x' }) }) };
    expect(() => optionsOf(unbounded)).toThrow(/declares no values to vary/);
  });

  it("a reduction option that collides with a command's own argument is refused", async () => {
    const to = { ...padded, id: 'to', optionsSchema: z.object({ to: reductionOption(z.boolean(), { help: 'x' }) }) };
    const r = await seth(['reduce', OV, '-o', join(dir, 'x.json')], { reductions: [...REDUCTIONS, to] });
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/reduction option --to collides with an argument of seth reduce/);
    // defineCommand is what gives every command its typed arguments.
    expect(defineCommand({ command: 'x', describe: 'x', args: z.object({}), run: () => Promise.resolve(0) }).usesRegistries).toBeUndefined();
  });
});
