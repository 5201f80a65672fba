/**
 * The commands' arguments come from one zod declaration each (defineCommand, src/cli/command.ts):
 * --help lists every declared argument, and a bad value for a typed option exits 2 with one line
 * that names the option. Run in-process (src/cli/main.ts's run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CliCommand } from '../src/cli/command.js';
import { arenaCommand } from '../src/cli/commands/arena.js';
import { exportCommand } from '../src/cli/commands/export.js';
import { genCommand } from '../src/cli/commands/gen.js';
import { GENERATORS } from '../src/generators/index.js';
import { infoCommand } from '../src/cli/commands/info.js';
import { solveCommand } from '../src/cli/commands/solve.js';
import { PROBLEMS, problemSpec } from '../src/problems/registry.js';
import { sethInProcess } from './helpers/in-process.js';

const ROOT = join(import.meta.dirname, '..');
const SAT = join(ROOT, 'instances', 'tiny-sat.cnf');
const dir = mkdtempSync(join(tmpdir(), 'seth-typed-args-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How --help spells a declared argument: `-o,` for a one-letter key, `--name` for an option, the bare name for a positional. */
function spelled(key: string, positional: boolean): RegExp {
  if (positional) return new RegExp(`^\\s+${key}\\s`, 'm');
  return key.length === 1 ? new RegExp(`(^|\\s)-${key}[,\\s]`, 'm') : new RegExp(`\\s--${key}\\s`);
}

function isPositional(schema: z.core.$ZodType): boolean {
  const cli = z.globalRegistry.get(schema)?.cli;
  return typeof cli === 'object' && cli !== null && 'positional' in cli && cli.positional === true;
}

/** `--help` of `seth WORDS…` lists every field of `cmd`'s declared arguments. */
async function expectHelpListsArgs(words: readonly string[], cmd: CliCommand): Promise<void> {
  const r = await sethInProcess([...words, '--help']);
  expect(r.code, r.stderr).toBe(0);
  const shape = cmd.args?.shape ?? {};
  expect(Object.keys(shape).length).toBeGreaterThan(0);
  for (const [key, schema] of Object.entries<z.core.$ZodType>(shape)) expect(r.stdout, key).toMatch(spelled(key, isPositional(schema)));
}

/** Exit 2 and exactly one line on stderr, naming `flag`. */
async function expectBadArg(args: readonly string[], flag: RegExp): Promise<void> {
  const r = await sethInProcess(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^seth: [^\n]+\n$/);
  expect(r.stderr).toMatch(flag);
}

