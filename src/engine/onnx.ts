import { createHash } from 'node:crypto';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { exactAttentionCost } from './cost.js';
import { buildOnnxAttention, buildOnnxModel, perHeadOutputName } from '../formats/onnx.js';
import type { DType, Engine, EvalOptions, EvalResult, AttentionBatch, PreparedAttention } from './types.js';

/**
 * The onnxruntime engine: exports the model as ONNX (src/formats/onnx.ts, heads batched into 3-D
 * MatMuls) and runs it in-process with onnxruntime-node on the CPU.
 *
 *  - f32: graph optimisation level `all` (onnxruntime fuses Transpose/Mul into its MatMul kernels).
 *  - f64: onnxruntime's CPU kernels for MatMul, Softmax, ReduceSum, Add, Mul, Relu all accept
 *    double, but its "extended" fusions (FusedMatMul) carry the scale as a float32 attribute and
 *    cost ~1e-11 relative error, so f64 sessions run at level `basic` (no such fusion): results then
 *    agree with the reference engine to ~1e-16.
 *  - Threads: `intraOpNumThreads` = 2 unless SETH_ONNX_THREADS says otherwise.
 *  - perHead: the per-head results are extra graph outputs of the same model (one run).
 *
 * onnxruntime-node is an optional dependency; it is imported at run time by name, so the project
 * compiles and runs without it and `createOnnxEngine` rejects with the reason (the registry then
 * falls back to the reference engine with a warning).
 *
 * Sessions are cached (two at most) by a SHA-1 of the configuration and all weights, so evaluating
 * the same model again (benchmarks, per-head runs) does not rebuild the session; X is an input and
 * is not part of the key.
 */

/** The subset of the onnxruntime-node API this engine uses (kept local so that tsc does not need the package). */
interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface OrtSessionOptions {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  executionProviders?: string[];
  executionMode?: 'sequential' | 'parallel';
}
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: 'float32' | 'float64', data: Float32Array | Float64Array, dims: readonly number[]) => OrtTensor;
  env: { versions?: Record<string, string> };
}

const ORT_PACKAGE = 'onnxruntime-node';
let ortPromise: Promise<OrtModule> | undefined;

/** Load onnxruntime-node once; rejects with a readable reason when it is not installed. */
export function loadOrt(): Promise<OrtModule> {
  ortPromise ??= (async () => {
    try {
      const mod = (await import(ORT_PACKAGE)) as { default?: OrtModule } & Partial<OrtModule>;
      const ort = (mod.InferenceSession ? mod : mod.default) as OrtModule | undefined;
      if (!ort?.InferenceSession) throw new Error('the module has no InferenceSession');
      return ort;
    } catch (e) {
      ortPromise = undefined;
      throw new Error(`onnxruntime-node is not installed or failed to load (${(e as Error).message.split('\n')[0]}); run npm install`, { cause: e });
    }
  })();
  return ortPromise;
}

export interface OnnxEngineOptions {
  /** onnxruntime intra-op threads; default SETH_ONNX_THREADS or 2. */
  threads?: number | undefined;
  /** Sessions kept warm; default 2. */
  cacheSize?: number | undefined;
  /** The run's memory budget, checked before each session runs (default: defaultBudget()). */
  budget?: MemoryBudget;
}

/** Bytes of the largest intermediates of one layer: S and P are [H, n, n]; Q, K, V, O are [H, n, m]. */
export function onnxMemoryEstimate(model: Pick<TransformerModel, 'tokens' | 'width' | 'heads' | 'layers'>, dtype: DType): number {
  const { tokens: n, width: m, heads: H } = model;
  const b = dtype === 'f32' ? 4 : 8;
  return b * (3 * H * n * n + 6 * H * n * m + 3 * n * m + 3 * model.layers * H * m * m);
}

function defaultThreads(): number {
  const env = Number(process.env.SETH_ONNX_THREADS);
  return Number.isInteger(env) && env > 0 ? env : 2;
}

function sessionKey(model: TransformerModel, dtype: DType, perHead: boolean): string {
  const h = createHash('sha1');
  h.update(
    JSON.stringify([dtype, perHead, model.kind, model.tokens, model.width, model.layers, model.heads, model.scale, model.residual, model.causal === true]),
  );
  const add = (a: Float64Array): void => {
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  };
  for (const layer of model.weights) for (const w of layer) for (const m of [w.Q, w.K, w.V]) add(m);
  model.mlp.forEach((p, l) => {
    h.update(`mlp${l}:${p ? p.hidden : 'none'}`);
    if (p) for (const m of [p.W1, p.b1, p.W2, p.b2]) add(m);
  });
  return h.digest('hex');
}

class OnnxEngine implements Engine {
  readonly name = 'onnx';
  private readonly sessions = new Map<string, Promise<OrtSession>>();

  constructor(
    readonly dtype: DType,
    private readonly ort: OrtModule,
    private readonly threads: number,
    private readonly cacheSize: number,
    private readonly budget: MemoryBudget,
  ) {}

