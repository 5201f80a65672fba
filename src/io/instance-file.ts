import { UserError, describeValue } from '../errors.js';
import { describeZodError } from '../zod-error.js';
import { parseDimacs, streamDimacs } from '../formats/dimacs.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import { PROBLEM_IDS, type Instance, type ProblemId } from '../problems/instance.js';
import { streamedJsonForm } from '../problems/streamed-json.js';
import { problemSpec } from '../problems/registry.js';
import { displayName, readInputBytes, writeStreamAtomic, type ByteSink } from './files.js';
import { JSON_CHUNK_CHARS, streamJson, stringSink } from './json-stream.js';
import { parseJsonText } from './json-text.js';
import { readText } from './text.js';

/**
 * Loading and saving instance files of every problem. DIMACS for k-SAT; JSON (validated by the
 * problem's zod schema, errors naming the field path) for everything, k-SAT included.
 */
export interface LoadOptions {
  budget?: MemoryBudget;
  /** DIMACS strictness (default true). */
  strict?: boolean;
}

/** JSON text expands roughly this much in memory (numbers become doubles inside JS arrays). */
const JSON_EXPANSION = 12;

export function loadInstance(path: string, options: LoadOptions = {}): Instance {
  const budget = options.budget ?? defaultBudget();
  const name = displayName(path);
  const bytes = readInputBytes(path, budget.force ? Number.POSITIVE_INFINITY : budget.limitBytes / JSON_EXPANSION);
  return parseInstance(bytes, name, { ...options, budget });
}

export function parseInstance(bytes: Uint8Array, name: string, options: LoadOptions = {}): Instance {
  const budget = options.budget ?? defaultBudget();
  // One decoding for both formats: a BOM is dropped; invalid UTF-8 is an error at its line and
  // column unless the reader finds an earlier problem.
  return readText(bytes, name, (text) => {
    if (text.trim().length === 0) {
      throw new UserError(`${name}: empty file; expected a DIMACS CNF file or a JSON instance`);
    }
    const first = text.trimStart()[0];
    if (first === '{' || first === '[') return parseJsonInstance(text, name, budget);
    const instance: Instance = { problem: 'ksat', data: parseDimacs(text, name, { strict: options.strict ?? true, budget }) };
    return instance;
  });
}

function parseJsonInstance(text: string, name: string, budget: MemoryBudget): Instance {
  guardMemory(`loading ${name}`, text.length * JSON_EXPANSION, budget);
  const value = parseJsonText(text, name);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${name}: expected a JSON object with a "problem" field`);
  }
  const problem = (value as Record<string, unknown>).problem;
  if (typeof problem !== 'string' || !(PROBLEM_IDS as readonly string[]).includes(problem)) {
    throw new UserError(`${name}: field "problem": expected one of ${PROBLEM_IDS.join(', ')}, found ${describeValue(problem)}`);
  }
  const spec = problemSpec(problem as ProblemId);
  const parsed = spec.jsonSchema.safeParse(value);
  if (!parsed.success) throw new UserError(`${name}: ${describeZodError(parsed.error)}`);
  return { problem: spec.id, data: spec.fromJson(parsed.data) } as Instance;
}

/**
 * An instance's file form into a sink, in bounded pieces (never one string of the whole
 * instance): DIMACS for k-SAT (unless `format` is json), JSON otherwise.
 */
export function streamInstance(sink: ByteSink, instance: Instance, format: 'auto' | 'json' = 'auto', chunkChars = JSON_CHUNK_CHARS): void {
  if (instance.problem === 'ksat' && format === 'auto') return streamDimacs(sink, instance.data, chunkChars);
  // Rows made one at a time (k-SAT, OV, 3-OV): writing a large instance builds no tree of it.
  const json = streamedJsonForm(instance) ?? problemSpec(instance.problem).toJson(instance.data);
  // Vector lists read best one vector per line; big numeric tensors stay compact.
  streamJson(sink, json, { indent: instance.problem === 'ov' || instance.problem === '3ov' ? 1 : 0, chunkChars });
  sink.write(NEWLINE);
}

const NEWLINE = Buffer.from('\n');

/** Write an instance file atomically, streamed (`-` = stdout). */
export function writeInstance(path: string, instance: Instance, format: 'auto' | 'json' = 'auto'): void {
  writeStreamAtomic(path, (sink) => streamInstance(sink, instance, format));
}

/** File text for a (small) instance: what writeInstance writes. */
export function serializeInstance(instance: Instance, format: 'auto' | 'json' = 'auto'): string {
  const sink = stringSink();
  streamInstance(sink, instance, format);
  return sink.text();
}
