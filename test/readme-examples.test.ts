import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { torchPython, torchUnavailable } from '../src/engine/torch.js';
import { consoleBlocks, normalizeOutputLine, type ConsoleBlock } from './helpers/console-blocks.js';
import { BIN, ROOT, runProcess, SATLIB, show, type RunResult } from './helpers/cli.js';

/**
 * The documentation's examples, run as written: every ```console block of README.md and docs/*.md
 * whose lines start with `$ `. Each document's commands run in a fresh temporary folder (never in
 * the checkout) in which `npx seth` is this checkout's compiled CLI, and which holds what the
 * examples name relative to the project root: instances/, python/, examples/, the project's venv
 * (.venv) and a small copy of SATLIB's uf20-91 folder. A command fails the test when its exit code
 * is not the expected one (0, or 2 where the document shows a `seth: ` error line), and every line
 * of output a document shows under a command must appear in what it printed (spaces collapsed;
 * durations and memory sizes masked, since they vary by run and machine).
 *
 * Blocks of one document share the folder; a block that reads or writes a file an earlier block
 * writes runs after it, the others run concurrently.
 */

/** Blocks that are not run, each with why. The test fails when one no longer matches a block. */
const NOT_RUN: { doc: string; contains: string; why: string }[] = [
  {
    doc: 'README.md',
    contains: 'python3 -m venv .venv && .venv/bin/pip install torch',
    why: "installs PyTorch from the network; the commands after it get the project's venv ($SETH_PYTHON), which .ci/run makes the same way",
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: 'FAIL 3ov-to-ov: 1 runs, seed 0',
    why: 'shows the output after the reader breaks backward on purpose',
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: 'grep -A1 ones-rows',
    why: 'uses the reduction the guide has the reader write (ov-to-3ov-ones), which is not in the project; test/reduction-options.test.ts runs the same steps on it in a test-local registry',
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: '--ones-rows zero',
    why: 'uses the reduction the guide has the reader write (ov-to-3ov-ones), which is not in the project; test/reduction-options.test.ts runs the same steps on it in a test-local registry',
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: '--ones-rows 3 --explain',
    why: 'uses the reduction the guide has the reader write (ov-to-3ov-ones), which is not in the project; test/reduction-options.test.ts runs the same steps on it in a test-local registry',
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: 'padded.json',
    why: 'uses the reduction the guide has the reader write (ov-to-3ov-ones), which is not in the project; test/reduction-options.test.ts runs the same steps on it in a test-local registry',
  },
  {
    doc: 'docs/adding-a-reduction.md',
    contains: 'test-reduction ov-to-3ov-ones',
    why: 'uses the reduction the guide has the reader write (ov-to-3ov-ones), which is not in the project; test/reduction-options.test.ts runs the same steps on it in a test-local registry',
  },
  { doc: 'docs/adding-a-problem.md', contains: 'pair.json', why: 'uses the problem the guide has the reader add (self-ov), which is not in the project' },
  { doc: 'docs/adding-a-problem.md', contains: 'field A[0]', why: 'uses the problem the guide has the reader add (self-ov), which is not in the project' },
  {
    doc: 'docs/adding-a-problem.md',
    contains: 'AssertionError: add self-ov',
    why: 'uses the problem the guide has the reader add (self-ov), which is not in the project',
  },
  {
    doc: 'docs/adding-a-problem.md',
    contains: '3 passed | 21 skipped',
    why: 'uses the problem the guide has the reader add (self-ov), which is not in the project',
  },
  {
    doc: 'docs/adding-an-engine.md',
    contains: '--engine textbook',
    why: 'uses the engine the guide has the reader write (textbook), which is not in the project',
  },
  {
    doc: 'docs/adding-an-engine.md',
    contains: 'npx vitest run test/engines.conformance.test.ts -t textbook',
    why: "runs the conformance suite on the guide's textbook engine (not in the project; the suite itself runs in npm test)",
  },
];

/** Commands that need PyTorch (the project's venv or `--engine torch`). */
const NEEDS_TORCH = /\.venv\/bin\/|--engine torch/;

/** SATLIB files the batch example's `uf20-91/` folder gets (the whole folder would take minutes). */
const UF20_SAMPLE = ['uf20-01.cnf', 'uf20-02.cnf', 'uf20-03.cnf'];

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false';
const python = torchPython();
const torchMissing = torchUnavailable(python);
if (torchMissing !== undefined && !inCi) console.log(`readme-examples: PyTorch commands skipped (${torchMissing})`);

