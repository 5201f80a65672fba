import { z } from 'zod';
import { UserError } from '../errors.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { emptyBitMatrix, getBit, setBit, wordsFor, type BitMatrix } from '../problems/bit-matrix.js';
import type { OvInstance } from '../problems/ov.js';
import { countOrthogonalPairs, OV_BRUTE_ORACLE, solveOvBrute } from '../oracles/ov-brute.js';
import { makeProvenance, type Expected } from '../provenance.js';
import type { Rng } from '../rng.js';
import { defineGenerator } from './types.js';
import { densityOption, flag, flagOption, intOption, kebabFromCamel } from './options.js';

/**
 * Random Orthogonal Vectors: A (|A| = size) and B (|B| = size-b) with iid Bernoulli(density)
 * entries. At density p about |A|·|B|·(1−p²)^d pairs are orthogonal, so small d is trivially YES.
 *  - plain: answer computed by the brute-force oracle (marked `oracle`);
 *  - `plant`: exactly one orthogonal pair, planted at a random (i, j) and made unique by repair;
 *    YES by construction (verified by counting);
 *  - `no`: every orthogonal pair repaired; NO by construction (verified by counting).
 * Repairs only turn 0s into 1s, which can never create an orthogonal pair.
 */
export interface RandomOvOptions extends Record<string, unknown> {
  size: number;
  sizeB: number;
  dim: number;
  density: number;
  plant: boolean;
  no: boolean;
}

/** Above this many pair-word operations the plain family leaves the answer unlabelled. */
export const OV_ORACLE_LIMIT = 2e10;

const aliasKeys = kebabFromCamel('size-b');

/** Smallest dim for which a planted pair can be made the unique one. */
export function minPlantDim(sizeA: number, sizeB: number): number {
  return sizeA >= 2 && sizeB >= 2 ? 2 : 1;
}

const flags = z.object({
  size: flag(intOption('size', 1), 'number of vectors in A'),
  'size-b': flag(intOption('size-b', 1).optional(), 'number of vectors in B', '--size'),
  dim: flag(intOption('dim', 1), 'dimension d of the vectors'),
  density: flag(densityOption(), 'probability of a 1 in each entry, in (0, 1]'),
  plant: flag(flagOption('plant'), 'plant one orthogonal pair and make it the only one (YES by construction; needs d ≥ 2 when both sizes ≥ 2)'),
  no: flag(flagOption('no'), 'repair every orthogonal pair (NO by construction)'),
});

const schema: z.ZodType<RandomOvOptions> = z.preprocess(
  aliasKeys,
  flags
    .superRefine((o, ctx) => {
      if (o.plant && o.no) {
        ctx.addIssue({ code: 'custom', path: ['no'], message: '--plant (a YES instance) and --no (a NO instance) exclude each other' });
      }
      const sizeB = o['size-b'] ?? o.size;
      if (o.plant && o.dim < minPlantDim(o.size, sizeB)) {
        ctx.addIssue({ code: 'custom', path: ['dim'], message: plantDimMessage(o.size, sizeB, o.dim) });
      }
    })
    .transform((o): RandomOvOptions => ({
      size: o.size,
      sizeB: o['size-b'] ?? o.size,
      dim: o.dim,
      density: o.density,
      plant: o.plant,
      no: o.no,
    })),
);

function plantDimMessage(sizeA: number, sizeB: number, dim: number): string {
  return (
    `--plant with |A| = ${sizeA} and |B| = ${sizeB} needs --dim ≥ ${minPlantDim(sizeA, sizeB)} ` +
    `(one coordinate where only the planted a is 1 and one where only the planted b is 1, so that every ` +
    `other pair can be made non-orthogonal); got --dim ${dim}`
  );
}

/** Fills a matrix with iid Bernoulli(p) bits, row by row, coordinate 0 first. */
export function randomBitMatrix(rng: Rng, rows: number, dim: number, p: number): BitMatrix {
  const m = emptyBitMatrix(rows, dim);
  const words = m.words;
  const data = m.data;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < dim; k++) {
      if (rng.bool(p)) {
        const idx = r * words + (k >>> 5);
        data[idx] = (data[idx]! | (1 << (k & 31))) >>> 0;
      }
    }
  }
  return m;
}

function rowIsZero(m: BitMatrix, r: number): boolean {
  for (let w = 0; w < m.words; w++) if (m.data[r * m.words + w] !== 0) return false;
  return true;
}

function rowsOrthogonal(A: BitMatrix, i: number, B: BitMatrix, j: number): boolean {
  const words = A.words;
  const a = A.data;
  const b = B.data;
  const ao = i * words;
  const bo = j * words;
  for (let w = 0; w < words; w++) if ((a[ao + w]! & b[bo + w]!) !== 0) return false;
  return true;
}

function pick(rng: Rng, items: readonly number[]): number {
  return items[rng.int(items.length)]!;
}

/**
 * Overwrite A_i and B_j with vectors of disjoint supports (each coordinate drawn like the rest, a
 * coordinate where both came out 1 gives its 1 to one of them at random). A_i is kept non-zero
 * when |B| ≥ 2 and B_j non-zero when |A| ≥ 2: the repair of (i, j') needs a coordinate where
 * A_i is 1, that of (i', j) one where B_j is 1.
 */
