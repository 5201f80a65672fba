import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { describeZodError } from '../zod-error.js';
import { buildOnnxModel, decodeOnnxModel, encodeOnnxGraph } from '../formats/onnx.js';
import { readNpy } from '../formats/npy.js';
import type { NpyArray } from '../formats/elements.js';
import {
  ModelConfigSchema,
  TRANSFORMER_FORMAT,
  modelFromSafetensors,
  transformerTensors,
  type ModelConfig,
  modelConfig,
} from '../formats/transformer-tensors.js';
import { readSafetensors, type SafetensorsFile } from '../formats/safetensors.js';
import type { MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { ProvenanceSchema, noteInputFile, type Provenance } from '../provenance.js';
import { readInputBytes } from './files.js';

/**
 * Reading back the models `seth export` writes: ONNX (`.onnx`), safetensors (`.safetensors` whose
 * metadata format is the transformer format) and .npy folders (a folder with `manifest.json`).
 *
 * Each says what it is (config, dtype, fingerprint and provenance as recorded) and can be compared
 * with a model built independently: `differs(model)` is undefined when the file holds exactly that
 * model in the file's dtype (f32 files: every weight the float32 rounding of the model's), else a
 * description of the first difference. `seth check` rebuilds the model from the recorded source
 * and chain and runs that comparison before trusting the file; nothing recorded is believed.
 * ONNX files hold weights, not the input X (the graph input): their comparison is the whole graph.
 */
export type ModelFileFormat = 'onnx' | 'safetensors' | 'npy folder';

export interface ModelFile {
  path: string;
  format: ModelFileFormat;
  dtype: 'f32' | 'f64';
  config: ModelConfig;
  /** The model itself, when the file holds all of it (safetensors, npy folders; not ONNX, which lacks X). */
  model?: TransformerModel;
  /** What the file records (not trusted by the checker). */
  fingerprint?: string;
  provenance?: Provenance;
  /** Extra facts for `seth info` (ONNX: opset, heads layout, initializers). */
  details: Record<string, unknown>;
  differs: (model: TransformerModel) => string | undefined;
}

/** Whether `path` names a model file of one of the exported kinds (by extension, or a folder with a manifest). */
export function isModelFile(path: string): boolean {
  const lower = path.toLowerCase();
  if (lower.endsWith('.onnx')) return true;
  if (lower.endsWith('.safetensors')) return true;
  try {
    return statSync(path).isDirectory() && existsSync(join(path, 'manifest.json'));
  } catch {
    return false;
  }
}

function parseProvenance(raw: unknown, name: string): Provenance | undefined {
  if (raw === undefined) return undefined;
  let v: unknown = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch {
      throw new UserError(`${name}: metadata "provenance" is not valid JSON`);
    }
  }
  const p = ProvenanceSchema.safeParse(v);
  if (!p.success) throw new UserError(`${name}: metadata "provenance" is not a seth provenance record`);
  return p.data;
}

function tensorDtype(t: NpyArray, name: string): 'f32' | 'f64' {
  if (t.dtype === 'f32' || t.dtype === 'f64') return t.dtype;
  throw new UserError(`${name}: tensors must be f32 or f64, found ${t.dtype}`);
}

/** Compare every tensor of the file with the model's, rounded to the file's dtype. */
function tensorsDiffer(file: SafetensorsFile, dtype: 'f32' | 'f64', config: ModelConfig, model: TransformerModel): string | undefined {
  const want = modelConfig(model);
  if (JSON.stringify(want) !== JSON.stringify(config)) return `configuration ${JSON.stringify(config)}, the rebuilt model has ${JSON.stringify(want)}`;
  for (const t of transformerTensors(model, dtype)) {
    const got = file.tensors.get(t.name);
    if (!got) return `tensor ${t.name} is missing`;
    if (got.data.length !== t.data.length) return `tensor ${t.name} has ${got.data.length} entries, expected ${t.data.length}`;
    for (let i = 0; i < t.data.length; i++) {
      const v = dtype === 'f32' ? Math.fround(t.data[i]!) : t.data[i]!;
      if (!Object.is(got.data[i], v)) return `tensor ${t.name}[${i}] is ${got.data[i]}, the rebuilt model has ${v}`;
    }
  }
  return undefined;
}

function fromTensors(path: string, format: ModelFileFormat, file: SafetensorsFile, provenanceRaw: unknown, fingerprint: string | undefined): ModelFile {
  const name = path;
  const model = modelFromSafetensors(file, name);
  const config = ModelConfigSchema.parse(JSON.parse(file.metadata.config ?? '{}'));
  const first = file.tensors.get('X');
  const dtype = first ? tensorDtype(first, name) : 'f64';
  const provenance = parseProvenance(provenanceRaw, name);
  if (provenance) model.provenance = provenance;
  const out: ModelFile = {
    path,
    format,
    dtype,
    config,
    model,
    details: { tensors: file.tensors.size },
    differs: (m) => tensorsDiffer(file, dtype, config, m),
  };
  if (fingerprint !== undefined) out.fingerprint = fingerprint;
  if (provenance) out.provenance = provenance;
  return out;
}

const ManifestSchema = z.object({
  format: z.string(),
  form: z.string(),
  config: z.unknown(),
  scale: z.number().optional(),
  annotations: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
  fingerprint: z.string().optional(),
  provenance: z.unknown().optional(),
  tensors: z.record(z.string(), z.object({ file: z.string(), shape: z.array(z.number().int().nonnegative()), dtype: z.string() })),
});

