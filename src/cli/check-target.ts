import { recoverSource, type RecoveredSource } from '../check/source-from-provenance.js';
import { TRANSFORMER_FORMAT } from '../formats/transformer-tensors.js';
import { readSafetensors } from '../formats/safetensors.js';
import { modelFingerprint } from '../formats/tensor-output.js';
import { readInputBytes } from '../io/files.js';
import { loadInstance } from '../io/instance-file.js';
import { isModelFile, loadModelFile, modelFileFromSafetensors } from '../io/model-file.js';
import { isOutputJson, readOutputInfo } from '../io/output-info.js';
import { attachSourceRecord } from '../io/source-record.js';
import type { MemoryBudget } from '../memory.js';
import type { Instance } from '../problems/instance.js';
import { modelOf } from '../problems/registry.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Provenance } from '../provenance.js';
import type { AnyReduction } from '../reduction/types.js';

/**
 * What `seth check FILE` checks, for every kind of file the workbench writes:
 *  - a source instance (DIMACS, JSON): itself;
 *  - a model (JSON, ONNX, safetensors, .npy folder): the source its provenance records (rebuilt:
 *    generator + seed, or the embedded copy of a file source), through the recorded chain; the
 *    rebuilt model must be the file's (fingerprint, or tensor by tensor in the file's dtype, or the
 *    whole ONNX graph) before anything is decoded;
 *  - an output X_L (.npy + sidecar, .safetensors, seth eval JSON): the instance it records, with
 *    that output decoded instead of evaluating (`--output FILE` implied).
 */
export interface CheckTarget {
  instance: Instance;
  recovered?: RecoveredSource;
  expectModel?: { file: string; fingerprint?: string; differs?: (m: TransformerModel) => string | undefined };
  /** An output file to decode (when FILE is one). */
  output?: string;
  /** What the file was, for the report's first line. */
  kind: 'instance' | 'model' | 'output';
}

/** Models exported by `seth export` record the export step on top of the model's own provenance. */
function modelProvenance(p: Provenance | undefined): Provenance | undefined {
  return p?.generator === 'export' ? p.from : p;
}

function isOutputFile(path: string): boolean {
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) return true;
  if (lower.endsWith('.json')) {
    try {
      const head = readInputBytes(path).toString('utf8');
      return head.trimStart().startsWith('{') && isOutputJson(JSON.parse(head));
    } catch {
      return false;
    }
  }
  return false;
}

/** `reductions`: the registry the recorded chain is looked up in (composed at the root). */
export function checkTarget(file: string, budget: MemoryBudget, reductions: readonly AnyReduction[]): CheckTarget {
  if (file.toLowerCase().endsWith('.safetensors')) {
    const f = readSafetensors(file, { budget });
    if (f.metadata.format !== TRANSFORMER_FORMAT) return outputTarget(file, budget, reductions);
    return modelTarget(file, modelFileFromSafetensors(file, f), budget, reductions);
  }
  if (isModelFile(file)) return modelTarget(file, loadModelFile(file, budget), budget, reductions);
  if (isOutputFile(file)) return outputTarget(file, budget, reductions);
  const loaded = loadInstance(file, { budget });
  const model = modelOf(loaded);
  if (model) {
    const recovered = recoverSource(model, file, reductions, budget);
    return { instance: recovered.source, recovered, expectModel: { fingerprint: modelFingerprint(model), file }, kind: 'model' };
  }
  // A source no generator made gets its file record, as `seth reduce` gives it (same provenance, so outputs match).
  attachSourceRecord(loaded, file);
  return { instance: loaded, kind: 'instance' };
}

function modelTarget(file: string, mf: ReturnType<typeof loadModelFile>, budget: MemoryBudget, reductions: readonly AnyReduction[]): CheckTarget {
  const recovered = recoverSource({ kind: mf.config.problem, provenance: modelProvenance(mf.provenance) }, file, reductions, budget);
  return { instance: recovered.source, recovered, expectModel: { file, differs: mf.differs }, kind: 'model' };
}

function outputTarget(file: string, budget: MemoryBudget, reductions: readonly AnyReduction[]): CheckTarget {
  const o = readOutputInfo(file, budget);
  const recovered = recoverSource({ kind: 'transformer', provenance: o.meta.instance_provenance ?? undefined }, file, reductions, budget);
  const t: CheckTarget = { instance: recovered.source, recovered, output: file, kind: 'output' };
  if (o.meta.instance_fingerprint) t.expectModel = { file, fingerprint: o.meta.instance_fingerprint };
  return t;
}
