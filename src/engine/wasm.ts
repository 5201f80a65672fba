import { availableParallelism } from 'node:os';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { exactAttentionCost } from './cost.js';
import { NonFiniteError } from './finite.js';
import type { DType, Engine, EvalOptions, EvalResult, AttentionBatch, PreparedAttention } from './types.js';
import { BASE, loadKernel, type KernelVariant } from './wasm-kernel.js';
import { acquirePool, type Pool } from './wasm-pool.js';
import type { Arg, Call, KernelCall } from './wasm-worker.js';

/**
 * The wasm engine: the attention kernels of asm/attention.ts (AssemblyScript → WebAssembly with
 * 128-bit SIMD, fused multiply-add through relaxed SIMD where the runtime has it), in float64 or
 * float32, on worker threads that share one WebAssembly.Memory.
 *
 * Per layer and per group of heads: (A) project X·[W_Q|W_K|W_V] for all heads of the group in one
 * matmul, pack the keys, start the residual stream; barrier; (B) streaming attention of each head
 * into its own buffer; barrier; (C) add the heads into the stream in order, then the MLP; barrier.
 * Every phase goes over chunks of rows that the threads take from a shared counter, so a thread
 * slowed by other load takes fewer. One message per worker per evaluation: the workers
 * synchronise among themselves (Atomics), the main thread only waits. docs/engines.md has more.
 *
 * Small models run on the calling thread (same kernels, no workers): a round trip to a worker
 * costs more than they do.
 */

export interface WasmEngineOptions {
  /** Worker threads (default: the machine's available parallelism). */
  threads?: number | undefined;
  /** Run on the calling thread when the forward pass costs fewer flops than this (default 2e7). */
  inlineBelowFlops?: number;
  /** Fill all working memory with NaN before each evaluation (tests: every element is written). */
  poison?: boolean;
  /** Kernel build: 'auto' (relaxed SIMD where the runtime supports it), or force one. */
  variant?: 'auto' | KernelVariant | undefined;
  /** The run's memory budget, checked before the working memory grows (default: defaultBudget()). */
  budget?: MemoryBudget;
}

const GROUP_BYTES = 256 * 1024 * 1024; // projected Q, K, V, packed keys and outputs per head group
/** Rows per chunk that a worker takes at a time (a multiple of 16: key packing and query groups). */
const CHUNK = 64;

// ---------------------------------------------------------------------------------------------
// Layout helpers
// ---------------------------------------------------------------------------------------------

const roundUp = (x: number, k: number): number => Math.ceil(x / k) * k;

class Arena {
  private off = BASE;
  constructor(private readonly el: number) {}
  /** Offset of a new region of `elems` elements, 64-byte aligned. */
  alloc(elems: number): number {
    const o = this.off;
    this.off += roundUp(Math.max(1, elems) * this.el, 64);
    return o;
  }
  get end(): number {
    return this.off;
  }
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

export class WasmEngine implements Engine {
  readonly name = 'wasm';
  readonly variant: KernelVariant;
  readonly threads: number;
  private readonly el: number;
  private readonly lanes: number;
  private readonly keyBlock: number;
  private readonly sfx: '64' | '32';
  private closed = false;
  private readonly budget: MemoryBudget;

  private constructor(
    readonly dtype: DType,
    private readonly pool: Pool,
    private readonly options: WasmEngineOptions,
  ) {
    this.variant = pool.kernel.variant;
    this.threads = pool.threads;
    this.el = dtype === 'f64' ? 8 : 4;
    this.lanes = dtype === 'f64' ? 2 : 4;
    this.keyBlock = dtype === 'f64' ? 4 : 8;
    this.sfx = dtype === 'f64' ? '64' : '32';
    this.budget = options.budget ?? defaultBudget();
  }

  /**
   * Load the kernel and take (or make) a worker pool; rejects when the build is missing or does
   * not load. Engines with the same build and thread count share one pool and run one at a time.
   * The workers start on the first evaluation large enough to need them; if they cannot start,
   * the kernels run on the calling thread.
   */
  static create(dtype: DType, options: WasmEngineOptions = {}): Promise<WasmEngine> {
    const kernel = loadKernel(options.variant ?? 'auto');
    const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    return Promise.resolve(new WasmEngine(dtype, acquirePool(kernel, threads), options));
  }

  private get local(): Record<string, unknown> {
    return this.pool.local;
  }

  private kernel(name: string): string {
    return name + this.sfx;
  }

  private view(offset: number, length: number): Float64Array | Float32Array {
    const buf = this.pool.memory.buffer;
    return this.el === 8 ? new Float64Array(buf, offset, length) : new Float32Array(buf, offset, length);
  }

