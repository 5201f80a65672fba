import { availableParallelism } from 'node:os';
import { UserError } from '../../errors.js';
import { NonFiniteError } from '../finite.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../../memory.js';
import { kvGroupsViolation, type TransformerModel } from '../../problems/transformer.js';
import { exactAttentionCost } from '../cost.js';
import type { AttentionBatch, DType, Engine, EvalOptions, EvalResult, PreparedAttention } from '../types.js';
import { loadNativeAddon, type Isa, type NativeAddon } from './addon.js';

/**
 * The native engine: fused streaming-softmax attention, projections and MLP in C++ with AVX2 + FMA
 * (or AVX-512F where cpuid reports it) on a pool of native threads (src/engine/native/*.cc;
 * docs/engines.md has the kernel). Evaluations run off the JavaScript thread.
 */

export interface NativeEngineOptions {
  /** Native threads (default: the machine's available parallelism). */
  threads?: number | undefined;
  /** Instruction set: 'auto' (AVX-512F where the CPU has it, else AVX2), or force one. */
  isa?: Isa | undefined;
  /** Fill all working memory with NaN before each evaluation (tests: every element is written). */
  poison?: boolean;
  /** The run's memory budget, checked before the working memory is allocated (default: defaultBudget()). */
  budget?: MemoryBudget;
}

const roundUp = (x: number, k: number): number => Math.ceil(x / k) * k;

/** Keys per tile, query rows per chunk, rows per key/value chunk: kernel.h's BC, BR, CA. */
const TILE = 64;
const CHUNK = 48;

export class NativeEngine implements Engine {
  readonly name = 'native';
  readonly threads: number;
  readonly isa: 'avx2' | 'avx512';
  private readonly budget: MemoryBudget;
  private closed = false;

  constructor(
    readonly dtype: DType,
    private readonly addon: NativeAddon,
    private readonly options: NativeEngineOptions,
  ) {
    this.threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
    const want = options.isa ?? 'auto';
    const info = addon.info();
    if (want === 'avx512' && !info.avx512) throw new Error('this CPU has no AVX-512F');
    if (want === 'avx2' && !info.avx2) throw new Error('this CPU has no AVX2 with FMA');
    this.isa = want === 'auto' ? (info.isa ?? 'avx2') : want;
    this.budget = options.budget ?? defaultBudget();
  }

  /** Panel width of the micro-kernel in elements (two vectors). */
  private get panel(): number {
    return (this.isa === 'avx512' ? 16 : 8) * (this.dtype === 'f32' ? 2 : 1);
  }

  /** Bytes one evaluation allocates (kernel.h's evaluate), with the outputs it returns. */
  private workingBytes(model: TransformerModel, perHead: boolean): number {
    const { tokens: n, width: m, layers: L, heads: H } = model;
    const el = this.dtype === 'f64' ? 8 : 4;
    const dp = roundUp(m, this.panel);
    const nkp = roundUp(n, TILE);
    const G = model.kvGroups ?? H;
    const hp = Math.max(this.panel, ...model.mlp.map((p) => (p ? roundUp(p.hidden, this.panel) : 0)));
    const mlp = model.mlp.reduce((a, p) => a + (p ? 2 * dp * roundUp(p.hidden, this.panel) + roundUp(p.hidden, this.panel) + dp : 0), 0);
    const scratch = this.threads * (CHUNK * (TILE + 3 * dp + hp + 4) + TILE * dp);
    const elems = 2 * nkp * dp + L * (H + 2 * G) * dp * dp + mlp + 2 * G * nkp * dp + scratch;
    return el * elems + 8 * n * m * (1 + (perHead ? L * H : 0));
  }

