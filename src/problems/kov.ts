import { z } from 'zod';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import type { OvAnswer } from './answer.js';
import { bitMatrixFromStrings, bitMatrixToStrings, getBit, type BitMatrix } from './bit-matrix.js';
import { BitStringSchema, checkVectorLengths } from './vector-list.js';

/**
 * k-Orthogonal Vectors (k ≥ 2): given sets S_1, …, S_k ⊆ {0,1}^d, is there one vector from each with
 * Σ_t Π_i s_i[t] = 0 (no coordinate where all k are 1)? OV is k = 2 and 3-OV is k = 3; under SETH
 * no algorithm takes N^{k−ε}·poly(d) time for d = ω(log N) (Williams 2005).
 */
export interface KovInstance {
  readonly dim: number;
  readonly sets: readonly BitMatrix[];
  provenance?: Provenance | undefined;
}

export interface KovSolution {
  answer: OvAnswer;
  /** One index per set. */
  witness?: number[] | undefined;
}

export const KovJsonSchema = z
  .object({
    problem: z.literal('kov'),
    dim: z.number().int().min(0),
    sets: z.array(z.array(BitStringSchema)).min(2, 'expected k ≥ 2 sets of vectors'),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => v.sets.forEach((s, i) => checkVectorLengths(s, v.dim, `sets[${i}]`, ctx)));
export type KovJson = z.infer<typeof KovJsonSchema>;

export function kovFromJson(j: KovJson): KovInstance {
  return { dim: j.dim, sets: j.sets.map((s) => bitMatrixFromStrings(s, j.dim)), provenance: j.provenance };
}

export function kovToJson(inst: KovInstance): KovJson {
  const out: KovJson = { problem: 'kov', dim: inst.dim, sets: inst.sets.map(bitMatrixToStrings) };
  if (inst.provenance) out.provenance = inst.provenance;
  return out;
}

export function kovSizes(inst: KovInstance): Record<string, number> {
  return {
    k: inst.sets.length,
    dim: inst.dim,
    largestSet: Math.max(0, ...inst.sets.map((s) => s.rows)),
    totalVectors: inst.sets.reduce((a, s) => a + s.rows, 0),
  };
}

/** Checked bit by bit against the instance (independent of the word-parallel oracle). */
export function verifyKovWitness(inst: KovInstance, w: readonly number[]): boolean {
  if (w.length !== inst.sets.length) return false;
  if (!w.every((x, i) => Number.isInteger(x) && x >= 0 && x < inst.sets[i]!.rows)) return false;
  for (let t = 0; t < inst.dim; t++) if (w.every((x, i) => getBit(inst.sets[i]!, x, t) === 1)) return false;
  return true;
}
