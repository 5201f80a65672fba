import { refuseCausal, type TransformerModel } from '../problems/transformer.js';
import type { Scalar } from './scalar.js';
import { Tape, type OpStats, type Tensor } from './tape.js';

/**
 * The transformer of docs/model.md §1 as a computation on the reverse-mode tape, for any
 * TransformerModel (any tokens, width, layers, heads, scale, residual on/off, identity or ReLU MLP):
 *
 *   per head:  Q = X W_Q,  K = X W_K,  V = X W_V
 *              S = s · Q Kᵀ            (the scale op is omitted when s = 1)
 *              P = softmax_rows(S)     as  Z = S − rowmax(S)·1ᵀ,  E = exp(Z),  z = E·1,  P = E / z
 *              O = P V
 *   layer:     Y = X + Σ_h O_h (residual; without it Y = Σ_h O_h),  X' = MLP(Y)
 *   readout:   f = ⟨C, X_L⟩ for a given n×m matrix C
 *
 * One backward pass then gives ∂f/∂X_0, ∂f/∂W_Q, ∂f/∂W_K, ∂f/∂W_V of every head (and the MLP
 * parameters), with the forward and backward operation counts of the tape.
 */
export interface HeadParams<T> {
  readonly Q: readonly T[];
  readonly K: readonly T[];
  readonly V: readonly T[];
}

export interface MlpParams<T> {
  readonly hidden: number;
  readonly W1: readonly T[];
  readonly b1: readonly T[];
  readonly W2: readonly T[];
  readonly b2: readonly T[];
}

/** A transformer's parameters in a scalar type (the model's shape fields, values as T). */
export interface TransformerParams<T> {
  readonly tokens: number;
  readonly width: number;
  readonly layers: number;
  readonly heads: number;
  readonly scale: T;
  readonly residual: boolean;
  readonly X: readonly T[];
  readonly weights: readonly (readonly HeadParams<T>[])[];
  readonly mlp: readonly (MlpParams<T> | null)[];
}

/** Converts a model's float64 parameters (exactly, for rationals: doubles are dyadic). */
export function paramsFromModel<T>(model: TransformerModel, field: Scalar<T>): TransformerParams<T> {
  refuseCausal(model, 'the differentiator');
  const conv = (a: Float64Array): T[] => Array.from(a, (x) => field.fromNumber(x));
  return {
    tokens: model.tokens,
    width: model.width,
    layers: model.layers,
    heads: model.heads,
    scale: field.fromNumber(model.scale),
    residual: model.residual,
    X: conv(model.X),
    weights: model.weights.map((layer) => layer.map((h) => ({ Q: conv(h.Q), K: conv(h.K), V: conv(h.V) }))),
    mlp: model.mlp.map((p) => (p ? { hidden: p.hidden, W1: conv(p.W1), b1: conv(p.b1), W2: conv(p.W2), b2: conv(p.b2) } : null)),
  };
}

export interface TransformerGradient<T> {
  readonly arithmetic: Scalar<T>['name'];
  /** f = ⟨C, X_L⟩. */
  readonly f: T;
  /** X_L (n×m). */
  readonly output: T[];
  /** ∂f/∂X_0 (n×m). */
  readonly dX: T[];
  /** dW[layer][head] = ∂f/∂W_Q, ∂f/∂W_K, ∂f/∂W_V (m×m each). */
  readonly dW: { Q: T[]; K: T[]; V: T[] }[][];
  /** ∂f/∂(MLP parameters) per layer; null for identity layers. */
  readonly dMlp: ({ W1: T[]; b1: T[]; W2: T[]; b2: T[] } | null)[];
  /** Scalar operations of the forward pass (including the readout ⟨C, X_L⟩). */
  readonly forwardOps: number;
  /** Scalar operations of the backward pass (all of ∂f/∂X_0, ∂f/∂W, ∂f/∂MLP). */
  readonly backwardOps: number;
  readonly opsByKind: Record<string, OpStats>;
  readonly forwardMs: number;
  readonly backwardMs: number;
}

