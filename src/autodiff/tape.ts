import type { Scalar } from './scalar.js';

/**
 * A reverse-mode tape (Wengert list) over dense row-major matrices of a scalar type T.
 *
 * Every operation is recorded with the operations it cost, and the backward pass counts its own.
 * Counts are scalar arithmetic operations — one per +, −, ×, ÷, negation, exp and comparison —
 * and equal exactly the number of calls the implementation makes on the `Scalar` (no zero
 * skipping, no fused shortcuts), which test/autodiff.test.ts checks with a counting wrapper.
 *
 *   op (shapes)                        forward                 backward (per input needing a gradient)
 *   matmul  A (n×k) · B (k×p)          n·p·(2k−1)              dA = G·Bᵀ: n·k·(2p−1);  dB = Aᵀ·G: k·p·(2n−1)
 *   transpose                          0                       0
 *   add     A + B                      n·p                     0 (the gradient is passed on)
 *   mul     A ∘ B (entrywise)          n·p                     n·p each
 *   scale   s·A                        n·p                     n·p
 *   rowMaxShift  A − max_row(A)·1ᵀ     n·(p−1) cmp + n·p sub   n·p: (p−1) adds for the row sum of G, 1 sub at the argmax
 *   exp                                n·p                     n·p  (dA = G ∘ exp(A))
 *   rowSum  A·1 (n×1)                  n·(p−1)                 0 (broadcast)
 *   divRows A_ij / s_i                 n·p                     dA: n·p;  ds_i = −(Σ_j G_ij·Y_ij)/s_i: n·p + n·(p−1) + 2n
 *   addRow  A + 1·bᵀ                   n·p                     db = column sums of G: (n−1)·p
 *   relu    max(A, 0)                  n·p cmp                 n·p cmp (derivative 0 at 0)
 *   dot     ⟨A, B⟩ (1×1)               n·p mul + (n·p−1) add   n·p each
 *   gradient accumulation (a node used more than once): one add per entry for every contribution
 *   after the first; it is counted in the backward pass under 'accumulate'.
 *
 * Only nodes that depend on a leaf created with requiresGrad get gradients (and cost backward work).
 * The row-max shift is differentiated as the operation it is (a subgradient at ties: the first
 * maximal entry); softmax is shift invariant, so the row sum it subtracts is exactly 0 in exact
 * arithmetic and the result equals the softmax's own derivative.
 */
export interface Tensor<T> {
  readonly id: number;
  readonly rows: number;
  readonly cols: number;
  readonly value: readonly T[];
  readonly requiresGrad: boolean;
  readonly kind: OpKind;
}

export type OpKind = 'leaf' | 'matmul' | 'transpose' | 'add' | 'mul' | 'scale' | 'rowMaxShift' | 'exp' | 'rowSum' | 'divRows' | 'addRow' | 'relu' | 'dot';

export interface OpStats {
  /** Nodes of this kind on the tape. */
  nodes: number;
  forwardOps: number;
  backwardOps: number;
}

export interface TapeStats {
  forwardOps: number;
  backwardOps: number;
  /** Per operation kind; 'accumulate' holds the gradient-accumulation adds of the backward pass. */
  byKind: Record<string, OpStats>;
}

interface Entry<T> {
  out: Tensor<T>;
  backward: (g: readonly T[]) => void;
}

export class Tape<T> {
  private nextId = 0;
  private readonly entries: Entry<T>[] = [];
  private readonly grads = new Map<number, readonly T[]>();
  private readonly leaves = new Set<number>();
  private backwardDone = false;
  readonly stats: TapeStats = { forwardOps: 0, backwardOps: 0, byKind: {} };

  constructor(readonly field: Scalar<T>) {}

  // -------------------------------------------------------------------------------------------
  // bookkeeping

  private kindStats(kind: string): OpStats {
    let s = this.stats.byKind[kind];
    if (!s) {
      s = { nodes: 0, forwardOps: 0, backwardOps: 0 };
      this.stats.byKind[kind] = s;
    }
    return s;
  }

  private countForward(kind: OpKind, ops: number): void {
    this.stats.forwardOps += ops;
    this.kindStats(kind).forwardOps += ops;
  }

  private countBackward(kind: string, ops: number): void {
    this.stats.backwardOps += ops;
    this.kindStats(kind).backwardOps += ops;
  }

  private node(kind: OpKind, rows: number, cols: number, value: T[], inputs: readonly Tensor<T>[], forwardOps: number): Tensor<T> {
    if (this.backwardDone) throw new Error('tape: cannot record after backward()');
    const requiresGrad = inputs.some((t) => t.requiresGrad);
    const out: Tensor<T> = { id: this.nextId++, rows, cols, value, requiresGrad, kind };
    this.kindStats(kind).nodes++;
    this.countForward(kind, forwardOps);
    return out;
  }

