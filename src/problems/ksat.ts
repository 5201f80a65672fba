import { z } from 'zod';
import { JsonRows } from '../json-rows.js';
import { ProvenanceSchema, type Provenance } from '../provenance.js';
import type { SatAnswer } from './answer.js';

/**
 * CNF formula (k-SAT). Variables are 1..vars; a literal is ±v. Clauses are stored flat in typed
 * arrays (clause i is lits[offsets[i] .. offsets[i+1])) so evaluation loops touch no objects.
 * Empty clauses, duplicate literals and tautologies are legal and kept as written.
 */
export interface Cnf {
  readonly vars: number;
  readonly lits: Int32Array;
  /** length = clauses + 1 */
  readonly offsets: Uint32Array;
  provenance?: Provenance | undefined;
}

export function numClauses(cnf: Cnf): number {
  return cnf.offsets.length - 1;
}

export function clauseAt(cnf: Cnf, i: number): Int32Array {
  return cnf.lits.subarray(cnf.offsets[i], cnf.offsets[i + 1]);
}

export function cnfFromClauses(vars: number, clauses: readonly (readonly number[])[], provenance?: Provenance): Cnf {
  const offsets = new Uint32Array(clauses.length + 1);
  let total = 0;
  for (let i = 0; i < clauses.length; i++) {
    total += clauses[i]!.length;
    offsets[i + 1] = total;
  }
  const lits = new Int32Array(total);
  let p = 0;
  for (const c of clauses) {
    for (const l of c) {
      if (!Number.isInteger(l) || l === 0 || Math.abs(l) > vars) {
        throw new RangeError(`literal ${l} is not in ±1..${vars}`);
      }
      lits[p++] = l;
    }
  }
  return { vars, lits, offsets, provenance };
}

export function cnfToClauses(cnf: Cnf): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < numClauses(cnf); i++) out.push(Array.from(clauseAt(cnf, i)));
  return out;
}

/** Largest clause width (the k of k-SAT). */
export function maxClauseWidth(cnf: Cnf): number {
  let k = 0;
  for (let i = 0; i < numClauses(cnf); i++) k = Math.max(k, cnf.offsets[i + 1]! - cnf.offsets[i]!);
  return k;
}

/**
 * An assignment: assignment[v-1] ∈ {0,1} is the value of variable v.
 */
export type Assignment = Uint8Array;

export interface CnfEvaluation {
  satisfied: boolean;
  /** Index of the first clause the assignment falsifies, or -1. */
  failingClause: number;
}

export function evaluateCnf(cnf: Cnf, assignment: Assignment): CnfEvaluation {
  if (assignment.length !== cnf.vars) {
    throw new RangeError(`assignment has ${assignment.length} values, formula has ${cnf.vars} variables`);
  }
  const m = numClauses(cnf);
  for (let i = 0; i < m; i++) {
    let sat = false;
    for (let p = cnf.offsets[i]!; p < cnf.offsets[i + 1]!; p++) {
      const l = cnf.lits[p]!;
      const v = assignment[Math.abs(l) - 1]!;
      if ((l > 0 && v === 1) || (l < 0 && v === 0)) {
        sat = true;
        break;
      }
    }
    if (!sat) return { satisfied: false, failingClause: i };
  }
  return { satisfied: true, failingClause: -1 };
}

/** DIMACS-style witness: one signed literal per variable, v or −v. */
export function assignmentToLiterals(a: Assignment): number[] {
  return Array.from(a, (bit, i) => (bit ? i + 1 : -(i + 1)));
}

export interface SatSolution {
  answer: SatAnswer;
  assignment?: Assignment | undefined;
}

/** JSON form of a CNF (DIMACS is the usual file format; this one is for pipelines and `seth schema`). */
export const KsatJsonSchema = z
  .object({
    problem: z.literal('ksat'),
    // Literals are stored as Int32: a variable index above 2^31−1 cannot be held.
    vars: z.number().int().min(0).max(0x7fffffff),
    clauses: z.array(
      z.array(
        z
          .number()
          .int()
          .refine((l) => l !== 0, 'a literal is a non-zero integer'),
      ),
    ),
    provenance: ProvenanceSchema.optional(),
  })
  .superRefine((v, ctx) => {
    v.clauses.forEach((c, i) =>
      c.forEach((l, j) => {
        if (Math.abs(l) > v.vars) {
          ctx.addIssue({ code: 'custom', path: ['clauses', i, j], message: `literal ${l} is outside ±1..${v.vars}` });
        }
      }),
    );
  });
export type KsatJson = z.infer<typeof KsatJsonSchema>;

export function cnfFromJson(j: KsatJson): Cnf {
  return cnfFromClauses(j.vars, j.clauses, j.provenance);
}

/**
 * cnfToJson's value with the clauses as JsonRows of literal views, for the streaming writers
 * and the fingerprint: the same JSON text, without an array per clause on the heap.
 */
export function cnfJsonRows(cnf: Cnf): Omit<KsatJson, 'clauses'> & { clauses: JsonRows<Int32Array> } {
  const { lits, offsets } = cnf;
  const out: Omit<KsatJson, 'clauses'> & { clauses: JsonRows<Int32Array> } = {
    problem: 'ksat',
    vars: cnf.vars,
    clauses: new JsonRows(offsets.length - 1, (i) => lits.subarray(offsets[i], offsets[i + 1])),
  };
  if (cnf.provenance) out.provenance = cnf.provenance;
  return out;
}

export function cnfToJson(cnf: Cnf): KsatJson {
  const out: KsatJson = { problem: 'ksat', vars: cnf.vars, clauses: cnfToClauses(cnf) };
  if (cnf.provenance) out.provenance = cnf.provenance;
  return out;
}
