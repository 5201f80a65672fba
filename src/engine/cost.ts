import type { TransformerModel } from '../problems/transformer.js';
import type { EvalCost } from './types.js';

/**
 * The attention arithmetic of an exact forward pass: per head, n² scores of m multiply-adds
 * (2·n²·m flops), n² exps, and the weighted sum of n² value rows of width m (2·n²·m flops).
 */
export function exactAttentionCost(model: Pick<TransformerModel, 'tokens' | 'width' | 'layers' | 'heads'>): EvalCost {
  const { tokens: n, width: m, layers: L, heads: H } = model;
  return { flops: L * H * 4 * n * n * m, exps: L * H * n * n };
}
