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