  async evaluate(model: TransformerModel, options: EvalOptions = {}): Promise<EvalResult> {
    if (this.closed) throw new Error('the native engine is closed');
    const { tokens: n, width: m, layers: L, heads: H } = model;
    // Grouped-query models project K, V once per group from the group's first head: the shared
    // weights must really be shared.
    const violation = kvGroupsViolation(model);
    if (violation) throw new UserError(violation);
    guardMemory(`the native engine on ${n} tokens × width ${m} × ${L}·${H} heads`, this.workingBytes(model, options.perHead === true), this.budget);
    // The addon reports after each layer (its heads run together, chunk by chunk); progress calls
    // may arrive after the result, so each head is reported once, in order.
    let reported = 0;
    const onProgress = options.onProgress;
    const report = (done: number): void => {
      if (!onProgress) return;
      while (reported < Math.min(done, L * H)) onProgress(++reported, L * H);
    };
    const mlp = model.mlp;
    const r = await this.addon.evaluate({
      f32: this.dtype === 'f32',
      n,
      m,
      L,
      H,
      kvGroups: model.kvGroups ?? H,
      causal: model.causal === true,
      residual: model.residual,
      scale: model.scale,
      X: model.X,
      Wq: model.weights.flatMap((layer) => layer.map((w) => w.Q)),
      Wk: model.weights.flatMap((layer) => layer.map((w) => w.K)),
      Wv: model.weights.flatMap((layer) => layer.map((w) => w.V)),
      hidden: mlp.map((p) => (p ? p.hidden : 0)),
      W1: mlp.map((p) => p?.W1 ?? null),
      b1: mlp.map((p) => p?.b1 ?? null),
      W2: mlp.map((p) => p?.W2 ?? null),
      b2: mlp.map((p) => p?.b2 ?? null),
      perHead: options.perHead === true,
      threads: this.threads,
      poison: this.options.poison === true,
      isa: this.isa,
      ...(options.onProgress ? { onProgress: report } : {}),
    });
    report(L * H);
    if (r.bad) {
      const [l, h, row] = r.bad;
      const where = h === H ? `the MLP of layer ${l}` : `layer ${l}, head ${h}`;
      // The shared non-finite policy (src/engine/finite.ts): exit 1, layer, head and row named.
      throw new NonFiniteError(`engine native (${this.dtype}): non-finite value in ${where}, row ${row}`);
    }
    const result: EvalResult = { output: r.output, engine: this.name, dtype: this.dtype, cost: exactAttentionCost(model) };
    if (r.perHead) {
      const ph = r.perHead;
      result.perHead = Array.from({ length: L }, (_, l) => Array.from({ length: H }, (_, h) => ph.slice((l * H + h) * n * m, (l * H + h + 1) * n * m)));
    }
    return result;
  }

  /** Load a bare attention batch (softmax(scale·Q Kᵀ)·V per head) for timing: run() packs and computes. */
  prepareAttention(batch: AttentionBatch): PreparedAttention {
    const { tokens: n, dim: d, heads } = batch;
    const per = heads.length * roundUp(n, TILE) * roundUp(d, this.panel);
    guardMemory(
      `native attention on ${n} tokens × ${heads.length} heads`,
      (this.dtype === 'f64' ? 8 : 4) * 6 * per + 8 * 4 * heads.length * n * d,
      this.budget,
    );
    const join = (pick: (h: AttentionBatch['heads'][number]) => Float64Array): Float64Array => {
      const all = new Float64Array(heads.length * n * d);
      heads.forEach((h, i) => all.set(pick(h), i * n * d));
      return all;
    };
    const handle = this.addon.prepareAttention({
      f32: this.dtype === 'f32',
      n,
      d,
      heads: heads.length,
      scale: batch.scale,
      causal: false,
      Q: join((h) => h.Q),
      K: join((h) => h.K),
      V: join((h) => h.V),
      isa: this.isa,
    });
    return {
      run: () => this.addon.runAttention(handle, this.threads),
      read: () => {
        const all = this.addon.readAttention(handle);
        return heads.map((_, i) => all.slice(i * n * d, (i + 1) * n * d));
      },
      release: () => Promise.resolve(this.addon.releaseAttention(handle)),
    };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** Make a native engine; rejects with the one-line reason when the addon is missing or cannot run here. */
export async function createNativeEngine(dtype: DType, options: NativeEngineOptions = {}): Promise<NativeEngine> {
  return new NativeEngine(dtype, loadNativeAddon(), options);
}
