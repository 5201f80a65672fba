import { z } from 'zod';
import { UserError } from '../errors.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import type { Cnf } from '../problems/ksat.js';
import { makeProvenance } from '../provenance.js';
import { defineGenerator } from './types.js';
import { flag, intOption } from './options.js';

/**
 * Pigeonhole principle PHP(p, h): p pigeons into h holes, variable p(i, j) = (i−1)·h + j says
 * pigeon i sits in hole j (i in 1..p, j in 1..h). Clauses, in this order:
 *  - for each pigeon i: (p(i,1) ∨ … ∨ p(i,h))            — every pigeon has a hole;
 *  - for each hole j, pigeons i < i': (¬p(i,j) ∨ ¬p(i',j)) — no two pigeons share a hole.
 * Unsatisfiable iff p > h (by construction). Deterministic: the seed is not used.
 */
export interface PhpOptions extends Record<string, unknown> {
  pigeons: number;
  holes: number;
}

const flags = z.object({
  pigeons: flag(intOption('pigeons', 1), 'number of pigeons p (UNSAT when p > holes)'),
  holes: flag(intOption('holes', 1), 'number of holes h'),
});

const schema: z.ZodType<PhpOptions> = flags.transform((o): PhpOptions => ({ pigeons: o.pigeons, holes: o.holes }));

/** Variable of "pigeon i in hole j" (both from 1). */
export function phpVar(holes: number, i: number, j: number): number {
  return (i - 1) * holes + j;
}

export function generatePhp(options: PhpOptions, command: string, budget: MemoryBudget, id = 'php'): Cnf {
  const { pigeons: p, holes: h } = options;
  const vars = p * h;
  const clauses = p + (h * p * (p - 1)) / 2;
  const lits = p * h + h * p * (p - 1);
  if (vars > 0x7fffffff) {
    throw new UserError(`PHP(${p}, ${h}) has ${vars} variables; at most 2^31 − 1 fit in a literal`);
  }
  guardMemory(`generating PHP(${p}, ${h}) (${clauses} clauses)`, lits * 4 + clauses * 4 + 64, budget);

  const litArr = new Int32Array(lits);
  const offsets = new Uint32Array(clauses + 1);
  let c = 0;
  let q = 0;
  for (let i = 1; i <= p; i++) {
    for (let j = 1; j <= h; j++) litArr[q++] = phpVar(h, i, j);
    offsets[++c] = q;
  }
  for (let j = 1; j <= h; j++) {
    for (let i = 1; i <= p; i++) {
      for (let i2 = i + 1; i2 <= p; i2++) {
        litArr[q++] = -phpVar(h, i, j);
        litArr[q++] = -phpVar(h, i2, j);
        offsets[++c] = q;
      }
    }
  }
  const provenance = makeProvenance(id, null, { ...options }, { answer: p > h ? 'UNSAT' : 'SAT', source: 'construction' }, command);
  return { vars, lits: litArr, offsets, provenance };
}

export const phpGenerator = defineGenerator<PhpOptions>({
  id: 'php',
  problem: 'ksat',
  summary: 'pigeonhole principle PHP(pigeons, holes): UNSAT iff pigeons > holes (deterministic, no seed)',
  flags,
  schema,
  usesSeed: false,
  examples: [
    { pigeons: 3, holes: 2 },
    { pigeons: 3, holes: 3 },
    { pigeons: 4, holes: 3 },
    { pigeons: 1, holes: 1 },
  ],
  variations: [{ pigeons: 4 }, { holes: 3 }],
  generate(options, _rng, command, budget) {
    return { problem: 'ksat', data: generatePhp(options, command, budget) };
  },
});
