import type { z } from 'zod';
import { UserError, formatBytes } from '../errors.js';
import { parseDimacs, writeDimacs } from '../formats/dimacs.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import { PROBLEM_IDS, type Instance, type ProblemId } from '../problems/instance.js';
import { problemSpec } from '../problems/registry.js';
import type { Provenance } from '../provenance.js';
import { displayName, looksBinary, readInputBytes } from './files.js';
import { jsonErrorLocation } from './json-position.js';

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
  if (bytes.length === 0 || /^\s*$/.test(Buffer.from(bytes.subarray(0, 4096)).toString('utf8')) && bytes.length <= 4096) {
    throw new UserError(`${name}: empty file; expected a DIMACS CNF file or a JSON instance`);
  }
  if (looksBinary(bytes)) {
    throw new UserError(`${name}: binary data; expected a DIMACS CNF file or a JSON instance (text)`);
  }
  const text = Buffer.from(bytes).toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') return parseJsonInstance(text, name, budget);
  return { problem: 'ksat', data: parseDimacs(text, name, { strict: options.strict ?? true, budget }) };
}

function parseJsonInstance(text: string, name: string, budget: MemoryBudget): Instance {
  guardMemory(`loading ${name}`, text.length * JSON_EXPANSION, budget);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const at = jsonErrorLocation(text);
    throw new UserError(`${name}:${at.line}:${at.col}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${name}: expected a JSON object with a "problem" field`);
  }
  const problem = (value as Record<string, unknown>).problem;
  if (typeof problem !== 'string' || !(PROBLEM_IDS as readonly string[]).includes(problem)) {
    throw new UserError(
      `${name}: field "problem": expected one of ${PROBLEM_IDS.join(', ')}, found ${JSON.stringify(problem) ?? 'nothing'}`,
    );
  }
  const spec = problemSpec(problem as ProblemId);
  const parsed = spec.jsonSchema.safeParse(value);
  if (!parsed.success) throw new UserError(`${name}: ${describeZodError(parsed.error)}`);
  return { problem: spec.id, data: spec.fromJson(parsed.data) } as Instance;
}

/** "field a.b[3]: message (and N more problems)". */
export function describeZodError(error: z.ZodError): string {
  const issues = error.issues;
  const first = issues[0];
  if (!first) return 'invalid';
  const path = first.path.length === 0 ? '(top level)' : formatPath(first.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return `field ${path}: ${first.message}${more}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** File text for an instance: DIMACS for k-SAT, JSON otherwise. */
export function serializeInstance(instance: Instance, format: 'auto' | 'json' = 'auto'): string {
  if (instance.problem === 'ksat' && format === 'auto') return writeDimacs(instance.data);
  const json = problemSpec(instance.problem).toJson(instance.data);
  // Vector lists read best one vector per line; big numeric tensors stay compact.
  if (instance.problem === 'ov' || instance.problem === '3ov') return `${JSON.stringify(json, null, 1)}\n`;
  return `${JSON.stringify(json)}\n`;
}

export function provenanceOf(instance: Instance): Provenance | undefined {
  return instance.data.provenance;
}

export function describeSize(bytes: number): string {
  return formatBytes(bytes);
}
