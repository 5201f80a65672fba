import { existsSync } from 'node:fs';
import { UserError } from '../errors.js';
import { describeZodError } from '../zod-error.js';
import { readNpy } from '../formats/npy.js';
import { readSafetensors } from '../formats/safetensors.js';
import { OUTPUT_FORMAT, OutputMetaSchema, sidecarPath, type OutputMeta } from '../formats/tensor-output.js';
import type { MemoryBudget } from '../memory.js';
import { noteInputFile } from '../provenance.js';
import { readInputBytes } from './files.js';

/**
 * What an output file (X_L written by `seth eval`, interop scripts or any tool following the
 * output format) says about itself, without the instance it answers: for `seth info`, and for
 * `seth check OUTPUT`, which rebuilds that instance from the recorded provenance.
 */
export interface OutputFileInfo {
  path: string;
  format: 'npy' | 'safetensors' | 'json';
  shape: number[];
  dtype: string;
  meta: OutputMeta;
  /** Shape of the per-head outputs, when the file has them. */
  perHead?: number[];
  /** The sidecar read for a .npy. */
  sidecar?: string;
}

function parseMeta(raw: unknown, name: string): OutputMeta {
  const r = OutputMetaSchema.safeParse(raw);
  if (!r.success) throw new UserError(`${name}: bad output metadata (${describeZodError(r.error)})`);
  return r.data;
}

/** A seth output JSON (`problem: "transformer-output"` or a `format` of the output format)? */
export function isOutputJson(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return v.problem === 'transformer-output' || (v.format === OUTPUT_FORMAT && 'X_L' in v);
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${name}: not valid JSON (${(e as Error).message})`);
  }
}

export function readOutputInfo(path: string, budget?: MemoryBudget): OutputFileInfo {
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) {
    const arr = readNpy(path, budget ? { budget } : {});
    noteInputFile(path);
    const side = sidecarPath(path);
    const out: OutputFileInfo = { path, format: 'npy', shape: [...arr.shape], dtype: arr.dtype, meta: {} };
    if (existsSync(side)) {
      out.meta = parseMeta(parseJson(readInputBytes(side, 64 * 1024 * 1024).toString('utf8'), side), side);
      out.sidecar = side;
      if (out.meta.per_head) out.perHead = out.meta.per_head.shape;
    }
    return out;
  }
  if (lower.endsWith('.safetensors')) {
    const f = readSafetensors(path, budget ? { budget } : {});
    noteInputFile(path);
    const xl = f.tensors.get('X_L');
    if (!xl) throw new UserError(`${path}: no tensor "X_L" (found ${[...f.tensors.keys()].slice(0, 5).join(', ') || 'none'})`);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(f.metadata)) {
      if (k === 'instance_provenance' || k === 'computed_by' || k === 'shape' || k === 'per_head') raw[k] = parseJson(v, `${path}: metadata "${k}"`);
      else if (k in OutputMetaSchema.shape) raw[k] = v;
    }
    const out: OutputFileInfo = { path, format: 'safetensors', shape: [...xl.shape], dtype: xl.dtype, meta: parseMeta(raw, path) };
    const ph = f.tensors.get('per_head');
    if (ph) out.perHead = [...ph.shape];
    return out;
  }
  const value = parseJson(readInputBytes(path).toString('utf8'), path);
  if (!isOutputJson(value)) throw new UserError(`${path}: not a seth output file`);
  const { X_L: xl, perHead, provenance, ...rest } = value;
  const rows = Array.isArray(xl) ? (xl as unknown[]) : [];
  const m = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : 0;
  const own = provenance as { from?: unknown } | undefined;
  if (rest.instance_provenance === undefined && own && typeof own === 'object' && own.from !== undefined) rest.instance_provenance = own.from;
  if (rest.computed_by === undefined && own && typeof own === 'object') rest.computed_by = own;
  const { dtype, ...metaRest } = rest;
  const out: OutputFileInfo = {
    path,
    format: 'json',
    shape: [rows.length, m],
    dtype: typeof dtype === 'string' ? dtype : 'f64',
    meta: parseMeta(metaRest, path),
  };
  if (Array.isArray(perHead)) {
    const L = perHead.length;
    const H = Array.isArray(perHead[0]) ? (perHead[0] as unknown[]).length : 0;
    out.perHead = [L, H, rows.length, m];
  }
  return out;
}