function checkShapes<T>(p: TransformerParams<T>, C: readonly T[]): void {
  const { tokens: n, width: m, layers: L, heads: H } = p;
  const fail = (what: string): never => {
    throw new RangeError(`transformer gradient: ${what}`);
  };
  if (!(n >= 1 && m >= 1 && L >= 1 && H >= 1)) fail(`tokens, width, layers and heads must be ≥ 1 (got ${n}, ${m}, ${L}, ${H})`);
  if (p.X.length !== n * m) fail(`X has ${p.X.length} entries, expected tokens × width = ${n * m}`);
  if (C.length !== n * m) fail(`C has ${C.length} entries, expected tokens × width = ${n * m}`);
  if (p.weights.length !== L) fail(`${p.weights.length} layers of weights, expected ${L}`);
  if (p.mlp.length !== L) fail(`${p.mlp.length} MLP entries, expected ${L}`);
  p.weights.forEach((layer, l) => {
    if (layer.length !== H) fail(`layer ${l} has ${layer.length} heads, expected ${H}`);
    layer.forEach((h, t) => {
      for (const w of ['Q', 'K', 'V'] as const) if (h[w].length !== m * m) fail(`layer ${l} head ${t} W_${w} is not ${m}×${m}`);
    });
  });
}

/**
 * Forward pass of `params` on a fresh tape, readout f = ⟨C, X_L⟩, and one backward pass.
 * C is n×m row-major.
 */
export function transformerGradient<T>(field: Scalar<T>, params: TransformerParams<T>, C: readonly T[]): TransformerGradient<T> {
  checkShapes(params, C);
  const { tokens: n, width: m, layers: L, heads: H } = params;
  const tape = new Tape(field);
  const t0 = performance.now();

  const X0 = tape.leaf(n, m, params.X);
  const W = params.weights.map((layer) => layer.map((h) => ({ Q: tape.leaf(m, m, h.Q), K: tape.leaf(m, m, h.K), V: tape.leaf(m, m, h.V) })));
  const M = params.mlp.map((p) =>
    p
      ? {
          W1: tape.leaf(m, p.hidden, p.W1),
          b1: tape.leaf(1, p.hidden, p.b1),
          W2: tape.leaf(p.hidden, m, p.W2),
          b2: tape.leaf(1, m, p.b2),
        }
      : null,
  );
  const unitScale = field.equals(params.scale, field.one);

  let X: Tensor<T> = X0;
  for (let l = 0; l < L; l++) {
    let Y: Tensor<T> | null = params.residual ? X : null;
    for (let h = 0; h < H; h++) {
      const w = W[l]![h]!;
      const Q = tape.matmul(X, w.Q);
      const K = tape.matmul(X, w.K);
      const V = tape.matmul(X, w.V);
      let S = tape.matmul(Q, tape.transpose(K));
      if (!unitScale) S = tape.scale(S, params.scale);
      const E = tape.exp(tape.rowMaxShift(S));
      const P = tape.divRows(E, tape.rowSum(E));
      const O = tape.matmul(P, V);
      Y = Y === null ? O : tape.add(Y, O);
    }
    const mlp = M[l];
    X = mlp ? tape.addRow(tape.matmul(tape.relu(tape.addRow(tape.matmul(Y!, mlp.W1), mlp.b1)), mlp.W2), mlp.b2) : Y!;
  }
  const f = tape.dot(tape.constant(n, m, C), X);
  const t1 = performance.now();
  const forwardOps = tape.stats.forwardOps;
  tape.backward(f);
  const t2 = performance.now();

  return {
    arithmetic: field.name,
    f: f.value[0]!,
    output: X.value.slice(),
    dX: tape.grad(X0),
    dW: W.map((layer) => layer.map((w) => ({ Q: tape.grad(w.Q), K: tape.grad(w.K), V: tape.grad(w.V) }))),
    dMlp: M.map((p) => (p ? { W1: tape.grad(p.W1), b1: tape.grad(p.b1), W2: tape.grad(p.W2), b2: tape.grad(p.b2) } : null)),
    forwardOps,
    backwardOps: tape.stats.backwardOps,
    opsByKind: tape.stats.byKind,
    forwardMs: t1 - t0,
    backwardMs: t2 - t1,
  };
}
