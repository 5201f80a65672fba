import { createHash } from 'node:crypto';
import { modelDims, modelVariants, type TransformerModel } from './transformer.js';

/**
 * SHA-256 over the model's content: its configuration (JSON) and every tensor as float64
 * little-endian in a fixed order (X, then per layer per head W_Q, W_K, W_V, then the MLP).
 * Annotations and provenance are not part of it. Written as "sha256:<hex>".
 */
export function modelFingerprint(model: TransformerModel): string {
  const h = createHash('sha256');
  h.update(
    // Key order kind, dims, mlp, variants: what these bytes have always been (test/fingerprint-pinned.test.ts).
    JSON.stringify({ kind: model.kind, ...modelDims(model), mlp: model.mlp.map((p) => (p ? p.hidden : null)), ...modelVariants(model) }),
  );
  const add = (a: Float64Array): void => {
    const le = new Float64Array(a.length);
    le.set(a);
    const bytes = new Uint8Array(le.buffer);
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) for (let i = 0; i < bytes.length; i += 8) bytes.subarray(i, i + 8).reverse();
    h.update(bytes);
  };
  add(model.X);
  for (const layer of model.weights) for (const w of layer) for (const m of [w.Q, w.K, w.V]) add(m);
  for (const p of model.mlp) if (p) for (const m of [p.W1, p.b1, p.W2, p.b2]) add(m);
  return `sha256:${h.digest('hex')}`;
}