describe('seth solve', () => {
  it('--help lists every declared argument', () => expectHelpListsArgs(['solve'], solveCommand));

  it('no input: exit 2, one line', () => expectBadArg(['solve'], /non-option arguments/));

  it('a computation is refused with its problem’s own hint (no problem id in the CLI)', async () => {
    const file = join(dir, 'mm.json');
    expect((await sethInProcess(['gen', 'matmul', '--count', '2', '--size', '2', '-o', file])).code).toBe(0);
    const r = await sethInProcess(['solve', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`seth: ${file}: a matmul-batch instance is a computation, not a decision problem: ${problemSpec('matmul-batch').computationHint}\n`);
    for (const p of PROBLEMS) expect(p.decision || (p.computationHint ?? '').length > 0, p.id).toBe(true);
  });

  it('solves, typed arguments and all', async () => {
    const r = await sethInProcess(['solve', SAT, '--json', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ problem: 'ksat', answer: 'SAT', witnessVerified: true });
  });
});

describe('seth info', () => {
  it('--help lists every declared argument', () => expectHelpListsArgs(['info'], infoCommand));

  it('no input: exit 2, one line', () => expectBadArg(['info'], /non-option arguments/));

  it('a model shows its measured sizes (the problem declares itself a model; no problem id in the CLI)', async () => {
    const model = join(dir, 'info-model.json');
    expect((await sethInProcess(['reduce', SAT, '--to', 'transformer', '-o', model])).code).toBe(0);
    const r = await sethInProcess(['info', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const info: unknown = JSON.parse(r.stdout);
    expect(info).toMatchObject({
      problem: 'transformer',
      measured: { layers: 1 },
      declared: { by: '3ov-to-transformer', sizes: { layers: 1 } },
    });
    expect(JSON.stringify(info)).toMatch(/"regime":\{[^}]*"note":"Theorem 3\.1/);
    const plain = await sethInProcess(['info', SAT, '--json']);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('measured');
  });
});

describe('seth export', () => {
  const model = join(dir, 'export-model.json');
  it('--help lists every declared argument', () => expectHelpListsArgs(['export'], exportCommand));

  it.each([
    [['--format', 'bogus', '-o', join(dir, 'x.onnx')], /Argument: format, Given: "bogus"/],
    [['--format', 'onnx', '-o', join(dir, 'x.onnx'), '--dtype', 'f16'], /Argument: dtype, Given: "f16"/],
    [['--format', 'onnx', '-o', join(dir, 'x.onnx'), '--heads', 'both'], /Argument: heads, Given: "both"/],
    [['--format', 'onnx', '-o', ''], /^seth: option --o: give the output path with -o$/m],
    [['--format', 'onnx'], /Missing required argument: o\b/],
    [['-o', join(dir, 'x.onnx')], /Missing required argument: format\b/],
  ])('%j: exit 2, one line naming the option', async (args, flag) => {
    if ((await sethInProcess(['info', model])).code !== 0) expect((await sethInProcess(['reduce', SAT, '--to', 'transformer', '-o', model])).code).toBe(0);
    await expectBadArg(['export', model, ...args], flag);
  });

  it('typed defaults reach the command: onnx is f32 with batched heads', async () => {
    if ((await sethInProcess(['info', model])).code !== 0) expect((await sethInProcess(['reduce', SAT, '--to', 'transformer', '-o', model])).code).toBe(0);
    const r = await sethInProcess(['export', model, '--format', 'onnx', '-o', join(dir, 'ok.onnx')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/float32, heads batched/);
  });

  it('a non-model instance is refused (exit 2)', async () => {
    const r = await sethInProcess(['export', SAT, '--format', 'onnx', '-o', join(dir, 'no.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a ksat instance; export needs a transformer or attention instance/);
  });
});

describe('seth arena', () => {
  it('--help lists every declared argument', () => expectHelpListsArgs(['arena'], arenaCommand));

  it.each([
    [['--seed', '-1'], /^seth: arena: option --seed: Too small/],
    [['--seed', '1.5'], /^seth: arena: option --seed: .*int/],
    [['--seed', 'x'], /^seth: arena: option --seed: .*NaN/],
    [['--suite', 'nope'], /Argument: suite, Given: "nope"/],
  ])('%j: exit 2, one line naming the option', (args, flag) => expectBadArg(['arena', ...args, '-o', join(dir, 'arena')], flag));
});

describe('seth gen', () => {
  it('one subcommand per generator family', async () => {
    expect((genCommand.subcommands ?? []).map((c) => c.command)).toEqual(GENERATORS.map((g) => g.id));
    const r = await sethInProcess(['gen', '--help']);
    for (const g of GENERATORS) expect(r.stdout).toContain(`seth gen ${g.id}`);
    await expectBadArg(['gen'], /^seth: name a family: /);
  });

  it.each(GENERATORS.map((g) => [g.id, g] as const))('gen %s --help lists the common arguments and every flag the generator declares', async (id, g) => {
    const cmd = genCommand.subcommands?.find((c) => c.command === id);
    expect(cmd).toBeDefined();
    expect(Object.keys(cmd?.args?.shape ?? {})).toEqual(expect.arrayContaining(Object.keys(g.flags.shape)));
    if (cmd) await expectHelpListsArgs(['gen', id], cmd);
  });

  it.each([
    [['php', '--pigeons', 'two', '--holes', '2'], /^seth: seth gen php: option --pigeons: --pigeons must be a number$/m],
    [['php', '--pigeons', '0', '--holes', '2'], /^seth: seth gen php: option --pigeons: --pigeons must be an integer ≥ 1$/m],
    [['php', '--pigeons', '3'], /Missing required argument: holes/],
    [['php', '--pigeons', '3', '--holes', '2', '--seed', '1.5'], /^seth: option --seed: expected an integer, got 1\.5$/m],
    [['php', '--pigeons', '3', '--holes', '2', '--seed', 'x'], /^seth: option --seed: expected an integer, got NaN$/m],
    [['php', '--pigeons', '3', '--holes', '2', '--format', 'dimacs'], /Argument: format, Given: "dimacs"/],
    [['ov', '--size', '3', '--size-b', '0', '--dim', '2'], /^seth: seth gen ov: option --size-b: --size-b must be an integer ≥ 1$/m],
    [['3ov', '--size', '2', '--size-c', '0', '--dim', '3'], /^seth: seth gen 3ov: option --size-c: /m],
    [['ov', '--size', '3', '--dim', '4', '--plant', '--no'], /^seth: seth gen ov: option --no: --plant .* exclude each other$/m],
    [['ov', '--size', '3', '--dim', '4', '--density', '2'], /^seth: seth gen ov: option --density: /m],
    [['ksat', '--vars', '3', '--clauses', '2', '-k', '5'], /^seth: seth gen ksat: option --k: --k 5 exceeds --vars 3/m],
    [['matmul', '--count', '6', '--size', '2', '--layers', '4'], /^seth: seth gen matmul: option --layers: layers = 4 does not divide count = 6/m],
  ])('gen %j: exit 2, one line naming the option', (args, flag) => expectBadArg(['gen', ...args, '-o', join(dir, 'never.json')], flag));

  it('typed flags and defaults reach the generator (k = 3, --size-b defaults to --size, --plant as a boolean)', async () => {
    const ksat = join(dir, 'k.json');
    expect((await sethInProcess(['gen', 'ksat', '--vars', '6', '--clauses', '5', '--format', 'json', '-o', ksat])).code).toBe(0);
    const k = await sethInProcess(['info', ksat, '--json']);
    expect(JSON.parse(k.stdout)).toMatchObject({ sizes: { vars: 6, clauses: 5, k: 3 }, provenance: { params: { vars: 6, clauses: 5, k: 3, planted: false } } });
    const ov = join(dir, 'ov.json');
    expect((await sethInProcess(['gen', 'ov', '--size', '3', '--dim', '4', '--plant', '--seed', '7', '-o', ov])).code).toBe(0);
    const o = await sethInProcess(['info', ov, '--json']);
    expect(JSON.parse(o.stdout)).toMatchObject({
      sizes: { sizeA: 3, sizeB: 3, dim: 4 },
      provenance: { seed: 7, params: { plant: true, no: false, sizeB: 3 } },
    });
  });
});

describe('seth check --explain', () => {
  it('names what it read as the problem declares (describeSizes), else by id and sizes', async () => {
    const sat = await sethInProcess(['check', SAT, '--explain']);
    expect(sat.code, sat.stderr).toBe(0);
    expect(sat.stdout).toMatch(/^1\. Read a CNF formula with 6 variables and \d+ clauses \(k = \d+\)\.$/m);
    const ov = await sethInProcess(['check', join(ROOT, 'instances', 'ov-planted.json'), '--explain']);
    expect(ov.code, ov.stderr).toBe(0);
    expect(ov.stdout).toMatch(/^1\. Read a ov instance \(sizeA = \d+, sizeB = \d+, dim = \d+\)\.$/m);
  });
});