function plantPair(rng: Rng, A: BitMatrix, i: number, B: BitMatrix, j: number, p: number): void {
  const d = A.dim;
  for (let k = 0; k < d; k++) {
    let x = rng.bool(p);
    let y = rng.bool(p);
    if (x && y) {
      if (rng.bool()) x = false;
      else y = false;
    }
    setBit(A, i, k, x ? 1 : 0);
    setBit(B, j, k, y ? 1 : 0);
  }
  const needA = B.rows >= 2;
  const needB = A.rows >= 2;
  if (needA && rowIsZero(A, i)) {
    const free: number[] = [];
    for (let k = 0; k < d; k++) if (!getBit(B, j, k)) free.push(k);
    const k = free.length > 0 ? pick(rng, free) : rng.int(d); // B_j all ones: it keeps d − 1 ≥ 1 of them
    setBit(A, i, k, 1);
    setBit(B, j, k, 0);
  }
  if (needB && rowIsZero(B, j)) {
    const free: number[] = [];
    for (let k = 0; k < d; k++) if (!getBit(A, i, k)) free.push(k);
    const k = free.length > 0 ? pick(rng, free) : rng.int(d);
    setBit(B, j, k, 1);
    setBit(A, i, k, 0);
  }
}

/**
 * Make every orthogonal pair other than `planted` non-orthogonal by turning 0s into 1s (which
 * never creates an orthogonal pair). A planted row is never changed: the coordinate is chosen
 * where the planted row already has a 1, so the planted pair stays orthogonal. Among the allowed
 * coordinates, one needing the fewest flips is chosen at random (densities move as little as
 * possible).
 */
function repairPairs(rng: Rng, A: BitMatrix, B: BitMatrix, planted: readonly [number, number] | null): void {
  const d = A.dim;
  const candidates: number[] = [];
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) {
      if (!rowsOrthogonal(A, i, B, j)) continue;
      const lockA = planted !== null && planted[0] === i;
      const lockB = planted !== null && planted[1] === j;
      if (lockA && lockB) continue;
      candidates.length = 0;
      let best = 3;
      for (let k = 0; k < d; k++) {
        const ak = getBit(A, i, k);
        const bk = getBit(B, j, k);
        if ((lockA && !ak) || (lockB && !bk)) continue;
        const cost = (ak ? 0 : 1) + (bk ? 0 : 1);
        if (cost < best) {
          best = cost;
          candidates.length = 0;
        }
        if (cost === best) candidates.push(k);
      }
      if (candidates.length === 0) {
        throw new Error(`internal: no coordinate can repair orthogonal pair (${i}, ${j}) around the planted pair`);
      }
      const k = pick(rng, candidates);
      setBit(A, i, k, 1);
      setBit(B, j, k, 1);
    }
  }
}

export function generateRandomOv(options: RandomOvOptions, rng: Rng, command: string, budget: MemoryBudget, id = 'ov'): OvInstance {
  const { size, sizeB, dim, density, plant, no } = options;
  const words = wordsFor(dim);
  guardMemory(`generating OV with |A| = ${size}, |B| = ${sizeB}, d = ${dim}`, (size + sizeB) * (words * 4 + 2 * dim + 64), budget);
  if (plant && dim < minPlantDim(size, sizeB)) throw new UserError(plantDimMessage(size, sizeB, dim));

  const A = randomBitMatrix(rng, size, dim, density);
  const B = randomBitMatrix(rng, sizeB, dim, density);
  const inst: OvInstance = { dim, A, B };
  let expected: Expected | undefined;
  if (plant) {
    const pi = rng.int(size);
    const pj = rng.int(sizeB);
    plantPair(rng, A, pi, B, pj, density);
    repairPairs(rng, A, B, [pi, pj]);
    const count = countOrthogonalPairs(inst);
    if (count !== 1 || !rowsOrthogonal(A, pi, B, pj)) {
      throw new Error(`internal: planted OV instance has ${count} orthogonal pairs, expected exactly 1`);
    }
    expected = { answer: 'YES', source: 'construction' };
  } else if (no) {
    repairPairs(rng, A, B, null);
    const count = countOrthogonalPairs(inst);
    if (count !== 0) throw new Error(`internal: repaired OV instance still has ${count} orthogonal pairs`);
    expected = { answer: 'NO', source: 'construction' };
  } else if (size * sizeB * words <= OV_ORACLE_LIMIT) {
    expected = { answer: solveOvBrute(inst).answer, source: 'oracle', oracle: OV_BRUTE_ORACLE };
  }
  inst.provenance = makeProvenance(id, rng.seed, { ...options }, expected, command);
  return inst;
}

export const randomOvGenerator = defineGenerator<RandomOvOptions>({
  id: 'ov',
  problem: 'ov',
  summary:
    'random OV, entries iid Bernoulli(density); --plant: exactly one orthogonal pair (YES), --no: none (NO); ' +
    'plain instances labelled by brute force (about |A|·|B|·(1−p²)^d orthogonal pairs, so small d is YES)',
  flags,
  schema,
  usesSeed: true,
  examples: [
    { size: 6, sizeB: 6, dim: 6, density: 0.5, plant: false, no: false },
    { size: 5, sizeB: 7, dim: 33, density: 0.3, plant: true, no: false },
    { size: 8, sizeB: 4, dim: 5, density: 0.4, plant: false, no: true },
    { size: 4, sizeB: 4, dim: 65, density: 0.7, plant: false, no: false },
  ],
  variations: [{ size: 7 }, { sizeB: 5 }, { dim: 7 }, { density: 0.3 }, { plant: true }, { no: true }],
  generate(options, rng, command, budget) {
    return { problem: 'ov', data: generateRandomOv(options, rng, command, budget) };
  },
});
