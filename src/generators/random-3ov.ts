import { z } from 'zod';
import { UserError } from '../errors.js';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { getBit, setBit, wordsFor, type BitMatrix } from '../problems/bit-matrix.js';
import type { ThreeOvInstance } from '../problems/three-ov.js';
import { countOrthogonalTriples, solveThreeOvBrute, THREE_OV_BRUTE_ORACLE } from '../oracles/three-ov-brute.js';
import { makeProvenance, type Expected } from '../provenance.js';
import { sampleDistinct, type Rng } from '../rng.js';
import { randomBitMatrix } from './random-ov.js';
import { defineGenerator } from './types.js';
import { densityOption, flag, flagOption, intOption, kebabFromCamel } from './options.js';

/**
 * Random 3-OV: A, B, C with iid Bernoulli(density) entries (about |A|·|B|·|C|·(1−p³)^d zero
 * triples).
 *  - plain: answer computed by the brute-force oracle (marked `oracle`);
 *  - `plant`: exactly one zero triple (a, b, c). Its vectors do NOT have disjoint supports (that
 *    would make (a, b, c') a witness for every c'); instead every coordinate has at least one 0
 *    among a, b, c, and reserved coordinates carry the patterns 110, 101, 011 so that every
 *    other triple can be repaired without touching the planted rows. YES by construction
 *    (verified by counting);
 *  - `no`: every zero triple repaired; NO by construction (verified by counting).
 * Repairs only turn 0s into 1s, which can never create a zero triple.
 */
export interface RandomThreeOvOptions extends Record<string, unknown> {
  size: number;
  sizeB: number;
  sizeC: number;
  dim: number;
  density: number;
  plant: boolean;
  no: boolean;
}

/** Above this many triple-word operations the plain family leaves the answer unlabelled. */
export const THREE_OV_ORACLE_LIMIT = 2e10;

const aliasKeys = kebabFromCamel('size-b', 'size-c');

/**
 * Which reserved patterns a planted triple needs: 110 (a = b = 1, c = 0) when |C| ≥ 2, so that
 * (a, b, c') can be repaired; 101 when |B| ≥ 2; 011 when |A| ≥ 2.
 */
function neededPatterns(sizeA: number, sizeB: number, sizeC: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  if (sizeC >= 2) out.push([1, 1, 0]);
  if (sizeB >= 2) out.push([1, 0, 1]);
  if (sizeA >= 2) out.push([0, 1, 1]);
  return out;
}

/** Smallest dim for which a planted triple can be made the unique one. */
export function minPlantDim3(sizeA: number, sizeB: number, sizeC: number): number {
  return Math.max(1, neededPatterns(sizeA, sizeB, sizeC).length);
}

function plantDimMessage(a: number, b: number, c: number, dim: number): string {
  return (
    `--plant with sizes ${a}, ${b}, ${c} needs --dim ≥ ${minPlantDim3(a, b, c)} (one coordinate for each list ` +
    `of size ≥ 2 where the other two planted vectors are both 1, so that every other triple can be made ` +
    `non-zero); got --dim ${dim}`
  );
}

const flags = z.object({
  size: flag(intOption('size', 1), 'number of vectors in A (and the default for B and C)'),
  'size-b': flag(intOption('size-b', 1).optional(), 'number of vectors in B', '--size'),
  'size-c': flag(intOption('size-c', 1).optional(), 'number of vectors in C', '--size'),
  dim: flag(intOption('dim', 1), 'dimension d of the vectors'),
  density: flag(densityOption(), 'probability of a 1 in each entry, in (0, 1]'),
  plant: flag(flagOption('plant'), 'plant one zero triple and make it the only one (YES by construction; needs d ≥ number of lists of size ≥ 2)'),
  no: flag(flagOption('no'), 'repair every zero triple (NO by construction)'),
});

