/**
 * Running the compiled `seth` CLI from tests, and the assertions every CLI test shares
 * (exit codes, one-line errors, no stack traces, no temp files left behind).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExpectStatic } from 'vitest';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'seth.js');
export const INSTANCES = join(ROOT, 'instances');
export const SATLIB = resolve(ROOT, '..', 'shared', 'data', 'satlib');
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// ---------------------------------------------------------------- helpers

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment of every child: no memory override from the caller's shell, no colours. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.SETH_MEMORY_LIMIT;
  return { ...env, ...extra };
}

/** Run a child process to completion, collecting its output (async, so tests can run concurrently). */
export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  /** Variables added to the child's environment (e.g. SETH_MEMORY_LIMIT). */
  env?: Record<string, string>;
}

export function runProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd ?? ROOT, env: childEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) =>
      done({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0 }),
    );
    child.stdin.on('error', () => undefined); // the CLI may exit before reading its input
    child.stdin.end(opts.input ?? '');
  });
}

/** `seth ARGS` from the project root (or `cwd`), with `input` on standard input. */
export function seth(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runProcess(process.execPath, [BIN, ...args], opts);
}

/**
 * `seth ARGS` run once per suite: tests that only read the result of the same command share one
 * process (each CLI start costs most of a second).
 */
export const memo = new Map<string, Promise<RunResult>>();
export function sethOnce(args: readonly string[]): Promise<RunResult> {
  const key = args.join('\u0000');
  let r = memo.get(key);
  if (r === undefined) {
    r = seth(args);
    memo.set(key, r);
  }
  return r;
}

/** The answer a shipped instance's header records (DIMACS `c expected:` or JSON provenance). */
export function recordedAnswer(path: string): string | undefined {
  const text = readFileSync(path, 'utf8');
  if (path.endsWith('.json')) return (JSON.parse(text) as { provenance?: { expected?: { answer?: string } } }).provenance?.expected?.answer;
  return /^c expected: (\w+)/m.exec(text)?.[1];
}

/** A shell pipeline; `seth` inside it is the compiled CLI. */
export function shell(script: string, cwd = ROOT): Promise<RunResult> {
  const prelude = `set -o pipefail; seth() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }; `;
  return runProcess('bash', ['-c', prelude + script], { cwd });
}

/** What a run printed, for assertion messages. */
export function show(r: RunResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(0, 2000)}\n--- stderr\n${r.stderr.slice(0, 2000)}`;
}

/** Exit 0. */
export function expectOk(e: ExpectStatic, r: RunResult): void {
  e(r.code, show(r)).toBe(0);
}

/**
 * Bad input: exit 2, exactly one line on stderr starting with `seth: `, containing every `parts`
 * (strings or patterns), and no stack trace.
 */
export function expectUserError(e: ExpectStatic, r: RunResult, ...parts: (string | RegExp)[]): void {
  e(r.code, show(r)).toBe(2);
  expectNoTrace(e, r);
  const lines = r.stderr.trimEnd().split('\n');
  e(lines.length, `expected a one-line error\n${show(r)}`).toBe(1);
  e(lines[0], show(r)).toMatch(/^seth: \S/);
  for (const p of parts) {
    if (typeof p === 'string') e(lines[0], show(r)).toContain(p);
    else e(lines[0], show(r)).toMatch(p);
  }
}

/** Usage errors (yargs): exit 2, `seth: ` first, no stack trace (a "see --help" line may follow). */
export function expectUsageError(e: ExpectStatic, r: RunResult, ...parts: (string | RegExp)[]): void {
  e(r.code, show(r)).toBe(2);
  expectNoTrace(e, r);
  e(r.stderr, show(r)).toMatch(/^seth: \S/);
  for (const p of parts) {
    if (typeof p === 'string') e(r.stderr, show(r)).toContain(p);
    else e(r.stderr, show(r)).toMatch(p);
  }
}

export function expectNoTrace(e: ExpectStatic, r: RunResult): void {
  e(r.stderr, `stack trace on stderr\n${show(r)}`).not.toContain('    at ');
  e(r.stderr, `error class name on stderr\n${show(r)}`).not.toMatch(/Error:/);
  e(r.stderr, show(r)).not.toContain('internal error');
}

/** A human-readable byte estimate such as `2.5 TiB` or `640 MiB`. */
export const BYTE_ESTIMATE = /\d+(\.\d+)? ?(B|KiB|MiB|GiB|TiB|PiB|EiB|KB|MB|GB|TB|PB)\b/;

/** Temporary files that writeOutputAtomic would leave behind on failure. */
export function tempLeftovers(dir: string): string[] {
  return readdirSync(dir).filter((f) => /\.tmp-/.test(f));
}

export function newTmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `seth-cli-${prefix}-`));
}

/**
 * A file's text with every run record (time, machine, absolute argv, input hashes) and command
 * line removed: what two runs of the same command must agree on byte for byte.
 */
export function withoutRunRecords(text: string): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([k]) => k !== 'run' && k !== 'command')
          .map(([k, x]) => [k, strip(x)]),
      );
    }
    return v;
  };
  if (text.trimStart().startsWith('{')) return JSON.stringify(strip(JSON.parse(text)));
  return text
    .split('\n')
    .filter((l) => !l.startsWith('c command:'))
    .map((l) => (l.startsWith('c provenance: ') ? `c provenance: ${JSON.stringify(strip(JSON.parse(l.slice('c provenance: '.length))))}` : l))
    .join('\n');
}