  private session(model: TransformerModel, perHead: boolean): Promise<OrtSession> {
    const key = sessionKey(model, this.dtype, perHead);
    const hit = this.sessions.get(key);
    if (hit) {
      // Move to the back (most recently used).
      this.sessions.delete(key);
      this.sessions.set(key, hit);
      return hit;
    }
    const bytes = buildOnnxModel(model, { dtype: this.dtype, heads: 'batched', perHeadOutputs: perHead });
    const created = this.ort.InferenceSession.create(bytes, {
      intraOpNumThreads: this.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      executionProviders: ['cpu'],
      graphOptimizationLevel: this.dtype === 'f32' ? 'all' : 'basic',
    });
    this.sessions.set(key, created);
    created.catch(() => this.sessions.delete(key));
    while (this.sessions.size > this.cacheSize) {
      const [oldKey, old] = this.sessions.entries().next().value as [string, Promise<OrtSession>];
      this.sessions.delete(oldKey);
      void old.then((s) => s.release()).catch(() => undefined);
    }
    return created;
  }

  async evaluate(model: TransformerModel, options: EvalOptions = {}): Promise<EvalResult> {
    guardMemory(`the onnx engine on ${model.tokens} tokens × ${model.heads} heads`, onnxMemoryEstimate(model, this.dtype), this.budget);
    const perHead = options.perHead === true;
    const session = await this.session(model, perHead);
    const { tokens: n, width: m, layers: L, heads: H } = model;
    const X = this.dtype === 'f32' ? Float32Array.from(model.X) : Float64Array.from(model.X);
    const out = await session.run({ X: new this.ort.Tensor(this.dtype === 'f32' ? 'float32' : 'float64', X, [n, m]) });
    const result: EvalResult = { output: widen(out.X_L, n * m, 'X_L'), engine: this.name, dtype: this.dtype, cost: exactAttentionCost(model) };
    if (perHead) {
      result.perHead = [];
      for (let l = 0; l < L; l++) {
        const all = widen(out[perHeadOutputName(l)], H * n * m, perHeadOutputName(l));
        const layer: Float64Array[] = [];
        for (let h = 0; h < H; h++) layer.push(all.slice(h * n * m, (h + 1) * n * m));
        result.perHead.push(layer);
      }
    }
    options.onProgress?.(L * H, L * H);
    return result;
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of all) await s.then((x) => x.release()).catch(() => undefined);
  }
}

function widen(t: OrtTensor | undefined, length: number, name: string): Float64Array {
  if (!t) throw new Error(`onnxruntime returned no output "${name}"`);
  const d = t.data;
  if (!(d instanceof Float32Array || d instanceof Float64Array) || d.length !== length) {
    throw new Error(`onnxruntime output "${name}" has type ${t.type} and ${String((d as { length?: number }).length)} elements, expected ${length}`);
  }
  return d instanceof Float64Array ? Float64Array.from(d) : Float64Array.from(d);
}

/** Make an onnxruntime engine (rejects when onnxruntime-node is unavailable). */
export async function createOnnxEngine(dtype: DType, options: OnnxEngineOptions = {}): Promise<Engine> {
  const ort = await loadOrt();
  return new OnnxEngine(dtype, ort, options.threads ?? defaultThreads(), Math.max(1, options.cacheSize ?? 2), options.budget ?? defaultBudget());
}

export async function prepareOnnxAttention(batch: AttentionBatch, dtype: DType = 'f32', options: OnnxEngineOptions = {}): Promise<Required<PreparedAttention>> {
  const ort = await loadOrt();
  const { tokens: n, dim: d, heads } = batch;
  const H = heads.length;
  guardMemory(
    `onnx attention on ${n} tokens × ${H} heads`,
    onnxMemoryEstimate({ tokens: n, width: d, heads: H, layers: 0 }, dtype),
    options.budget ?? defaultBudget(),
  );
  const session = await ort.InferenceSession.create(buildOnnxAttention({ tokens: n, dim: d, heads: H, scale: batch.scale, dtype }), {
    intraOpNumThreads: options.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    graphOptimizationLevel: dtype === 'f32' ? 'all' : 'basic',
  });
  const stack = (k: 'Q' | 'K' | 'V'): OrtTensor => {
    const a = dtype === 'f32' ? new Float32Array(H * n * d) : new Float64Array(H * n * d);
    heads.forEach((h, t) => a.set(h[k], t * n * d));
    return new ort.Tensor(dtype === 'f32' ? 'float32' : 'float64', a, [H, n, d]);
  };
  const feeds = { Q: stack('Q'), K: stack('K'), V: stack('V') };
  let last: OrtTensor | undefined;
  return {
    async run() {
      last = (await session.run(feeds)).O;
    },
    read() {
      const all = widen(last, H * n * d, 'O');
      return Array.from({ length: H }, (_, t) => all.slice(t * n * d, (t + 1) * n * d));
    },
    release: () => session.release(),
  };
}