const schema: z.ZodType<RandomThreeOvOptions> = z.preprocess(
  aliasKeys,
  flags
    .superRefine((o, ctx) => {
      if (o.plant && o.no) {
        ctx.addIssue({ code: 'custom', path: ['no'], message: '--plant (a YES instance) and --no (a NO instance) exclude each other' });
      }
      const b = o['size-b'] ?? o.size;
      const c = o['size-c'] ?? o.size;
      if (o.plant && o.dim < minPlantDim3(o.size, b, c)) {
        ctx.addIssue({ code: 'custom', path: ['dim'], message: plantDimMessage(o.size, b, c, o.dim) });
      }
    })
    .transform((o): RandomThreeOvOptions => ({
      size: o.size,
      sizeB: o['size-b'] ?? o.size,
      sizeC: o['size-c'] ?? o.size,
      dim: o.dim,
      density: o.density,
      plant: o.plant,
      no: o.no,
    })),
);

function pick(rng: Rng, items: readonly number[]): number {
  return items[rng.int(items.length)]!;
}

/**
 * Overwrite A_i, B_j, C_k with a zero triple: reserved coordinates get the needed patterns, every
 * other coordinate is drawn iid Bernoulli(p) per vector and, if all three came out 1, one of them
 * (at random) is cleared.
 */
function plantTriple(rng: Rng, M: readonly [BitMatrix, BitMatrix, BitMatrix], rows: readonly [number, number, number], p: number): void {
  const d = M[0].dim;
  const patterns = neededPatterns(M[0].rows, M[1].rows, M[2].rows);
  const reserved = new Map<number, [number, number, number]>();
  sampleDistinct(rng, d, patterns.length).forEach((k, t) => reserved.set(k, patterns[t]!));
  for (let k = 0; k < d; k++) {
    let bits = reserved.get(k);
    if (!bits) {
      bits = [rng.bool(p) ? 1 : 0, rng.bool(p) ? 1 : 0, rng.bool(p) ? 1 : 0];
      if (bits[0] && bits[1] && bits[2]) bits[rng.int(3)] = 0;
    }
    for (let t = 0; t < 3; t++) setBit(M[t]!, rows[t]!, k, bits[t]!);
  }
}

function isZeroTriple(M: readonly [BitMatrix, BitMatrix, BitMatrix], i: number, j: number, k: number): boolean {
  const words = M[0].words;
  const a = M[0].data;
  const b = M[1].data;
  const c = M[2].data;
  for (let w = 0; w < words; w++) {
    if ((a[i * words + w]! & b[j * words + w]! & c[k * words + w]!) !== 0) return false;
  }
  return true;
}

/**
 * Make every zero triple other than `planted` non-zero by turning 0s into 1s. Planted rows are
 * never changed: the coordinate is one where every planted member of the triple is already 1 (so
 * the planted triple, which has a 0 there, stays zero). Among allowed coordinates one needing the
 * fewest flips is chosen at random.
 */
function repairTriples(rng: Rng, M: readonly [BitMatrix, BitMatrix, BitMatrix], planted: readonly [number, number, number] | null): void {
  const [A, B, C] = M;
  const d = A.dim;
  const candidates: number[] = [];
  const idx: [number, number, number] = [0, 0, 0];
  const lock: [boolean, boolean, boolean] = [false, false, false];
  for (let i = 0; i < A.rows; i++) {
    for (let j = 0; j < B.rows; j++) {
      for (let k = 0; k < C.rows; k++) {
        if (!isZeroTriple(M, i, j, k)) continue;
        idx[0] = i;
        idx[1] = j;
        idx[2] = k;
        for (let t = 0; t < 3; t++) lock[t] = planted !== null && planted[t] === idx[t];
        if (lock[0] && lock[1] && lock[2]) continue;
        candidates.length = 0;
        let best = 4;
        for (let x = 0; x < d; x++) {
          let cost = 0;
          let allowed = true;
          for (let t = 0; t < 3; t++) {
            const bit = getBit(M[t]!, idx[t]!, x);
            if (bit) continue;
            if (lock[t]) {
              allowed = false;
              break;
            }
            cost++;
          }
          if (!allowed) continue;
          if (cost < best) {
            best = cost;
            candidates.length = 0;
          }
          if (cost === best) candidates.push(x);
        }
        if (candidates.length === 0) {
          throw new Error(`internal: no coordinate can repair zero triple (${i}, ${j}, ${k}) around the planted triple`);
        }
        const x = pick(rng, candidates);
        for (let t = 0; t < 3; t++) setBit(M[t]!, idx[t]!, x, 1);
      }
    }
  }
}

