import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { gitHead } from './git-head.js';
import { PROJECT_ROOT, TOOL_NAME, TOOL_VERSION } from './version.js';

/** What an instance's answer is known to be, and how it is known. */
export const ExpectedSchema = z.object({
  answer: z.enum(['SAT', 'UNSAT', 'YES', 'NO']),
  /** construction: true by how it was built; oracle: computed by an independent solver; published: from the data set. */
  source: z.enum(['construction', 'oracle', 'published']),
  /** Which oracle, when source = oracle. */
  oracle: z.string().optional(),
});
export type Expected = z.infer<typeof ExpectedSchema>;

/** One file a run read: absolute path (or `<stdin>`), size and SHA-256 of its bytes. */
export const InputRecordSchema = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
});
export type InputRecord = z.infer<typeof InputRecordSchema>;

/**
 * The run record: everything needed to say which program, on which machine, at what time, with
 * which arguments and inputs made a file. Stamped on the outermost provenance of every file the
 * CLI writes and into `seth check --json`. Not part of an instance's identity (two runs that
 * build the same instance differ only here).
 */
export const RunRecordSchema = z.object({
  tool: z.string(),
  version: z.string(),
  /** `git rev-parse HEAD` of the checkout the tool ran from (absent outside a git checkout). */
  commit: z.string().optional(),
  node: z.string(),
  /** `process.platform-process.arch`, e.g. linux-x64. */
  platform: z.string(),
  /** UTC, ISO 8601. */
  time: z.string(),
  cwd: z.string(),
  /** The arguments after `seth`; the ones naming existing files or folders made absolute. */
  argv: z.array(z.string()),
  /** Every seed along the provenance chain, outermost first (null: a deterministic step). */
  seeds: z.array(z.number().int().nullable()),
  /** Every input file the run read, with its SHA-256. */
  inputs: z.array(InputRecordSchema),
  /** Fingerprint (sha256) of the instance this record describes: the file's own content, or the instance checked. */
  instance: z.string().optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

const ProvenanceBase = z.object({
  tool: z.string(),
  version: z.string(),
  /** The command line that made the file (argv joined with spaces). */
  command: z.string(),
  /** RNG seed, or null for deterministic families. */
  seed: z.number().int().nullable(),
  /** Generator family or reduction id that produced it; `file` for an instance read from a file no generator made. */
  generator: z.string(),
  params: z.record(z.string(), z.unknown()).default({}),
  expected: ExpectedSchema.optional(),
  /** generator `file`: where the file was read (absolute path; informational, the sha256 in params pins it). */
  location: z.string().optional(),
  /** generator `file`: the source instance itself (its JSON form), so a model made from it can be checked on its own. */
  embedded: z.unknown().optional(),
  run: RunRecordSchema.optional(),
});

export interface Provenance extends z.infer<typeof ProvenanceBase> {
  /** For reduction outputs: the provenance of the source instance. */
  from?: Provenance | undefined;
}

export const ProvenanceSchema: z.ZodType<Provenance> = ProvenanceBase.extend({
  from: z.lazy(() => ProvenanceSchema).optional(),
});

/** The generator name of a source read from a file (SATLIB, hand-written) rather than made by a generator. */
export const FILE_SOURCE = 'file';

/** The command line of this process, recorded in every file we write. */
export function currentCommandLine(): string {
  const args = process.argv.slice(2).map((a) => (/[\s"'$`\\]/.test(a) ? JSON.stringify(a) : a));
  return ['seth', ...args].join(' ');
}

export function makeProvenance(
  generator: string,
  seed: number | null,
  params: Record<string, unknown>,
  expected?: Expected,
  command: string = currentCommandLine(),
): Provenance {
  const p: Provenance = { tool: TOOL_NAME, version: TOOL_VERSION, command, seed, generator, params };
  if (expected) p.expected = expected;
  return p;
}

// ---------------------------------------------------------------- inputs read by this run

/**
 * Inputs read so far, per run. A batch runs each input in its own scope (`withRunScope`), so the
 * record of one input names only the files that input read.
 */
const scope = new AsyncLocalStorage<Map<string, InputRecord>>();
const processInputs = new Map<string, InputRecord>();

function currentInputs(): Map<string, InputRecord> {
  return scope.getStore() ?? processInputs;
}

/** Run `fn` with its own list of inputs (for one input of a batch). */
export function withRunScope<T>(fn: () => Promise<T>): Promise<T> {
  return scope.run(new Map(), fn);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Record bytes the run read from `path` (`-`/stdin included); called by the input layer. */
export function noteInput(path: string, bytes: Uint8Array, stdin = false): void {
  const key = stdin ? '<stdin>' : resolve(path);
  currentInputs().set(key, { path: key, bytes: bytes.length, sha256: `sha256:${sha256Hex(bytes)}` });
}

/** SHA-256 of a file, streamed (never the whole file in memory). */
export function hashFile(path: string): InputRecord {
  const abs = resolve(path);
  const h = createHash('sha256');
  const fd = openSync(abs, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  try {
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      h.update(buf.subarray(0, got));
      total += got;
    }
  } finally {
    closeSync(fd);
  }
  return { path: abs, bytes: total, sha256: `sha256:${h.digest('hex')}` };
}

/** Record an input file the run read by other means (tensor readers that stream from disk). */
export function noteInputFile(path: string): void {
  const abs = resolve(path);
  if (currentInputs().has(abs)) return;
  try {
    if (!statSync(abs).isFile()) return;
    currentInputs().set(abs, hashFile(abs));
  } catch {
    // Unreadable files were already reported by the reader that failed on them.
  }
}

// ---------------------------------------------------------------- the run record

let commitCache: string | null | undefined;

/** The commit of the checkout the tool runs from; none when it is not a git checkout (an npm install). */
export function gitCommit(): string | undefined {
  // Only the project's own checkout: installed under another repository, that one's commit would be wrong.
  if (commitCache === undefined) commitCache = gitHead(PROJECT_ROOT) ?? null;
  return commitCache ?? undefined;
}

/** argv with every argument that names an existing file or folder made absolute. */
export function absoluteArgv(argv: readonly string[] = process.argv.slice(2)): string[] {
  return argv.map((a) => {
    if (a === '' || a === '-' || a.startsWith('-')) return a;
    try {
      return existsSync(a) ? resolve(a) : a;
    } catch {
      return a;
    }
  });
}

function seedsOf(p: Provenance | undefined): (number | null)[] {
  const out: (number | null)[] = [];
  for (let q = p; q; q = q.from) out.push(q.seed);
  return out;
}

export interface RunRecordOptions {
  /** Fingerprint of the instance the record describes. */
  instance?: string | undefined;
  /** Provenance chain whose seeds to list. */
  provenance?: Provenance | undefined;
  /** Input files to hash besides those the input layer already saw. */
  inputs?: readonly string[] | undefined;
}

export function runRecord(options: RunRecordOptions = {}): RunRecord {
  for (const f of options.inputs ?? []) noteInputFile(f);
  const commit = gitCommit();
  const r: RunRecord = {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    ...(commit ? { commit } : {}),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    time: new Date().toISOString(),
    cwd: process.cwd(),
    argv: absoluteArgv(),
    seeds: seedsOf(options.provenance),
    inputs: [...currentInputs().values()],
  };
  if (options.instance !== undefined) r.instance = options.instance;
  return r;
}

/** A copy of `p` with this run's record stamped on it (the provenance of a file about to be written). */
export function stampRun(p: Provenance, options: Omit<RunRecordOptions, 'provenance'> = {}): Provenance {
  return { ...p, run: runRecord({ ...options, provenance: p }) };
}

/**
 * The provenance with every run record, command line and file location removed, at every level:
 * what identifies the instance (generators, seeds, parameters, versions), not the run that made it.
 */
export function identityOf(p: Provenance): Record<string, unknown> {
  const { command: _c, run: _r, location: _l, embedded: _e, from, ...rest } = ProvenanceSchema.parse(p);
  return from ? { ...rest, from: identityOf(from) } : rest;
}
