import { existsSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { describeZodError } from '../zod-error.js';
import { displayName, fileDigest, hashingSink, readInputBytes, writeOutputAtomic, writeStreamAtomic } from '../io/files.js';
import { MAX_JSON_DEPTH, parseJsonText } from '../io/json-text.js';
import { decodeText } from '../io/text.js';
import type { MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { ProvenanceSchema, identityOf, type Provenance } from '../provenance.js';
import { readNpy, streamNpy } from './npy.js';
import type { NpyArray } from './elements.js';
import { readSafetensors } from './safetensors.js';

/**
 * Outputs X_L computed anywhere (onnxruntime, PyTorch on a GPU, another machine), loaded and
 * checked against the instance they claim to answer.
 *
 * Accepted files:
 *  - `.npy`: a 2-D float32 or float64 array [n, m], optionally with a sidecar `PATH.json`
 *    (`{"format": "seth-workbench output v1", "tensor": "X_L", "instance_fingerprint": …,
 *    "instance_provenance": {…}, "computed_by": {…}}`) as `python -m seth_torch` writes it;
 *  - `.safetensors`: a tensor `X_L` [n, m], with the same keys (strings; provenance as JSON) in
 *    `__metadata__`;
 *  - `.json`: a bare n×m array of numbers, or an object `{"X_L": [[…]], …}` with the same keys
 *    (`seth eval` output qualifies: its `provenance.from` is taken as the instance's provenance,
 *    and its `dtype` is reported as the arithmetic that computed the decimals).
 *
 * Checks, each a one-line user error (exit 2): shape exactly [n, m]; dtype f32 or f64; every entry
 * finite; when the file carries `instance_fingerprint`, it equals `modelFingerprint(model)`; when
 * it carries `instance_provenance` and the instance has provenance, the two are equal.
 */

export const OUTPUT_FORMAT = 'seth-workbench output v1';

// The fingerprint belongs to the model (src/problems/fingerprint.ts); re-exported for the readers here.
export { modelFingerprint } from '../problems/fingerprint.js';
import { modelFingerprint } from '../problems/fingerprint.js';

/** What an output file may say about where it came from. */
export const OutputMetaSchema = z.object({
  format: z.literal(OUTPUT_FORMAT).optional(),
  tensor: z.string().optional(),
  dtype: z.enum(['f32', 'f64']).optional(),
  shape: z.array(z.number().int().nonnegative()).optional(),
  instance_fingerprint: z.string().optional(),
  /** Sidecars: the data file they describe (a kill between the two writes is then detected). */
  data_sha256: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/)
    .optional(),
  data_bytes: z.number().int().nonnegative().optional(),
  instance_provenance: ProvenanceSchema.nullable().optional(),
  computed_by: z.record(z.string(), z.unknown()).optional(),
  /** `seth eval --per-head`: the file (beside this one) holding every head's output [L, H, n, m]. */
  per_head: z.object({ file: z.string(), shape: z.array(z.number().int().nonnegative()) }).optional(),
});
export type OutputMeta = z.infer<typeof OutputMetaSchema>;

export interface ValidatedOutput {
  /** X_L, n×m row-major, widened to float64. */
  output: Float64Array;
  /** Element type the file stored. */
  dtype: 'f32' | 'f64';
  /** Whether the file's instance fingerprint was present and matched. */
  fingerprint: 'matched' | 'absent';
  /** Whether the file's instance provenance was compared with the instance's and matched. */
  provenance: 'matched' | 'absent';
  /** Free-form `computed_by` record (engine, device, versions), when the file has one. */
  computedBy?: Record<string, unknown>;
}

export interface LoadedOutput extends ValidatedOutput {
  path: string;
  format: 'npy' | 'safetensors' | 'json';
  /** The sidecar that was read, when any. */
  sidecar?: string;
}

/** Sidecar of a .npy output: `X_L.npy` → `X_L.npy.json`. */
export function sidecarPath(npyPath: string): string {
  return `${npyPath}.json`;
}

/**
 * Key-sorted JSON of a value, depth-limited: inputs are read at most MAX_JSON_DEPTH deep, and a
 * chain of reductions adds a level per step, so twice that is never reached by real provenance.
 */
function canonical(v: unknown, depth = 0): string {
  if (depth > 2 * MAX_JSON_DEPTH) throw new UserError(`provenance nested deeper than ${2 * MAX_JSON_DEPTH} levels`);
  if (Array.isArray(v)) return `[${v.map((x) => canonical(x, depth + 1)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * The same instance, as provenance tells: the same generators, seeds, parameters and versions all
 * the way down the `from` chain. Command lines, run records and file locations are left out: the same instance is rebuilt by
 * different commands (`seth reduce` once, `seth check` later) and the fingerprint already pins
 * the numbers.
 */
function sameProvenance(a: Provenance, b: Provenance): boolean {
  return canonical(identityOf(a)) === canonical(identityOf(b));
}

/** A short description of a provenance chain for error messages. */
function describeChain(p: Provenance): string {
  const parts: string[] = [];
  for (let q: Provenance | undefined = p; q; q = q.from) parts.push(`${q.generator}(seed ${q.seed ?? 'none'})`);
  return parts.join(' ← ');
}

/**
 * Check a loaded tensor against the model it claims to answer and widen it to float64.
 * `name` names the file in error messages; `meta` is what the file (or its sidecar) says.
 */
export function validateOutput(tensor: NpyArray, model: TransformerModel, name: string, meta: OutputMeta = {}): ValidatedOutput {
  const { tokens: n, width: m } = model;
  try {
    checkOutputHeader(tensor.dtype, tensor.shape, model, name);
  } catch (e) {
    // Say which shape the output was made for, when its provenance tells.
    if (e instanceof UserError && madeFor(meta, model) !== '') throw new UserError(`${e.message}${madeFor(meta, model)}`);
    throw e;
  }
  if (meta.shape && (meta.shape.length !== 2 || meta.shape[0] !== n || meta.shape[1] !== m)) {
    throw new UserError(`${name}: metadata says shape [${meta.shape.join(', ')}], expected [${n}, ${m}]`);
  }
  if (meta.dtype && meta.dtype !== tensor.dtype) throw new UserError(`${name}: metadata says dtype ${meta.dtype} but the data is ${tensor.dtype}`);
  const data = tensor.data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      throw new UserError(`${name}: X_L[${Math.floor(i / m)}][${i % m}] is ${String(v)}; every entry must be finite`);
    }
  }
  let fingerprint: 'matched' | 'absent' = 'absent';
  if (meta.instance_fingerprint !== undefined) {
    const mine = modelFingerprint(model);
    if (meta.instance_fingerprint !== mine) {
      throw new UserError(
        `${name}: computed for a different instance (instance fingerprint ${meta.instance_fingerprint}, this instance is ${mine})${madeFor(meta, model)}`,
      );
    }
    fingerprint = 'matched';
  }
  let provenance: 'matched' | 'absent' = 'absent';
  if (meta.instance_provenance && model.provenance) {
    if (!sameProvenance(meta.instance_provenance, model.provenance)) {
      throw new UserError(
        `${name}: computed for a different instance (its provenance: ${describeChain(meta.instance_provenance)}; ` +
          `this instance: ${describeChain(model.provenance)})`,
      );
    }
    provenance = 'matched';
  }
  const out: ValidatedOutput = {
    output: data instanceof Float64Array ? data : Float64Array.from(data),
    dtype: tensor.dtype,
    fingerprint,
    provenance,
  };
  if (meta.computed_by) out.computedBy = meta.computed_by;
  return out;
}

/** dtype and shape of an X_L against the model: checked from a file's header before its data is read. */
export function checkOutputHeader(dtype: string, shape: readonly number[], model: TransformerModel, name: string): asserts dtype is 'f32' | 'f64' {
  const { tokens: n, width: m } = model;
  if (dtype !== 'f32' && dtype !== 'f64') throw new UserError(`${name}: X_L has dtype ${dtype}, expected f32 or f64`);
  if (shape.length !== 2 || shape[0] !== n || shape[1] !== m) {
    const hint = shape.length === 3 && shape[0] === 1 && shape[1] === n && shape[2] === m ? ' (drop the leading batch dimension)' : '';
    throw new UserError(`${name}: X_L has shape [${shape.join(', ')}], expected [${n}, ${m}] (tokens × width of the instance)${hint}`);
  }
}

/** A sidecar that records its data file's digest must describe the file beside it. */
function checkPair(meta: OutputMeta, dataPath: string, side: string): void {
  if (meta.data_sha256 === undefined && meta.data_bytes === undefined) return;
  const d = fileDigest(dataPath);
  if ((meta.data_bytes !== undefined && meta.data_bytes !== d.bytes) || (meta.data_sha256 !== undefined && meta.data_sha256 !== d.sha256)) {
    throw new UserError(
      `${side}: stale sidecar: it describes a data file of ${meta.data_bytes ?? '?'} bytes (${meta.data_sha256 ?? 'no digest'}), ` +
        `but ${dataPath} has ${d.bytes} bytes (${d.sha256}); the two were not written together (write them again)`,
    );
  }
}

/** A sidecar's text (`X_L.npy.json`) as output metadata; errors are positioned user errors. */
export function parseSidecar(bytes: Uint8Array, name: string): OutputMeta {
  return parseMeta(parseJsonBytes(bytes, name), name);
}

/**
 * When the output was made for another shape of transformer than the one asked for, say so:
 * "; made for 2 × 2 (layers × heads), you asked for 1 × 4: give -L 2 -H 2". The shape is read
 * from the declared sizes the output's instance provenance records.
 */
function madeFor(meta: OutputMeta, model: TransformerModel): string {
  const declared = meta.instance_provenance?.params.declaredSizes as Record<string, unknown> | undefined;
  const L = declared?.layers;
  const H = declared?.heads;
  if (typeof L !== 'number' || typeof H !== 'number' || (L === model.layers && H === model.heads)) return '';
  return `; made for ${L} × ${H} (layers × heads), you asked for ${model.layers} × ${model.heads}: give -L ${L} -H ${H}`;
}

function parseMeta(raw: unknown, name: string): OutputMeta {
  const r = OutputMetaSchema.safeParse(raw);
  if (!r.success) throw new UserError(`${name}: bad output metadata (${describeZodError(r.error)})`);
  return r.data;
}

function parseJsonBytes(bytes: Uint8Array, name: string): unknown {
  return parseJsonText(decodeText(bytes, name), name);
}

/** safetensors `__metadata__` values are strings: provenance and computed_by hold JSON. */
function metaFromStrings(md: Readonly<Record<string, string>>, name: string): OutputMeta {
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(md)) {
    if (k === 'instance_provenance' || k === 'computed_by' || k === 'shape') {
      raw[k] = parseJsonText(v, `${name} (metadata "${k}")`);
    } else if (k in OutputMetaSchema.shape) raw[k] = v;
  }
  return parseMeta(raw, name);
}

export interface LoadOutputOptions {
  budget?: MemoryBudget;
}

/** Load an X_L from .npy (+ sidecar), .safetensors or .json and validate it against `model`. */
export function loadOutput(path: string, model: TransformerModel, options: LoadOutputOptions = {}): LoadedOutput {
  const name = displayName(path);
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) {
    const side = sidecarPath(path);
    let meta: OutputMeta = {};
    let sidecar: string | undefined;
    if (existsSync(side)) {
      meta = parseSidecar(readInputBytes(side, 64 * 1024 * 1024), side);
      sidecar = side;
    }
    const beforeData = (dtype: string, shape: readonly number[]): void => checkOutputHeader(dtype, shape, model, name);
    const arr = readNpy(path, options.budget ? { budget: options.budget, beforeData } : { beforeData });
    if (sidecar) checkPair(meta, path, sidecar);
    const v = validateOutput(arr, model, name, meta);
    return sidecar ? { ...v, path, format: 'npy', sidecar } : { ...v, path, format: 'npy' };
  }
  if (lower.endsWith('.safetensors')) {
    const beforeData = (tensors: ReadonlyMap<string, { dtype: string; shape: readonly number[] }>): void => {
      const t = tensors.get('X_L') ?? (tensors.size === 1 ? [...tensors.values()][0] : undefined);
      if (t) checkOutputHeader(t.dtype, t.shape, model, name);
    };
    const file = readSafetensors(path, options.budget ? { budget: options.budget, beforeData } : { beforeData });
    const key = file.tensors.has('X_L') ? 'X_L' : file.tensors.size === 1 ? [...file.tensors.keys()][0]! : undefined;
    if (key === undefined) throw new UserError(`${name}: no tensor named "X_L" (found ${[...file.tensors.keys()].slice(0, 5).join(', ') || 'none'})`);
    const meta = metaFromStrings(file.metadata, name);
    return { ...validateOutput(file.tensors.get(key)!, model, name, meta), path, format: 'safetensors' };
  }
  if (lower.endsWith('.json')) {
    const raw = parseJsonBytes(readInputBytes(path), name);
    let rows: unknown;
    let meta: OutputMeta = {};
    if (Array.isArray(raw)) rows = raw;
    else if (raw !== null && typeof raw === 'object') {
      const { X_L: xl, output, ...rest } = raw as Record<string, unknown>;
      rows = xl ?? output;
      if (rows === undefined) throw new UserError(`${name}: expected an n×m array, or an object with "X_L"`);
      // `seth eval` output: its own provenance records the instance's under "from".
      const own = rest.provenance as { from?: unknown } | undefined;
      if (rest.instance_provenance === undefined && own && typeof own === 'object' && own.from !== undefined) {
        rest.instance_provenance = own.from;
      }
      meta = parseMeta(rest, name);
    } else throw new UserError(`${name}: expected an n×m array, or an object with "X_L"`);
    const parsed = z.array(z.array(z.number())).safeParse(rows);
    if (!parsed.success) throw new UserError(`${name}: X_L must be an array of rows of numbers`);
    const m = parsed.data[0]?.length ?? 0;
    const ragged = parsed.data.findIndex((r) => r.length !== m);
    if (ragged >= 0) throw new UserError(`${name}: row ${ragged} of X_L has ${parsed.data[ragged]!.length} entries, row 0 has ${m}`);
    const data = new Float64Array(parsed.data.length * m);
    parsed.data.forEach((r, i) => data.set(r, i * m));
    // JSON holds decimals: the data is read as f64; a "dtype" key tells the arithmetic that made it.
    const { dtype: computedIn, ...rest } = meta;
    const v = validateOutput({ dtype: 'f64', shape: [parsed.data.length, m], data }, model, name, rest);
    return { ...v, dtype: computedIn ?? 'f64', path, format: 'json' };
  }
  throw new UserError(`${name}: unknown output format; expected a .npy, .safetensors or .json file`);
}

export interface WriteOutputOptions {
  dtype?: 'f32' | 'f64';
  /** Recorded as `computed_by` in the sidecar. */
  computedBy?: Record<string, unknown>;
  /** The per-head outputs written beside X_L (recorded as `per_head` in the sidecar). */
  perHead?: { file: string; shape: number[] };
}

/** Write X_L as .npy plus its sidecar (fingerprint and provenance of the instance). */
export function writeOutputNpy(path: string, output: Float64Array, model: TransformerModel, options: WriteOutputOptions = {}): void {
  const dtype = options.dtype ?? 'f64';
  // The sidecar records the digest of the data written: a pair torn apart by a kill between the
  // two renames (or a data file replaced later) is a clear error on reading, never a false match.
  let digest = '';
  let bytes = 0;
  writeStreamAtomic(path, (sink) => {
    const h = hashingSink(sink);
    streamNpy(h, { shape: [model.tokens, model.width], data: output, dtype });
    digest = h.digest();
    bytes = h.written;
  });
  const meta: OutputMeta = {
    format: OUTPUT_FORMAT,
    tensor: 'X_L',
    dtype,
    shape: [model.tokens, model.width],
    instance_fingerprint: modelFingerprint(model),
    instance_provenance: model.provenance ?? null,
    data_sha256: digest,
    data_bytes: bytes,
  };
  if (options.computedBy) meta.computed_by = options.computedBy;
  if (options.perHead) meta.per_head = options.perHead;
  writeOutputAtomic(sidecarPath(path), `${JSON.stringify(meta, null, 1)}\n`);
}