  /** Write a rows×cols matrix into a region with row stride ld (zero padding). */
  private writeMatrix(offset: number, src: ArrayLike<number>, rows: number, cols: number, ld: number): void {
    const v = this.view(offset, rows * ld);
    if (cols === ld) {
      v.set(src);
      return;
    }
    v.fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) v[i * ld + j] = src[i * cols + j]!;
  }

  private readMatrix(offset: number, rows: number, cols: number, ld: number): Float64Array {
    const v = this.view(offset, rows * ld);
    const out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = v[i * ld + j]!;
    return out;
  }

  private exclusive<T>(job: () => Promise<T>): Promise<T> {
    return this.pool.exclusive(async () => {
      if (this.closed) throw new Error('the wasm engine is closed');
      return job();
    });
  }

  evaluate(model: TransformerModel, options: EvalOptions = {}): Promise<EvalResult> {
    return this.exclusive(() => this.evaluateModel(model, options));
  }

  private async evaluateModel(model: TransformerModel, options: EvalOptions): Promise<EvalResult> {
    this.pool.generation++;
    const { tokens: n, width: m, layers: L, heads: H } = model;
    const el = this.el;
    const dp = roundUp(m, this.lanes);
    // Heads per group: bounded so that Q, K, V, packed keys and head outputs fit GROUP_BYTES.
    const G = Math.max(1, Math.min(H, Math.floor(GROUP_BYTES / (5 * n * dp * el))));
    const groups: number[] = [];
    for (let g0 = 0; g0 < H; g0 += G) groups.push(g0);
    const wcols = 3 * H * dp;
    const hps = model.mlp.map((p) => (p ? roundUp(p.hidden, this.lanes) : 0));
    const hpMax = Math.max(0, ...hps);
    const nk = roundUp(n, this.keyBlock);

    // Layout.
    const arena = new Arena(el);
    const Xa = arena.alloc(n * dp);
    const Xb = arena.alloc(n * dp);
    const W = Array.from({ length: L }, () => arena.alloc(dp * wcols));
    const mlp = model.mlp.map((p, l) =>
      p ? { W1: arena.alloc(dp * hps[l]!), b1: arena.alloc(hps[l]!), W2: arena.alloc(hps[l]! * dp), b2: arena.alloc(dp) } : null,
    );
    const H1 = hpMax > 0 ? arena.alloc(n * hpMax) : 0;
    const qkvCols = 3 * G * dp;
    const QKV = arena.alloc(n * qkvCols);
    const Kp = Array.from({ length: G }, () => arena.alloc(nk * dp));
    const PH = options.perHead ? Array.from({ length: L }, () => Array.from({ length: H }, () => arena.alloc(n * dp))) : null;
    const HO = PH ? [] : Array.from({ length: G }, () => arena.alloc(n * dp));
    const scratchBytes = roundUp((this.local[this.kernel('attendScratchBytes')] as (dv: number) => number)(dp), 64);
    const scratch = arena.alloc(((this.threads + 1) * scratchBytes) / el);
    const counterCount = L * groups.length * (G + 2);
    const counters = arena.alloc(Math.ceil((4 * counterCount) / el));
    // Per layer and head: 0, or 1 + the first row whose logits or output are not finite (the kernel's noteBadRow).
    const bad = arena.alloc(Math.ceil((4 * L * H) / el));
    guardMemory(`the wasm engine on ${n} tokens × width ${m} × ${L}·${H} heads`, arena.end, this.budget);
    this.pool.reserve(arena.end);

    // Inputs.
    if (this.options.poison) new Uint8Array(this.pool.memory.buffer, BASE, arena.end - BASE).fill(0xff);
    this.writeMatrix(Xa, model.X, n, m, dp);
    for (let l = 0; l < L; l++) {
      const Wl = new Float64Array(dp * wcols);
      model.weights[l]!.forEach((w, h) => {
        const mats = [w.Q, w.K, w.V];
        for (let t = 0; t < 3; t++) {
          const M = mats[t]!;
          const col = (3 * h + t) * dp;
          for (let k = 0; k < m; k++) for (let c = 0; c < m; c++) Wl[k * wcols + col + c] = M[k * m + c]!;
        }
      });
      this.writeMatrix(W[l]!, Wl, dp, wcols, wcols);
      const p = model.mlp[l];
      const r = mlp[l];
      if (p && r) {
        const hp = hps[l]!;
        this.writeMatrix(r.W1, p.W1, m, p.hidden, hp);
        if (dp > m) this.view(r.W1 + m * hp * el, (dp - m) * hp).fill(0);
        this.writeMatrix(r.b1, p.b1, 1, p.hidden, hp);
        this.writeMatrix(r.W2, p.W2, p.hidden, m, dp);
        if (hp > p.hidden) this.view(r.W2 + p.hidden * dp * el, (hp - p.hidden) * dp).fill(0);
        this.writeMatrix(r.b2, p.b2, 1, m, dp);
      }
    }

    // Plan: per layer and head group, (A) project, pack keys and start the residual stream,
    // (B) attention per head into its own buffer, (C) add the heads into the stream in order
    // (as the reference does) and apply the MLP. Every phase goes by dynamic chunks of rows.
    const row = (base: number, stride: number): Arg => [base, stride * el, 0, 0]; // base + r0·stride elements
    const rowsArg: Arg = [0, -1, 1, 0];
    const bytesArg = (stride: number): Arg => [0, -stride * el, stride * el, 0];
    const r0Arg: Arg = [0, 1, 0, 0];
    const r1Arg: Arg = [0, 0, 1, 0];
    const scratchArg: Arg = [scratch, 0, 0, scratchBytes];
    let used = 0;
    const calls: Call[] = [];
    const rows = (kernelCalls: KernelCall[], progress?: number): void => {
      const c: Call = { fn: 'rows', total: n, chunk: CHUNK, counter: counters + 4 * used++, calls: kernelCalls };
      calls.push(progress === undefined ? c : { ...c, progress });
    };
    let X = Xa;
    let Y = Xb;
    for (let l = 0; l < L; l++) {
      for (const g0 of groups) {
        const gh = Math.min(G, H - g0);
        const last = g0 === groups[groups.length - 1];
        const phaseA: KernelCall[] = [];
        if (g0 === 0) {
          phaseA.push(
            model.residual ? { fn: 'copyBytes', args: [row(Y, dp), row(X, dp), bytesArg(dp)] } : { fn: 'fillBytes', args: [row(Y, dp), 0, bytesArg(dp)] },
          );
        }
        phaseA.push({
          fn: this.kernel('matmul'),
          args: [row(X, dp), dp, W[l]! + 3 * g0 * dp * el, wcols, row(QKV, qkvCols), qkvCols, rowsArg, dp, 3 * gh * dp, 0, 0, 0],
        });
        for (let j = 0; j < gh; j++) phaseA.push({ fn: this.kernel('packKeys'), args: [QKV + (3 * j + 1) * dp * el, qkvCols, n, dp, r0Arg, r1Arg, Kp[j]!] });
        rows(phaseA);
        calls.push({ fn: 'barrier' });
        const outs: number[] = [];
        for (let j = 0; j < gh; j++) {
          const h = g0 + j;
          const out = PH ? PH[l]![h]! : HO[j]!;
          outs.push(out);
          rows(
            [
              {
                fn: this.kernel('attend'),
                args: [
                  QKV + 3 * j * dp * el,
                  qkvCols,
                  Kp[j]!,
                  QKV + (3 * j + 2) * dp * el,
                  qkvCols,
                  n,
                  dp,
                  dp,
                  r0Arg,
                  r1Arg,
                  model.scale,
                  out,
                  dp,
                  0,
                  scratchArg,
                  model.causal ? 1 : 0,
                  bad + 4 * (l * H + h),
                ],
              },
            ],
            l * H + h,
          );
        }
        calls.push({ fn: 'barrier' });
        const phaseC: KernelCall[] = outs.map((out) => ({ fn: this.kernel('addInto'), args: [row(Y, dp), row(out, dp), [0, -dp, dp, 0]] }));
        const r = mlp[l];
        if (last && r) {
          const hp = hps[l]!;
          phaseC.push({ fn: this.kernel('matmul'), args: [row(Y, dp), dp, r.W1, hp, row(H1, hp), hp, rowsArg, dp, hp, r.b1, 1, 0] });
          phaseC.push({ fn: this.kernel('matmul'), args: [row(H1, hp), hp, r.W2, dp, row(X, dp), dp, rowsArg, hp, dp, r.b2, 0, 0] });
        }
        rows(phaseC);
        calls.push({ fn: 'barrier' });
      }
      if (!mlp[l]) [X, Y] = [Y, X];
    }

    const flops = L * H * (6 * n * dp * dp + 4 * n * n * dp);
    const inline = flops < (this.options.inlineBelowFlops ?? 2e7);
    let done = 0;
    const seen = new Map<number, number>();
    const reports = inline ? 1 : this.threads;
    const onProgress = options.onProgress
      ? (v: number): void => {
          const c = (seen.get(v) ?? 0) + 1;
          seen.set(v, c);
          if (c === reports) options.onProgress!(++done, L * H);
        }
      : undefined;
    const badRows = new Int32Array(this.pool.memory.buffer, bad, L * H);
    badRows.fill(0);
    await this.pool.dispatch(calls, counters, used, inline, onProgress);
    // The non-finite policy (finite.ts): the first layer, then head, with a non-finite logit or output.
    const k = badRows.findIndex((v) => v !== 0);
    if (k >= 0) {
      throw new NonFiniteError(
        `engine wasm (${this.dtype}): non-finite logit or output at layer ${Math.floor(k / H) + 1}, head ${(k % H) + 1}, row ${badRows[k]! - 1} ` +
          '(the scaled scores or the values leave the floating-point range of this dtype)',
      );
    }

    const result: EvalResult = { output: this.readMatrix(X, n, m, dp), engine: 'wasm', dtype: this.dtype, cost: exactAttentionCost(model) };
    if (PH) result.perHead = PH.map((layer) => layer.map((off) => this.readMatrix(off, n, m, dp)));
    return result;
  }

