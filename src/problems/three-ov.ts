import { z } from 'zod';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import type { OvAnswer } from './answer.js';
import { bitMatrixFromStrings, bitMatrixToStrings, dot3Rows, type BitMatrix } from './bit-matrix.js';
import { BitStringSchema, checkVectorLengths } from './vector-list.js';

/**
 * 3-Orthogonal Vectors: given A, B, C ⊆ {0,1}^d, is there (a, b, c) with Σ_k a[k]·b[k]·c[k] = 0?
 */
export interface ThreeOvInstance {
  readonly dim: number;
  readonly A: BitMatrix;
  readonly B: BitMatrix;
  readonly C: BitMatrix;
  provenance?: Provenance | undefined;
}

export interface ThreeOvSolution {
  answer: OvAnswer;
  witness?: [number, number, number] | undefined;
}

export const ThreeOvJsonSchema = z
  .object({
    problem: z.literal('3ov'),
    dim: z.number().int().min(0),
    A: z.array(BitStringSchema),
    B: z.array(BitStringSchema),
    C: z.array(BitStringSchema),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    checkVectorLengths(v.A, v.dim, 'A', ctx);
    checkVectorLengths(v.B, v.dim, 'B', ctx);
    checkVectorLengths(v.C, v.dim, 'C', ctx);
  });
export type ThreeOvJson = z.infer<typeof ThreeOvJsonSchema>;

export function threeOvFromJson(j: ThreeOvJson): ThreeOvInstance {
  return {
    dim: j.dim,
    A: bitMatrixFromStrings(j.A, j.dim),
    B: bitMatrixFromStrings(j.B, j.dim),
    C: bitMatrixFromStrings(j.C, j.dim),
    provenance: j.provenance,
  };
}

export function threeOvToJson(inst: ThreeOvInstance): ThreeOvJson {
  const out: ThreeOvJson = {
    problem: '3ov',
    dim: inst.dim,
    A: bitMatrixToStrings(inst.A),
    B: bitMatrixToStrings(inst.B),
    C: bitMatrixToStrings(inst.C),
  };
  if (inst.provenance) out.provenance = inst.provenance;
  return out;
}

export function verifyThreeOvWitness(inst: ThreeOvInstance, w: readonly [number, number, number]): boolean {
  const [i, j, k] = w;
  const inRange = (x: number, n: number): boolean => Number.isInteger(x) && x >= 0 && x < n;
  return w.length === 3 && inRange(i, inst.A.rows) && inRange(j, inst.B.rows) && inRange(k, inst.C.rows) && dot3Rows(inst.A, i, inst.B, j, inst.C, k) === 0;
}
