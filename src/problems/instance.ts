import type { Cnf } from './ksat.js';
import type { MatmulBatch } from './matmul-batch.js';
import type { OvInstance } from './ov.js';
import type { KovInstance } from './kov.js';
import type { TensorAttentionInstance } from './tensor-attention.js';
import type { ThreeOvInstance } from './three-ov.js';
import type { TransformerModel } from './transformer.js';

/** Every problem the workbench knows, by id (the names used on the command line and in files). */
export const PROBLEM_IDS = ['ksat', 'ov', '3ov', 'kov', 'attention', 'transformer', 'tensor-attention', 'matmul-batch'] as const;
export type ProblemId = (typeof PROBLEM_IDS)[number];

/** An instance tagged with its problem: what flows between generators, reductions and engines. */
export type Instance =
  | { problem: 'ksat'; data: Cnf }
  | { problem: 'ov'; data: OvInstance }
  | { problem: '3ov'; data: ThreeOvInstance }
  | { problem: 'kov'; data: KovInstance }
  | { problem: 'tensor-attention'; data: TensorAttentionInstance }
  | { problem: 'attention'; data: TransformerModel }
  | { problem: 'transformer'; data: TransformerModel }
  | { problem: 'matmul-batch'; data: MatmulBatch };
