/**
 * The reduction registry. Registering a reduction = one import and one entry below; the CLI
 * (`seth reduce`, `seth path`, `seth test-reduction`, `seth check`) and the generic tests pick it up.
 */
import type { AnyReduction } from '../src/reduction/types.js';
import { threeOvToOv } from './3ov-to-ov.js';
import { threeOvToCausalTransformer } from './3ov-to-causal-transformer.js';
import { threeOvToTensorAttention } from './3ov-to-tensor-attention.js';
import { threeOvToTransformer } from './3ov-to-transformer.js';
import { ksatTo3ov } from './ksat-to-3ov.js';
import { ksatToKov } from './ksat-to-kov.js';
import { ksatToOv } from './ksat-to-ov.js';
import { matmulBatchToTransformer } from './matmul-batch-to-transformer.js';
import { ovTo3ov } from './ov-to-3ov.js';
import { ovToAttention } from './ov-to-attention.js';

export const REDUCTIONS: readonly AnyReduction[] = [
  ksatToOv,
  ksatTo3ov,
  ksatToKov,
  ovTo3ov,
  ovToAttention,
  threeOvToTransformer,
  threeOvToCausalTransformer,
  threeOvToTensorAttention,
  threeOvToOv,
  matmulBatchToTransformer,
];

export function findReduction(id: string): AnyReduction | undefined {
  return REDUCTIONS.find((r) => r.id === id);
}