const docs = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const folders: string[] = [];
afterAll(() => {
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** The folder a document's examples run in, with what they name and a `npx` that runs this checkout's `seth`. */
function exampleFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seth-examples-'));
  folders.push(dir);
  for (const name of ['instances', 'python', 'examples']) symlinkSync(join(ROOT, name), join(dir, name));
  if (torchMissing === undefined) symlinkSync(dirname(dirname(python)), join(dir, '.venv'));
  if (existsSync(SATLIB)) {
    mkdirSync(join(dir, 'uf20-91'));
    for (const f of UF20_SAMPLE) copyFileSync(join(SATLIB, 'uf20-91', f), join(dir, 'uf20-91', f));
  }
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  // `npx seth …` as inside the project; any other npx call is the real one.
  const npx = `#!/bin/sh\nif [ "$1" = seth ]; then shift; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; fi\nexec npx "$@"\n`;
  writeFileSync(join(bin, 'npx'), npx);
  chmodSync(join(bin, 'npx'), 0o755);
  return dir;
}

function pathEnv(dir: string): string {
  // The venv's python3 first, so an example's `python3 …` finds numpy.
  const venvBin = torchMissing === undefined ? [join(dir, '.venv', 'bin')] : [];
  return [join(dir, '.bin'), ...venvBin, process.env.PATH ?? ''].join(delimiter);
}

/** The files a block's commands write: the arguments of `-o` and `>` (a trailing `/` dropped). */
function written(block: ConsoleBlock): Set<string> {
  const out = new Set<string>();
  for (const { command } of block.commands) {
    for (const m of command.matchAll(/(?:-o|>)\s+([^\s|;&#]+)/g)) out.add(m[1]!.replace(/\/$/, ''));
  }
  return out;
}

function mentions(block: ConsoleBlock, files: Set<string>): boolean {
  return block.commands.some(({ command }) => command.split(/[\s='"]+/).some((t) => files.has(t.replace(/\/$/, ''))));
}

function notRun(doc: string, block: ConsoleBlock): string | undefined {
  const text = block.commands.map((c) => [c.command, ...c.shown].join('\n')).join('\n');
  return NOT_RUN.find((n) => n.doc === doc && text.includes(n.contains))?.why;
}

async function runBlock(dir: string, block: ConsoleBlock): Promise<void> {
  for (const { command, shown, line } of block.commands) {
    if (NEEDS_TORCH.test(command) && torchMissing !== undefined && !inCi) continue;
    const r: RunResult = await runProcess('bash', ['-c', `set -o pipefail; ${command}`], {
      cwd: dir,
      env: { PATH: pathEnv(dir), SETH_PYTHON: python },
    });
    const expected = shown[0]?.startsWith('seth: ') === true ? 2 : 0;
    const where = `line ${line}: $ ${command}\n${show(r)}`;
    expect(r.code, where).toBe(expected);
    const printed = new Set(`${r.stdout}\n${r.stderr}`.split('\n').map(normalizeOutputLine));
    for (const s of shown) expect(printed.has(normalizeOutputLine(s)), `shown line not printed: ${s}\n${where}`).toBe(true);
  }
}

for (const doc of docs) {
  const blocks = consoleBlocks(readFileSync(join(ROOT, doc), 'utf8'));
  if (blocks.length === 0) continue;
  describe.concurrent(`${doc}: console examples`, () => {
    let dir: string | undefined;
    const folder = (): string => (dir ??= exampleFolder());
    const done: Promise<void>[] = [];
    blocks.forEach((block, i) => {
      const why = notRun(doc, block);
      // Run after every earlier block that writes a file this one reads or writes.
      const after = blocks.slice(0, i).flatMap((b, j) => (mentions(block, written(b)) ? [done[j]!] : []));
      const run = why !== undefined ? Promise.resolve() : Promise.all(after).then(() => runBlock(folder(), block));
      run.catch(() => undefined); // reported by its own test; a dependent block fails on it too
      done.push(run);
      const title = `line ${block.line}: ${block.commands
        .map((c) => c.command.split('#')[0]!.trim())
        .join('; ')
        .slice(0, 120)}`;
      if (why !== undefined) it.skip(`${title} (not run: ${why})`, () => undefined);
      else it(title, () => run, 240_000);
    });
  });
}

describe('examples not run', () => {
  it.each(NOT_RUN)('$doc still has the block "$contains"', ({ doc, contains }) => {
    const blocks = consoleBlocks(readFileSync(join(ROOT, doc), 'utf8'));
    const text = (b: ConsoleBlock): string => b.commands.map((c) => [c.command, ...c.shown].join('\n')).join('\n');
    expect(blocks.filter((b) => text(b).includes(contains))).toHaveLength(1);
  });
});

describe('README: the quick start', () => {
  it('`npm start` prints the report the README shows under it', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = /`npm start` runs `([^`]+)`[^]*?```text\n([^]*?)```/.exec(readme);
    expect(shown, 'README: "`npm start` runs `…`" followed by a ```text block').not.toBeNull();
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(script.replace(/^node bin\/seth\.js /, 'seth ')).toBe(shown![1]);
    const r = await runProcess('bash', ['-c', script], { cwd: ROOT });
    expect(r.code, show(r)).toBe(0);
    const printed = new Set(`${r.stdout}\n${r.stderr}`.split('\n').map(normalizeOutputLine));
    for (const s of shown![2]!.split('\n').filter((l) => l.trim() !== '')) {
      expect(printed.has(normalizeOutputLine(s)), `shown line not printed: ${s}\n${show(r)}`).toBe(true);
    }
  }, 120_000);
});
