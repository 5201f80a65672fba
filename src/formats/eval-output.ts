import { basename } from 'node:path';
import type { EvalResult } from '../engine/types.js';
import { writeStreamAtomic } from '../io/files.js';
import { streamJson } from '../io/json-stream.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Provenance } from '../provenance.js';
import { writeNpy } from './npy.js';
import { writeSafetensors, type TensorSource } from './safetensors.js';
import { OUTPUT_FORMAT, modelFingerprint, writeOutputNpy } from './tensor-output.js';

/**
 * What `seth eval` writes, by the output path's extension; every form is read back by
 * `seth check --output` and `seth info`, and every form carries the per-head outputs when the
 * engine computed them:
 *  - `.npy`: X_L [n, m] + sidecar `PATH.json`; per-head outputs in `PATH.per-head.npy` [L, H, n, m]
 *    (named in the sidecar's `per_head`);
 *  - `.safetensors`: tensors `X_L` [n, m] and `per_head` [L, H, n, m], metadata as the sidecar's
 *    keys (JSON values as strings);
 *  - anything else (JSON): `{"problem": "transformer-output", …, "X_L": [[…]], "perHead": [[[[…]]]]}`.
 * All carry the instance fingerprint and provenance, and `provenance` (the run that computed it).
 */
export function perHeadPath(npyPath: string): string {
  return npyPath.replace(/\.npy$/i, '.per-head.npy');
}

function stackPerHead(perHead: readonly (readonly Float64Array[])[], n: number, m: number): Float64Array {
  const L = perHead.length;
  const H = perHead[0]?.length ?? 0;
  const out = new Float64Array(L * H * n * m);
  perHead.forEach((layer, l) => layer.forEach((h, t) => out.set(h, (l * H + t) * n * m)));
  return out;
}

export function writeEvalOutput(path: string, r: EvalResult, model: TransformerModel, provenance: Provenance): void {
  const { tokens: n, width: m } = model;
  const fingerprint = modelFingerprint(model);
  const lower = path.toLowerCase();
  const phShape = r.perHead ? [r.perHead.length, r.perHead[0]?.length ?? 0, n, m] : undefined;
  if (lower.endsWith('.npy')) {
    const opts: Parameters<typeof writeOutputNpy>[3] = { dtype: r.dtype, computedBy: { ...provenance } };
    if (r.perHead && phShape) {
      const phFile = perHeadPath(path);
      writeNpy(phFile, { shape: phShape, data: stackPerHead(r.perHead, n, m), dtype: r.dtype });
      opts.perHead = { file: basename(phFile), shape: phShape };
    }
    writeOutputNpy(path, r.output, model, opts);
    return;
  }
  if (lower.endsWith('.safetensors')) {
    const tensors: TensorSource[] = [{ name: 'X_L', shape: [n, m], data: r.output, dtype: r.dtype }];
    if (r.perHead && phShape) tensors.push({ name: 'per_head', shape: phShape, data: stackPerHead(r.perHead, n, m), dtype: r.dtype });
    const metadata: Record<string, string> = {
      format: OUTPUT_FORMAT,
      tensor: 'X_L',
      dtype: r.dtype,
      shape: JSON.stringify([n, m]),
      instance_fingerprint: fingerprint,
      instance_provenance: JSON.stringify(model.provenance ?? null),
      computed_by: JSON.stringify(provenance),
    };
    writeSafetensors(path, tensors, metadata);
    return;
  }
  const out: Record<string, unknown> = {
    problem: 'transformer-output',
    format: OUTPUT_FORMAT,
    tokens: n,
    width: m,
    layers: model.layers,
    heads: model.heads,
    engine: r.engine,
    dtype: r.dtype,
    instance_fingerprint: fingerprint,
    X_L: rowViews(r.output, n, m),
    provenance,
  };
  if (r.perHead) out.perHead = r.perHead.map((layer) => layer.map((h) => rowViews(h, n, m)));
  // Streamed row by row: no string (nor nested number arrays) of the whole output.
  writeStreamAtomic(path, (sink) => {
    streamJson(sink, out);
    sink.write(Buffer.from('\n'));
  });
}

/** The rows of an n×m row-major array as views (streamJson writes each as an array of numbers). */
function rowViews(a: Float64Array | Float32Array, n: number, m: number): (Float64Array | Float32Array)[] {
  return Array.from({ length: n }, (_, i) => a.subarray(i * m, (i + 1) * m));
}