  private record(out: Tensor<T>, backward: (g: readonly T[]) => void): Tensor<T> {
    if (out.requiresGrad) this.entries.push({ out, backward });
    return out;
  }

  private accumulate(t: Tensor<T>, g: readonly T[]): void {
    if (!t.requiresGrad) return;
    const cur = this.grads.get(t.id);
    if (cur === undefined) {
      this.grads.set(t.id, g);
      return;
    }
    const F = this.field;
    const sum = new Array<T>(g.length);
    for (let i = 0; i < g.length; i++) sum[i] = F.add(cur[i]!, g[i]!);
    this.countBackward('accumulate', g.length);
    this.grads.set(t.id, sum);
  }

  private static sameShape<T>(a: Tensor<T>, b: Tensor<T>, op: string): void {
    if (a.rows !== b.rows || a.cols !== b.cols) {
      throw new RangeError(`tape ${op}: shapes ${a.rows}×${a.cols} and ${b.rows}×${b.cols} differ`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // leaves

  /** An input. With requiresGrad (default) its gradient is available after backward(). */
  leaf(rows: number, cols: number, value: readonly T[], requiresGrad = true): Tensor<T> {
    if (value.length !== rows * cols) throw new RangeError(`tape leaf: ${value.length} values for a ${rows}×${cols} matrix`);
    if (this.backwardDone) throw new Error('tape: cannot record after backward()');
    const t: Tensor<T> = { id: this.nextId++, rows, cols, value: value.slice(), requiresGrad, kind: 'leaf' };
    this.kindStats('leaf').nodes++;
    if (requiresGrad) this.leaves.add(t.id);
    return t;
  }

  constant(rows: number, cols: number, value: readonly T[]): Tensor<T> {
    return this.leaf(rows, cols, value, false);
  }

  // -------------------------------------------------------------------------------------------
  // operations

  /** Y = A·B, entry by entry: k products and k − 1 sums. */
  matmul(a: Tensor<T>, b: Tensor<T>): Tensor<T> {
    if (a.cols !== b.rows) throw new RangeError(`tape matmul: ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
    const n = a.rows;
    const k = a.cols;
    const p = b.cols;
    const Y = gemm(this.field, a.value, b.value, n, k, p, false, false);
    const out = this.node('matmul', n, p, Y, [a, b], n * p * (2 * k - 1));
    return this.record(out, (g) => {
      if (a.requiresGrad) {
        // dA = G·Bᵀ: (n×p)(p×k)
        this.countBackward('matmul', n * k * (2 * p - 1));
        this.accumulate(a, gemm(this.field, g, b.value, n, p, k, false, true));
      }
      if (b.requiresGrad) {
        // dB = Aᵀ·G: (k×n)(n×p)
        this.countBackward('matmul', k * p * (2 * n - 1));
        this.accumulate(b, gemm(this.field, a.value, g, k, n, p, true, false));
      }
    });
  }

  transpose(a: Tensor<T>): Tensor<T> {
    const out = this.node('transpose', a.cols, a.rows, transposeValues(a.value, a.rows, a.cols), [a], 0);
    return this.record(out, (g) => this.accumulate(a, transposeValues(g, a.cols, a.rows)));
  }

  add(a: Tensor<T>, b: Tensor<T>): Tensor<T> {
    Tape.sameShape(a, b, 'add');
    const F = this.field;
    const Y = a.value.map((x, i) => F.add(x, b.value[i]!));
    const out = this.node('add', a.rows, a.cols, Y, [a, b], Y.length);
    return this.record(out, (g) => {
      this.accumulate(a, g);
      this.accumulate(b, g);
    });
  }

  /** Entrywise product. */
  mul(a: Tensor<T>, b: Tensor<T>): Tensor<T> {
    Tape.sameShape(a, b, 'mul');
    const F = this.field;
    const Y = a.value.map((x, i) => F.mul(x, b.value[i]!));
    const out = this.node('mul', a.rows, a.cols, Y, [a, b], Y.length);
    return this.record(out, (g) => {
      if (a.requiresGrad) {
        this.countBackward('mul', g.length);
        this.accumulate(
          a,
          g.map((x, i) => F.mul(x, b.value[i]!)),
        );
      }
      if (b.requiresGrad) {
        this.countBackward('mul', g.length);
        this.accumulate(
          b,
          g.map((x, i) => F.mul(x, a.value[i]!)),
        );
      }
    });
  }

  /** s·A for a constant s. */
  scale(a: Tensor<T>, s: T): Tensor<T> {
    const F = this.field;
    const Y = a.value.map((x) => F.mul(s, x));
    const out = this.node('scale', a.rows, a.cols, Y, [a], Y.length);
    return this.record(out, (g) => {
      this.countBackward('scale', g.length);
      this.accumulate(
        a,
        g.map((x) => F.mul(s, x)),
      );
    });
  }

  /** Y = A − (row maximum)·1ᵀ: the stable-softmax shift. */
  rowMaxShift(a: Tensor<T>): Tensor<T> {
    const F = this.field;
    const { rows: n, cols: p } = a;
    const argmax = new Int32Array(n);
    const Y = new Array<T>(n * p);
    for (let i = 0; i < n; i++) {
      let best: T = a.value[i * p]!;
      let at = 0;
      for (let j = 1; j < p; j++) {
        const v = a.value[i * p + j]!;
        if (F.gt(v, best)) {
          best = v;
          at = j;
        }
      }
      argmax[i] = at;
      for (let j = 0; j < p; j++) Y[i * p + j] = F.sub(a.value[i * p + j]!, best);
    }
    const out = this.node('rowMaxShift', n, p, Y, [a], n * (p - 1) + n * p);
    return this.record(out, (g) => {
      const dA = g.slice();
      for (let i = 0; i < n; i++) {
        let s: T = g[i * p]!;
        for (let j = 1; j < p; j++) s = F.add(s, g[i * p + j]!);
        const at = i * p + argmax[i]!;
        dA[at] = F.sub(dA[at]!, s);
      }
      this.countBackward('rowMaxShift', n * p);
      this.accumulate(a, dA);
    });
  }

  exp(a: Tensor<T>): Tensor<T> {
    const F = this.field;
    const Y = a.value.map((x) => F.exp(x));
    const out = this.node('exp', a.rows, a.cols, Y, [a], Y.length);
    return this.record(out, (g) => {
      this.countBackward('exp', g.length);
      this.accumulate(
        a,
        g.map((x, i) => F.mul(x, Y[i]!)),
      );
    });
  }

  /** Row sums, an n×1 column. */
  rowSum(a: Tensor<T>): Tensor<T> {
    const F = this.field;
    const { rows: n, cols: p } = a;
    const Y = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      let s: T = a.value[i * p]!;
      for (let j = 1; j < p; j++) s = F.add(s, a.value[i * p + j]!);
      Y[i] = s;
    }
    const out = this.node('rowSum', n, 1, Y, [a], n * (p - 1));
    return this.record(out, (g) => {
      const dA = new Array<T>(n * p);
      for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) dA[i * p + j] = g[i]!;
      this.accumulate(a, dA);
    });
  }

  /** Y_ij = A_ij / s_i for a column s (n×1). */
  divRows(a: Tensor<T>, s: Tensor<T>): Tensor<T> {
    if (s.rows !== a.rows || s.cols !== 1) throw new RangeError(`tape divRows: ${a.rows}×${a.cols} by ${s.rows}×${s.cols}`);
    const F = this.field;
    const { rows: n, cols: p } = a;
    const Y = new Array<T>(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) Y[i * p + j] = F.div(a.value[i * p + j]!, s.value[i]!);
    const out = this.node('divRows', n, p, Y, [a, s], n * p);
    return this.record(out, (g) => {
      if (a.requiresGrad) {
        const dA = new Array<T>(n * p);
        for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) dA[i * p + j] = F.div(g[i * p + j]!, s.value[i]!);
        this.countBackward('divRows', n * p);
        this.accumulate(a, dA);
      }
      if (s.requiresGrad) {
        // ∂/∂s_i of Σ_j G_ij·A_ij/s_i = −(Σ_j G_ij·Y_ij)/s_i
        const ds = new Array<T>(n);
        for (let i = 0; i < n; i++) {
          let acc: T = F.mul(g[i * p]!, Y[i * p]!);
          for (let j = 1; j < p; j++) acc = F.add(acc, F.mul(g[i * p + j]!, Y[i * p + j]!));
          ds[i] = F.neg(F.div(acc, s.value[i]!));
        }
        this.countBackward('divRows', n * p + n * (p - 1) + 2 * n);
        this.accumulate(s, ds);
      }
    });
  }

  /** Y = A + 1·bᵀ for a row b (1×p): a bias. */
  addRow(a: Tensor<T>, b: Tensor<T>): Tensor<T> {
    if (b.rows !== 1 || b.cols !== a.cols) throw new RangeError(`tape addRow: ${a.rows}×${a.cols} plus ${b.rows}×${b.cols}`);
    const F = this.field;
    const { rows: n, cols: p } = a;
    const Y = a.value.map((x, i) => F.add(x, b.value[i % p]!));
    const out = this.node('addRow', n, p, Y, [a, b], n * p);
    return this.record(out, (g) => {
      this.accumulate(a, g);
      if (b.requiresGrad) {
        const db = g.slice(0, p);
        for (let i = 1; i < n; i++) for (let j = 0; j < p; j++) db[j] = F.add(db[j]!, g[i * p + j]!);
        this.countBackward('addRow', (n - 1) * p);
        this.accumulate(b, db);
      }
    });
  }

  /** max(A, 0) entrywise; the derivative at 0 is taken to be 0. */
  relu(a: Tensor<T>): Tensor<T> {
    const F = this.field;
    const Y = a.value.map((x) => (F.gt(x, F.zero) ? x : F.zero));
    const out = this.node('relu', a.rows, a.cols, Y, [a], Y.length);
    return this.record(out, (g) => {
      this.countBackward('relu', g.length);
      this.accumulate(
        a,
        g.map((x, i) => (F.gt(a.value[i]!, F.zero) ? x : F.zero)),
      );
    });
  }

  /** ⟨A, B⟩ = Σ A_ij·B_ij, a 1×1 result. */
  dot(a: Tensor<T>, b: Tensor<T>): Tensor<T> {
    Tape.sameShape(a, b, 'dot');
    const F = this.field;
    const len = a.value.length;
    let acc = F.mul(a.value[0]!, b.value[0]!);
    for (let i = 1; i < len; i++) acc = F.add(acc, F.mul(a.value[i]!, b.value[i]!));
    const out = this.node('dot', 1, 1, [acc], [a, b], 2 * len - 1);
    return this.record(out, (g) => {
      const g0 = g[0]!;
      if (a.requiresGrad) {
        this.countBackward('dot', len);
        this.accumulate(
          a,
          b.value.map((x) => F.mul(g0, x)),
        );
      }
      if (b.requiresGrad) {
        this.countBackward('dot', len);
        this.accumulate(
          b,
          a.value.map((x) => F.mul(g0, x)),
        );
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // backward

  /**
   * Reverse sweep from a 1×1 output, seeded with ∂f/∂f = 1. Gradients of intermediate nodes are
   * dropped once used; those of leaves stay available through grad().
   */
  backward(f: Tensor<T>): void {
    if (f.rows !== 1 || f.cols !== 1) throw new RangeError(`tape backward: the output must be 1×1, got ${f.rows}×${f.cols}`);
    if (this.backwardDone) throw new Error('tape: backward() may run once');
    this.backwardDone = true;
    if (!f.requiresGrad) return;
    this.grads.set(f.id, [this.field.one]);
    for (let e = this.entries.length - 1; e >= 0; e--) {
      const { out, backward } = this.entries[e]!;
      const g = this.grads.get(out.id);
      if (g === undefined) continue;
      backward(g);
      this.grads.delete(out.id);
    }
  }

  /** ∂f/∂t for a leaf created with requiresGrad (zeros where no gradient flowed). */
  grad(t: Tensor<T>): T[] {
    if (!this.backwardDone) throw new Error('tape: grad() before backward()');
    if (!this.leaves.has(t.id)) throw new Error('tape: grad() is kept for leaves with requiresGrad only');
    const g = this.grads.get(t.id);
    return g ? g.slice() : new Array<T>(t.rows * t.cols).fill(this.field.zero);
  }
}

/**
 * op(A)·op(B) with op = transpose where asked; result r×c with inner dimension k:
 * A is r×k (or k×r stored when transA), B is k×c (or c×k stored when transB).
 * Each entry costs k multiplications and k − 1 additions.
 */
function gemm<T>(F: Scalar<T>, A: readonly T[], B: readonly T[], r: number, k: number, c: number, transA: boolean, transB: boolean): T[] {
  const out = new Array<T>(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const a0 = transA ? A[i]! : A[i * k]!;
      const b0 = transB ? B[j * k]! : B[j]!;
      let acc = F.mul(a0, b0);
      for (let t = 1; t < k; t++) {
        const a = transA ? A[t * r + i]! : A[i * k + t]!;
        const b = transB ? B[j * k + t]! : B[t * c + j]!;
        acc = F.add(acc, F.mul(a, b));
      }
      out[i * c + j] = acc;
    }
  }
  return out;
}

function transposeValues<T>(a: readonly T[], rows: number, cols: number): T[] {
  const out = new Array<T>(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}
