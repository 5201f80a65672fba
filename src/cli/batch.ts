import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { isStdio } from '../io/files.js';
import { withRunScope } from '../provenance.js';

/**
 * Batch mode of `seth check`, `seth solve` and `seth info`: several files, folders and globs in
 * one process (one start-up, one engine pool), results in input order.
 */

/** Files a folder contributes: what the workbench reads (not sidecars, per-head files or manifests). */
const INPUT_FILE = /\.(cnf|dimacs|json|onnx|safetensors|npy)$/i;
const NOT_AN_INPUT = /(\.npy\.json|\.per-head\.npy|^manifest\.json)$/i;

function isGlob(s: string): boolean {
  return /[*?[]/.test(s);
}

function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Natural order: uf20-2 before uf20-10. */
const natural = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });

/** A folder that is one input (an .npy export: manifest.json inside), not a folder of inputs. */
function isModelFolder(path: string): boolean {
  return existsSync(join(path, 'manifest.json'));
}

/**
 * Every input the arguments name, in order: files as given, folders as their input files (sorted
 * naturally; an .npy export folder is one input), globs (wildcards in the last path component,
 * expanded here so that quoting them works too) as their matches. A folder or glob that names
 * nothing is an error.
 */
export function expandInputs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (isStdio(a)) {
      out.push(a);
      continue;
    }
    if (isGlob(basename(a)) && !existsSync(a)) {
      const dir = dirname(a);
      if (isGlob(dir)) throw new UserError(`${a}: wildcards only in the last part of a path`);
      const re = globToRegex(basename(a));
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        throw new UserError(`${a}: no such folder ${dir}`);
      }
      const hits = names.filter((n) => re.test(n)).sort(natural);
      if (hits.length === 0) throw new UserError(`${a}: matches no file`);
      out.push(...hits.map((n) => (dir === '.' && !a.startsWith('./') ? n : join(dir, n))));
      continue;
    }
    let st;
    try {
      st = statSync(a);
    } catch {
      throw new UserError(`${a}: no such file`);
    }
    if (st.isDirectory() && !isModelFolder(a)) {
      const files = readdirSync(a)
        .filter((n) => INPUT_FILE.test(n) && !NOT_AN_INPUT.test(n) && !n.startsWith('.'))
        .filter((n) => statSync(join(a, n)).isFile() || isModelFolder(join(a, n)))
        .sort(natural);
      if (files.length === 0) throw new UserError(`${a}: a folder with no input files (.cnf, .json, .onnx, .safetensors, .npy)`);
      out.push(...files.map((n) => join(a, n)));
    } else out.push(a);
  }
  return out;
}

/** One batch: the arguments named several inputs, or a folder or glob (even of one file). */
export function isBatch(given: readonly string[], inputs: readonly string[]): boolean {
  return inputs.length !== 1 || given.length !== 1 || given[0] !== inputs[0];
}

/**
 * Run `fn` over the inputs with at most `jobs` at a time, each in its own run scope (its run
 * record lists only its own input files), handing each a worker slot (0 … jobs−1) for pooled
 * resources; `onDone` sees results as they finish, the promise resolves in input order.
 */
export async function runAll<T>(
  inputs: readonly string[],
  jobs: number,
  fn: (input: string, slot: number) => Promise<T>,
  onDone?: (i: number, r: T) => void,
): Promise<T[]> {
  const results: T[] = new Array<T>(inputs.length);
  let next = 0;
  const worker = async (slot: number): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      results[i] = await withRunScope(() => fn(inputs[i]!, slot));
      onDone?.(i, results[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, inputs.length)) }, (_, s) => worker(s)));
  return results;
}

/** A plain-text table: header, rows, columns padded to their widest cell (numbers right-aligned). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[-\d.,]+( ?(s|ms|%))?$|^–$/.test(r[c] ?? '')));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, c) => (numeric[c] ? cell.padStart(w[c]!) : cell.padEnd(w[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(w.map((n) => '─'.repeat(n))), ...rows.map(line)].join('\n');
}
