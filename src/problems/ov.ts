import { z } from 'zod';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import type { OvAnswer } from './answer.js';
import { bitMatrixFromStrings, bitMatrixToStrings, dotRows, type BitMatrix } from './bit-matrix.js';
import { BitStringSchema, checkVectorLengths } from './vector-list.js';

/**
 * Orthogonal Vectors: given A, B ⊆ {0,1}^d (sizes may differ), is there a ∈ A, b ∈ B with ⟨a,b⟩ = 0?
 */
export interface OvInstance {
  readonly dim: number;
  readonly A: BitMatrix;
  readonly B: BitMatrix;
  provenance?: Provenance | undefined;
}

export interface OvSolution {
  answer: OvAnswer;
  /** Indices (i, j) into A and B with ⟨A_i, B_j⟩ = 0. */
  witness?: [number, number] | undefined;
}

export const OvJsonSchema = z
  .object({
    problem: z.literal('ov'),
    dim: z.number().int().min(0),
    A: z.array(BitStringSchema),
    B: z.array(BitStringSchema),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    checkVectorLengths(v.A, v.dim, 'A', ctx);
    checkVectorLengths(v.B, v.dim, 'B', ctx);
  });
export type OvJson = z.infer<typeof OvJsonSchema>;

export function ovFromJson(j: OvJson): OvInstance {
  return { dim: j.dim, A: bitMatrixFromStrings(j.A, j.dim), B: bitMatrixFromStrings(j.B, j.dim), provenance: j.provenance };
}

export function ovToJson(inst: OvInstance): OvJson {
  const out: OvJson = { problem: 'ov', dim: inst.dim, A: bitMatrixToStrings(inst.A), B: bitMatrixToStrings(inst.B) };
  if (inst.provenance) out.provenance = inst.provenance;
  return out;
}

/** A witness is valid iff it is two indices, in range, of orthogonal vectors. */
export function verifyOvWitness(inst: OvInstance, w: readonly [number, number]): boolean {
  const [i, j] = w;
  return (
    w.length === 2 &&
    Number.isInteger(i) &&
    Number.isInteger(j) &&
    i >= 0 &&
    i < inst.A.rows &&
    j >= 0 &&
    j < inst.B.rows &&
    dotRows(inst.A, i, inst.B, j) === 0
  );
}