  /**
   * Load a bare attention batch (softmax(scale·Q Kᵀ)·V per head, no projections) for timing:
   * run() packs the keys and computes, read() returns each head's n×d output.
   */
  prepareAttention(batch: AttentionBatch): PreparedAttention {
    const { tokens: n, dim: d, heads } = batch;
    const el = this.el;
    const dp = roundUp(d, this.lanes);
    const nk = roundUp(n, this.keyBlock);
    const arena = new Arena(el);
    const bufs = heads.map(() => ({
      Q: arena.alloc(n * dp),
      K: arena.alloc(n * dp),
      V: arena.alloc(n * dp),
      Kp: arena.alloc(nk * dp),
      O: arena.alloc(n * dp),
    }));
    const scratchBytes = roundUp((this.local[this.kernel('attendScratchBytes')] as (dv: number) => number)(dp), 64);
    const scratch = arena.alloc(((this.threads + 1) * scratchBytes) / el);
    const counters = arena.alloc(Math.ceil((4 * 2 * heads.length) / el));
    guardMemory(`wasm attention on ${n} tokens × ${heads.length} heads`, arena.end, this.budget);
    let loaded = -1;
    const upload = (): void => {
      this.pool.reserve(arena.end);
      heads.forEach((h, i) => {
        const b = bufs[i]!;
        this.writeMatrix(b.Q, h.Q, n, d, dp);
        this.writeMatrix(b.K, h.K, n, d, dp);
        this.writeMatrix(b.V, h.V, n, d, dp);
      });
      loaded = ++this.pool.generation;
    };
    upload();
    const r0Arg: Arg = [0, 1, 0, 0];
    const r1Arg: Arg = [0, 0, 1, 0];
    let used = 0;
    // Every pass is split over the n rows, each with a work counter of its own.
    const rows = (call: KernelCall): Call => ({ fn: 'rows', total: n, chunk: CHUNK, counter: counters + 4 * used++, calls: [call] });
    const calls: Call[] = [
      ...bufs.map((b) => rows({ fn: this.kernel('packKeys'), args: [b.K, dp, n, dp, r0Arg, r1Arg, b.Kp] })),
      { fn: 'barrier' },
      ...bufs.map((b) =>
        rows({
          fn: this.kernel('attend'),
          args: [b.Q, dp, b.Kp, b.V, dp, n, dp, dp, r0Arg, r1Arg, batch.scale, b.O, dp, 0, [scratch, 0, 0, scratchBytes], 0, 0],
        }),
      ),
    ];
    // The memory is shared with evaluations: if one ran in between, run() uploads the batch again.
    return {
      run: () =>
        this.exclusive(async () => {
          if (loaded !== this.pool.generation) upload();
          await this.pool.dispatch(calls, counters, used, false);
        }),
      read: () => {
        if (loaded !== this.pool.generation) throw new Error('the prepared attention batch was overwritten by a later evaluation; run() it again');
        return bufs.map((b) => this.readMatrix(b.O, n, d, dp));
      },
    };
  }

  /** Release the engine; its pool's workers end once no engine uses them (after a short linger). */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.pool.release();
    }
    return Promise.resolve();
  }
}

/** Make a wasm engine; rejects with the reason when the build is missing or does not load. */
export async function createWasmEngine(dtype: DType, options: WasmEngineOptions = {}): Promise<WasmEngine> {
  return WasmEngine.create(dtype, options);
}