export function generateRandomThreeOv(options: RandomThreeOvOptions, rng: Rng, command: string, budget: MemoryBudget, id = '3ov'): ThreeOvInstance {
  const { size, sizeB, sizeC, dim, density, plant, no } = options;
  const words = wordsFor(dim);
  guardMemory(`generating 3-OV with |A| = ${size}, |B| = ${sizeB}, |C| = ${sizeC}, d = ${dim}`, (size + sizeB + sizeC) * (words * 4 + 2 * dim + 64), budget);
  if (plant && dim < minPlantDim3(size, sizeB, sizeC)) throw new UserError(plantDimMessage(size, sizeB, sizeC, dim));

  const A = randomBitMatrix(rng, size, dim, density);
  const B = randomBitMatrix(rng, sizeB, dim, density);
  const C = randomBitMatrix(rng, sizeC, dim, density);
  const M: [BitMatrix, BitMatrix, BitMatrix] = [A, B, C];
  const inst: ThreeOvInstance = { dim, A, B, C };
  let expected: Expected | undefined;
  if (plant) {
    const planted: [number, number, number] = [rng.int(size), rng.int(sizeB), rng.int(sizeC)];
    plantTriple(rng, M, planted, density);
    repairTriples(rng, M, planted);
    const count = countOrthogonalTriples(inst);
    if (count !== 1 || !isZeroTriple(M, ...planted)) {
      throw new Error(`internal: planted 3-OV instance has ${count} zero triples, expected exactly 1`);
    }
    expected = { answer: 'YES', source: 'construction' };
  } else if (no) {
    repairTriples(rng, M, null);
    const count = countOrthogonalTriples(inst);
    if (count !== 0) throw new Error(`internal: repaired 3-OV instance still has ${count} zero triples`);
    expected = { answer: 'NO', source: 'construction' };
  } else if (size * sizeB * sizeC * words <= THREE_OV_ORACLE_LIMIT) {
    expected = { answer: solveThreeOvBrute(inst).answer, source: 'oracle', oracle: THREE_OV_BRUTE_ORACLE };
  }
  inst.provenance = makeProvenance(id, rng.seed, { ...options }, expected, command);
  return inst;
}

export const randomThreeOvGenerator = defineGenerator<RandomThreeOvOptions>({
  id: '3ov',
  problem: '3ov',
  summary:
    'random 3-OV, entries iid Bernoulli(density); --plant: exactly one zero triple (YES), --no: none (NO); ' +
    'plain instances labelled by brute force (about |A|·|B|·|C|·(1−p³)^d zero triples)',
  flags,
  schema,
  usesSeed: true,
  examples: [
    { size: 4, sizeB: 4, sizeC: 3, dim: 6, density: 0.5, plant: false, no: false },
    { size: 5, sizeB: 3, sizeC: 4, dim: 33, density: 0.6, plant: true, no: false },
    { size: 3, sizeB: 4, sizeC: 2, dim: 4, density: 0.5, plant: false, no: true },
    { size: 3, sizeB: 3, sizeC: 3, dim: 65, density: 0.9, plant: false, no: false },
  ],
  variations: [{ size: 5 }, { sizeB: 3 }, { sizeC: 4 }, { dim: 7 }, { density: 0.3 }, { plant: true }, { no: true }],
  generate(options, rng, command, budget) {
    return { problem: '3ov', data: generateRandomThreeOv(options, rng, command, budget) };
  },
});
