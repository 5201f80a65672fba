import { z } from 'zod';
import { guardMemory, type MemoryBudget } from '../memory.js';
import { resolveLayout, type MatmulBatch } from '../problems/matmul-batch.js';
import { makeProvenance } from '../provenance.js';
import type { Rng } from '../rng.js';
import { defineGenerator } from './types.js';
import { flag, intOption } from './options.js';

/**
 * Random matmul-batch instances: `count` pairs of size×size integer matrices, entries uniform in
 * [−range, range]. `layers`/`heads` (optional) record how the pairs should be split over the
 * transformer of the large-embedding reduction (layers × heads = count).
 */
export interface MatmulGenOptions extends Record<string, unknown> {
  count: number;
  size: number;
  range: number;
  layers?: number | undefined;
  heads?: number | undefined;
}

/** Above this |entry| the float64 form of products could stop being exact; refuse it. */
export const MAX_MATMUL_RANGE = 2 ** 20;

const flags = z.object({
  count: flag(intOption('count', 1), 'number of pairs (= layers × heads of the transformer)'),
  size: flag(intOption('size', 1), 'matrix size N (the transformer has N + 1 tokens of width N)'),
  range: flag(
    intOption('range', 0).max(MAX_MATMUL_RANGE, `--range must be ≤ ${MAX_MATMUL_RANGE}`).default(10),
    'entries are uniform integers in [−range, range]',
  ),
  layers: flag(intOption('layers', 1).optional(), 'suggested number of layers L (L × H = count; default: from --heads, else 1)'),
  heads: flag(intOption('heads', 1).optional(), 'suggested number of heads H (L × H = count; default: count / L)'),
});

const schema: z.ZodType<MatmulGenOptions> = flags
  .superRefine((o, ctx) => {
    try {
      resolveLayout(o.count, { layers: o.layers, heads: o.heads });
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: [o.layers !== undefined ? 'layers' : 'heads'], message: (e as Error).message.replace(/^--\w+: /, '') });
    }
  })
  .transform((o): MatmulGenOptions => {
    const out: MatmulGenOptions = { count: o.count, size: o.size, range: o.range };
    if (o.layers !== undefined) out.layers = o.layers;
    if (o.heads !== undefined) out.heads = o.heads;
    return out;
  });

export function generateMatmulBatch(options: MatmulGenOptions, rng: Rng, command: string, budget: MemoryBudget): MatmulBatch {
  const { count, size: N, range: R } = options;
  guardMemory(`generating ${count} pairs of ${N}×${N} matrices`, count * 2 * N * N * 8 * 3, budget);
  const entry = (): number => rng.int(2 * R + 1) - R;
  const matrix = (): Float64Array => {
    const M = new Float64Array(N * N);
    for (let i = 0; i < M.length; i++) M[i] = entry();
    return M;
  };
  const pairs = Array.from({ length: count }, () => {
    const A = matrix();
    const B = matrix();
    return { A, B };
  });
  const params: Record<string, unknown> = { count, size: N, range: R };
  if (options.layers !== undefined) params.layers = options.layers;
  if (options.heads !== undefined) params.heads = options.heads;
  return {
    count,
    size: N,
    layers: options.layers,
    heads: options.heads,
    numberType: 'integer',
    pairs,
    provenance: makeProvenance('matmul', rng.seed, params, undefined, command),
  };
}

export const matmulGenerator = defineGenerator<MatmulGenOptions>({
  id: 'matmul',
  problem: 'matmul-batch',
  summary:
    'count pairs (A_t, B_t) of size×size integer matrices, entries uniform in [−range, range]; ' +
    'the source of the large-embedding regime (one gradient of an L-layer H-head transformer gives all L·H products)',
  flags,
  schema,
  usesSeed: true,
  // Every example names every option (layers/heads undefined = not suggested).
  examples: [
    { count: 2, size: 3, range: 5, layers: undefined, heads: undefined },
    { count: 6, size: 2, range: 3, layers: 2, heads: 3 },
    { count: 1, size: 1, range: 1, layers: undefined, heads: undefined },
    { count: 4, size: 5, range: 100, layers: 4, heads: undefined },
  ],
  variations: [{ count: 3 }, { size: 4 }, { range: 9 }, { layers: 2 }, { heads: 1 }],
  generate(options, rng, command, budget) {
    return { problem: 'matmul-batch', data: generateMatmulBatch(options, rng, command, budget) };
  },
});
