import type { TransformerModel } from '../problems/transformer.js';

export type DType = 'f64' | 'f32';

export interface EvalOptions {
  /** Also return every head's output, perHead[layer][head] (n×m each). */
  perHead?: boolean;
  /** Called after each head with (heads done, heads in all). */
  onProgress?: (done: number, total: number) => void;
}

export interface EvalResult {
  /** X_L, n×m row-major. Engines computing in f32 widen their result to f64 here. */
  output: Float64Array;
  perHead?: Float64Array[][];
  engine: string;
  dtype: DType;
  /**
   * The attention arithmetic the engine performed (scores, softmax, weighted sums; projections and
   * MLPs, which every engine does alike, are not counted). Exact attention costs 4·n²·m flops and
   * n² exps per head (exactAttentionCost); approximations report what they actually computed.
   */
  cost?: EvalCost;
}

export interface EvalCost {
  flops: number;
  exps: number;
}

/**
 * An engine computes X_L for a transformer (or Σ_h Att_h(X) for an attention instance).
 * Every engine must agree with the reference engine (src/engine/reference.ts) within its dtype's
 * tolerance; the generic engine tests enforce this.
 */
export interface Engine {
  readonly name: string;
  readonly dtype: DType;
  evaluate(model: TransformerModel, options?: EvalOptions): Promise<EvalResult>;
  /** Release workers or native sessions. */
  close?(): Promise<void>;
}

/**
 * A bare attention batch (already projected Q, K, V per head, n×d each), the unit that engines'
 * kernels and `npm run bench` time against numpy.
 */
export interface AttentionHead {
  readonly Q: Float64Array;
  readonly K: Float64Array;
  readonly V: Float64Array;
}

export interface AttentionBatch {
  readonly tokens: number;
  readonly dim: number;
  readonly scale: number;
  readonly heads: readonly AttentionHead[];
}

/** A batch loaded into an engine: run() computes (timed), read() returns softmax(s·QKᵀ)V per head. */
export interface PreparedAttention {
  run(): Promise<void>;
  read(): Float64Array[];
  /** Free native resources, where the engine holds any. */
  release?(): Promise<void>;
}
