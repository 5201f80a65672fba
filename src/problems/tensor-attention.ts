import { z } from 'zod';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import { flatten, unflatten } from './transformer.js';

/**
 * Third-order ("tensor") attention, after Alman and Song, "How to capture higher-order correlations?
 * Generalizing matrix softmax attention to Kronecker computation" (arXiv 2310.04064):
 *
 *   Att(Q, K1, K2, V1, V2) = D⁻¹ · exp(s · Q (K1 ⊘ K2)ᵀ) · (V1 ⊘ V2),   D = diag(exp(s · Q (K1 ⊘ K2)ᵀ) · 1)
 *
 * where K1 ⊘ K2 is the column-wise Kronecker product: its row (j, k) is K1[j] ∘ K2[k]
 * (entrywise), and likewise V1 ⊘ V2. Each query i therefore scores every *pair* of keys by the
 * trilinear form s · Σ_l Q[i][l] · K1[j][l] · K2[k][l] and averages v1_j ∘ v2_k under the softmax of
 * those scores. Q is queries×width, K1 and V1 keys1×width, K2 and V2 keys2×width; the output is
 * queries×width. The scale s is explicit (default 1; the paper divides by d).
 */
export interface TensorAttentionInstance {
  readonly queries: number;
  readonly keys1: number;
  readonly keys2: number;
  readonly width: number;
  readonly scale: number;
  readonly Q: Float64Array;
  readonly K1: Float64Array;
  readonly K2: Float64Array;
  readonly V1: Float64Array;
  readonly V2: Float64Array;
  readonly annotations: Readonly<Record<string, number | string>>;
  provenance?: Provenance | undefined;
}

/** Scalar multiply-adds of a direct evaluation: every query × every key pair × 2 width (score and value). */
export function tensorAttentionWork(s: { queries: number; keys1: number; keys2: number; width: number }): number {
  return s.queries * s.keys1 * s.keys2 * 2 * s.width;
}

export function tensorMaxAbsEntry(t: TensorAttentionInstance): number {
  let m = 0;
  for (const a of [t.Q, t.K1, t.K2, t.V1, t.V2]) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

export function tensorAttentionSizes(t: TensorAttentionInstance): Record<string, number> {
  return { queries: t.queries, keys1: t.keys1, keys2: t.keys2, width: t.width, maxAbsEntry: tensorMaxAbsEntry(t) };
}

const FiniteNumber = z.number().refine(Number.isFinite, 'expected a finite number (no NaN or Infinity)');
const Matrix = z.array(z.array(FiniteNumber));

export const TensorAttentionJsonSchema = z
  .object({
    problem: z.literal('tensor-attention'),
    config: z.object({
      queries: z.number().int().min(1),
      keys1: z.number().int().min(1),
      keys2: z.number().int().min(1),
      width: z.number().int().min(1),
      scale: FiniteNumber.default(1),
    }),
    Q: Matrix,
    K1: Matrix,
    K2: Matrix,
    V1: Matrix,
    V2: Matrix,
    annotations: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    const { queries, keys1, keys2, width } = v.config;
    const shape = (a: number[][], rows: number, field: string, rowsName: string): void => {
      if (a.length !== rows) {
        ctx.addIssue({ code: 'custom', path: [field], message: `expected ${rows} rows (config.${rowsName}), found ${a.length}` });
        return;
      }
      a.forEach((row, i) => {
        if (row.length !== width) ctx.addIssue({ code: 'custom', path: [field, i], message: `expected ${width} columns (config.width), found ${row.length}` });
      });
    };
    shape(v.Q, queries, 'Q', 'queries');
    shape(v.K1, keys1, 'K1', 'keys1');
    shape(v.V1, keys1, 'V1', 'keys1');
    shape(v.K2, keys2, 'K2', 'keys2');
    shape(v.V2, keys2, 'V2', 'keys2');
  });
export type TensorAttentionJson = z.infer<typeof TensorAttentionJsonSchema>;

export function tensorAttentionFromJson(j: TensorAttentionJson): TensorAttentionInstance {
  const m = j.config.width;
  return {
    ...j.config,
    Q: flatten(j.Q, m),
    K1: flatten(j.K1, m),
    K2: flatten(j.K2, m),
    V1: flatten(j.V1, m),
    V2: flatten(j.V2, m),
    annotations: j.annotations,
    provenance: j.provenance,
  };
}

export function tensorAttentionToJson(t: TensorAttentionInstance): TensorAttentionJson {
  const m = t.width;
  const out: TensorAttentionJson = {
    problem: 'tensor-attention',
    config: { queries: t.queries, keys1: t.keys1, keys2: t.keys2, width: m, scale: t.scale },
    Q: unflatten(t.Q, t.queries, m),
    K1: unflatten(t.K1, t.keys1, m),
    K2: unflatten(t.K2, t.keys2, m),
    V1: unflatten(t.V1, t.keys1, m),
    V2: unflatten(t.V2, t.keys2, m),
    annotations: { ...t.annotations },
  };
  if (t.provenance) out.provenance = t.provenance;
  return out;
}
