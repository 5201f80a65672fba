import { evaluateReference } from '../engine/reference.js';
import { evaluateTensorAttention } from '../engine/tensor-reference.js';
import type { MemoryBudget } from '../memory.js';
import type { ProblemId } from '../problems/instance.js';
import type { ModelOutput } from '../problems/registry.js';
import type { TensorAttentionInstance } from '../problems/tensor-attention.js';
import type { TransformerModel } from '../problems/transformer.js';

/**
 * The reference evaluation of a computation problem's instance (a model or tensor attention):
 * what the closed loop and the checker use where a problem has an output rather than an oracle's
 * answer. Problems do not know engines; this is where the two meet.
 */
export function referenceOutput(problem: ProblemId, target: unknown, budget: MemoryBudget): ModelOutput {
  if (isTransformerModel(target)) return { output: evaluateReference(target).output, engine: 'reference', dtype: 'f64' };
  if (isTensorAttention(target)) return { output: evaluateTensorAttention(target, budget.force), engine: 'tensor-reference', dtype: 'f64' };
  throw new Error(`internal: a ${problem} instance has no reference evaluation`);
}

// The chain runner erases types; the problem id says what the reduction built.
function isTransformerModel(x: unknown): x is TransformerModel {
  return typeof x === 'object' && x !== null && 'weights' in x && 'tokens' in x && 'X' in x;
}

function isTensorAttention(x: unknown): x is TensorAttentionInstance {
  return typeof x === 'object' && x !== null && 'K1' in x && 'K2' in x && 'queries' in x;
}