function loadNpyFolder(path: string, budget?: MemoryBudget): ModelFile {
  const manifestPath = join(path, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readInputBytes(manifestPath, 64 * 1024 * 1024).toString('utf8'));
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const m = ManifestSchema.safeParse(raw);
  if (!m.success) throw new UserError(`${manifestPath}: not a seth npy export manifest (${describeZodError(m.error)})`);
  const tensors = new Map<string, NpyArray>();
  for (const [t, entry] of Object.entries(m.data.tensors)) {
    if (entry.file.includes('/') || entry.file.includes('\\') || entry.file.startsWith('.')) {
      throw new UserError(`${manifestPath}: tensor ${t}: file ${JSON.stringify(entry.file)} must be a plain name inside the folder`);
    }
    const file = join(path, entry.file);
    const arr = readNpy(file, budget ? { budget } : {});
    noteInputFile(file);
    if (arr.shape.length !== entry.shape.length || arr.shape.some((d, i) => d !== entry.shape[i])) {
      throw new UserError(`${file}: shape [${arr.shape.join(', ')}], the manifest says [${entry.shape.join(', ')}]`);
    }
    tensors.set(t, arr);
  }
  const metadata: Record<string, string> = {
    format: m.data.format,
    form: m.data.form,
    config: JSON.stringify(m.data.config),
    annotations: JSON.stringify(m.data.annotations),
  };
  return fromTensors(path, 'npy folder', { metadata, tensors }, m.data.provenance, m.data.fingerprint);
}

function loadOnnx(path: string, budget?: MemoryBudget): ModelFile {
  const bytes = readInputBytes(path, budget?.force ? Number.POSITIVE_INFINITY : (budget?.limitBytes ?? Number.POSITIVE_INFINITY));
  let proto: ReturnType<typeof decodeOnnxModel>;
  try {
    proto = decodeOnnxModel(bytes);
  } catch (e) {
    throw new UserError(`${path}: not an ONNX model (${(e as Error).message})`);
  }
  const md = Object.fromEntries((proto.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  if (md.format !== TRANSFORMER_FORMAT) {
    throw new UserError(
      `${path}: an ONNX model not written by seth export (metadata "format" is ${JSON.stringify(md.format ?? null)}, expected "${TRANSFORMER_FORMAT}")`,
    );
  }
  const graph = proto.graph;
  if (!graph) throw new UserError(`${path}: ONNX model without a graph`);
  const provenance = parseProvenance(md.provenance, path);
  const params = provenance?.params ?? {};
  const input = graph.input?.[0]?.type?.tensorType;
  const dims = (input?.shape?.dim ?? []).map((d) => Number(d.dimValue ?? 0));
  const dtype: 'f32' | 'f64' = input?.elemType === 11 ? 'f64' : 'f32';
  let config: ModelConfig;
  if (md.config !== undefined) config = ModelConfigSchema.parse(JSON.parse(md.config));
  else throw new UserError(`${path}: ONNX metadata has no "config" (exported by an older seth); re-export it`);
  if (dims[0] !== config.tokens || dims[1] !== config.width) {
    throw new UserError(`${path}: input X has shape [${dims.join(', ')}], the metadata config says [${config.tokens}, ${config.width}]`);
  }
  const heads = params.heads === 'separate' ? 'separate' : 'batched';
  const out: ModelFile = {
    path,
    format: 'onnx',
    dtype,
    config,
    details: {
      opset: proto.opsetImport?.[0]?.version,
      ir: Number(proto.irVersion ?? 0),
      heads,
      initializers: graph.initializer?.length ?? 0,
      nodes: graph.node?.length ?? 0,
      note: 'X is the graph input, not stored',
    },
    differs: (model) => {
      const want = modelConfig(model);
      if (JSON.stringify(want) !== JSON.stringify(config)) return `configuration ${JSON.stringify(config)}, the rebuilt model has ${JSON.stringify(want)}`;
      // Both sides decoded from bytes, so both are in protobufjs's normal form before re-encoding.
      const rebuilt = decodeOnnxModel(buildOnnxModel(model, { dtype, heads })).graph!;
      const a = encodeOnnxGraph(rebuilt);
      const b = encodeOnnxGraph(graph);
      if (a.length !== b.length || a.some((v, i) => v !== b[i])) return 'its graph (nodes and weights) is not the one the chain builds';
      return undefined;
    },
  };
  if (md.fingerprint) out.fingerprint = md.fingerprint;
  if (provenance) out.provenance = provenance;
  return out;
}

/** Load a model file of any exported kind. */
export function loadModelFile(path: string, budget?: MemoryBudget): ModelFile {
  const lower = path.toLowerCase();
  if (lower.endsWith('.onnx')) return loadOnnx(path, budget);
  if (lower.endsWith('.safetensors')) {
    return modelFileFromSafetensors(path, readSafetensors(path, budget ? { budget } : {}));
  }
  return loadNpyFolder(path, budget);
}

/** A safetensors file already read: the model it holds (refused when it is not a seth model file). */
export function modelFileFromSafetensors(path: string, f: SafetensorsFile): ModelFile {
  noteInputFile(path);
  if (f.metadata.format !== TRANSFORMER_FORMAT) {
    throw new UserError(`${path}: safetensors metadata "format" is ${JSON.stringify(f.metadata.format ?? null)}, expected "${TRANSFORMER_FORMAT}"`);
  }
  return fromTensors(path, 'safetensors', f, f.metadata.provenance, f.metadata.fingerprint);
}
