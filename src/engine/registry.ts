import { z } from 'zod';
import { UserError } from '../errors.js';
import type { MemoryBudget } from '../memory.js';
import { describeZodError } from '../zod-error.js';
import { finiteChecked } from './finite.js';
import {
  LinformerOptions,
  LowprecOptions,
  LshOptions,
  NystromOptions,
  PerformerOptions,
  PolyOptions,
  TopkOptions,
  TorchOptionsSchema,
  WindowOptions,
} from './engine-options.js';
import { referenceEngine } from './reference.js';
import type { DType, Engine } from './types.js';

/**
 * The engine seam. An engine is one file plus one entry here: the entry declares the engine's
 * name, dtypes, help line, its options (a zod object: `--engine-opt key=value` on the command line
 * is validated against it) and whether it is exact or an approximation. The CLI's `--engine`
 * help and validation, `seth list` and the conformance suite (test/engines.conformance.test.ts)
 * all read this list; nothing else names an engine. Every engine's module is imported in its
 * `create`, when it is made (the option schemas of those with files of their own are in
 * engine-options.ts): loading the registry loads no engine but the reference.
 */

/** What every engine is made with: the one memory budget of the run and the run's seed. */
export interface EngineContext {
  readonly budget: MemoryBudget;
  /** Seed of the engine's own randomness (random features, hashing); 0 is a valid seed. */
  readonly seed: number;
}

interface EngineEntryBase<S extends z.ZodObject> {
  readonly name: string;
  readonly dtypes: readonly DType[];
  /** One help line. */
  readonly summary: string;
  /** The engine's options; every field optional (defaults live in the schema). */
  readonly options: S;
  /**
   * Resolve to an engine, or reject with an Error explaining why it is unavailable (missing build,
   * missing optional dependency): the caller then falls back to the reference engine with a
   * warning. A UserError (e.g. a refused memory estimate) is never a reason to fall back.
   */
  create(dtype: DType, options: z.output<S>, ctx: EngineContext): Promise<Engine>;
  /** The engine that stands in (with its default options) when this one cannot start; default: reference. */
  readonly fallback?: string;
}

/** An engine computing X_L exactly (up to its dtype's rounding). */
export interface ExactEngineEntry<S extends z.ZodObject = z.ZodObject> extends EngineEntryBase<S> {
  readonly kind: 'exact';
}

/**
 * An approximation of attention. `exactLimit` names the options under which the approximation
 * becomes exact (all features, all keys, full precision, …) and the tolerance (max |Δ| relative to
 * max(1, max|reference|)) within which it must then agree with the reference engine; the
 * conformance suite checks exactly that.
 */
export interface ApproximateEngineEntry<S extends z.ZodObject = z.ZodObject> extends EngineEntryBase<S> {
  readonly kind: 'approximate';
  readonly exactLimit: { readonly options: z.input<S>; readonly tolerance: number };
}

export type EngineEntry<S extends z.ZodObject = z.ZodObject> = ExactEngineEntry<S> | ApproximateEngineEntry<S>;

/** Declare an entry with its options' types inferred from the schema. */
export function defineEngine<S extends z.ZodObject>(entry: EngineEntry<S>): EngineEntry<S> {
  return entry;
}

/**
 * The approximations' entries: f64 only, each made by its module's factory from the options and
 * the context; `load` imports the module when the engine is made, not when the registry loads.
 */
function approximation<S extends z.ZodObject>(
  entry: Omit<ApproximateEngineEntry<S>, 'kind' | 'dtypes' | 'create'> & {
    readonly load: () => Promise<(options: z.output<S>, ctx: EngineContext) => Engine>;
  },
): ApproximateEngineEntry<S> {
  const { load, ...rest } = entry;
  return { ...rest, kind: 'approximate', dtypes: ['f64'], create: async (_dtype, options, ctx) => (await load())(options, ctx) };
}

/** Positive integer option (threads and the like). */
const count = (what: string) => z.number().int().positive().optional().describe(what);

export const ENGINES: readonly EngineEntry[] = [
  defineEngine({
    name: 'reference',
    kind: 'exact',
    dtypes: ['f64'],
    summary: 'float64, streaming softmax, plain TypeScript: the yardstick',
    options: z.strictObject({}),
    create: () => Promise.resolve(referenceEngine),
  }),
  defineEngine({
    name: 'wasm',
    kind: 'exact',
    dtypes: ['f64', 'f32'],
    summary: 'WebAssembly SIMD kernels (AssemblyScript), streaming softmax, worker threads on shared memory',
    options: z.strictObject({
      threads: count("worker threads (default: the machine's available parallelism)"),
      variant: z.enum(['auto', 'relaxed', 'plain']).optional().describe('kernel build: relaxed SIMD (fused multiply-add) where available, or force one'),
    }),
    create: async (dtype, options, ctx) => (await import('./wasm.js')).createWasmEngine(dtype, { ...options, budget: ctx.budget }),
  }),
  defineEngine({
    name: 'native',
    kind: 'exact',
    dtypes: ['f64', 'f32'],
    summary: 'C++ addon: fused streaming-softmax attention, AVX2/AVX-512 + FMA, native threads (built at npm install)',
    options: z.strictObject({
      threads: count("native threads (default: the machine's available parallelism)"),
      isa: z.enum(['auto', 'avx2', 'avx512']).optional().describe('instruction set: auto (AVX-512F where the CPU has it, else AVX2), or force one'),
    }),
    create: async (dtype, options, ctx) => (await import('./native/engine.js')).createNativeEngine(dtype, { ...options, budget: ctx.budget }),
    fallback: 'wasm',
  }),
  defineEngine({
    name: 'onnx',
    kind: 'exact',
    dtypes: ['f32', 'f64'],
    summary: 'the model exported as ONNX, run in-process by onnxruntime-node (CPU; optional dependency)',
    options: z.strictObject({
      threads: count('onnxruntime intra-op threads (default: SETH_ONNX_THREADS or 2)'),
      cacheSize: count('sessions kept warm (default 2)'),
    }),
    create: async (dtype, options, ctx) => (await import('./onnx.js')).createOnnxEngine(dtype, { ...options, budget: ctx.budget }),
  }),
  defineEngine({
    name: 'torch',
    kind: 'exact',
    dtypes: ['f64', 'f32'],
    summary: 'PyTorch scaled_dot_product_attention in a subprocess (python/seth_torch; $SETH_PYTHON or .venv)',
    options: TorchOptionsSchema,
    create: async (dtype, options, ctx) => (await import('./torch.js')).createTorchEngine(dtype, options, ctx.budget),
  }),
  approximation({
    name: 'poly',
    summary: 'Alman–Song polynomial method: exp ≈ degree-g Chebyshev polynomial, factorised through monomial features (rank C(m′+1+g, g))',
    options: PolyOptions,
    exactLimit: { options: { mode: 'dense', degree: 200 }, tolerance: 1e-9 },
    load: async () => (await import('./poly.js')).createPolyEngine,
  }),
  approximation({
    name: 'performer',
    summary: 'Performer FAVOR+: positive orthogonal random features for the softmax kernel (r features)',
    options: PerformerOptions,
    // Unbiased, exact only as r → ∞ (error ∝ 1/√r, measured in test/engine-approx.test.ts): here
    // 4096 features must bring every output within 0.25·max(1, max|X_L|) of the reference.
    exactLimit: { options: { features: 4096 }, tolerance: 0.25 },
    load: async () => (await import('./performer.js')).createPerformerEngine,
  }),
  approximation({
    name: 'nystrom',
    summary: 'Nyströmformer: segment-mean landmarks, iterative pseudo-inverse (k landmarks)',
    options: NystromOptions,
    exactLimit: { options: { landmarks: 1_000_000, pinv: 'exact' }, tolerance: 1e-6 },
    load: async () => (await import('./nystrom.js')).createNystromEngine,
  }),
  approximation({
    name: 'linformer',
    summary: 'Linformer: keys and values projected along the sequence to k rows (seeded Gaussian or mean pooling)',
    options: LinformerOptions,
    exactLimit: { options: { k: 1_000_000 }, tolerance: 1e-10 },
    load: async () => (await import('./linformer.js')).createLinformerEngine,
  }),
  approximation({
    name: 'lsh',
    summary: 'angular-LSH bucketed attention (Reformer/HyperAttention): exact in sorted blocks + sampled residual keys',
    options: LshOptions,
    exactLimit: { options: { block: 1_000_000 }, tolerance: 1e-10 },
    load: async () => (await import('./lsh.js')).createLshEngine,
  }),
  approximation({
    name: 'topk',
    summary: 'top-k attention: exact scores, softmax over the k largest per query',
    options: TopkOptions,
    exactLimit: { options: { k: 1_000_000 }, tolerance: 1e-10 },
    load: async () => (await import('./topk.js')).createTopkEngine,
  }),
  approximation({
    name: 'window',
    summary: 'local attention: each query sees the keys within distance w',
    options: WindowOptions,
    exactLimit: { options: { w: 1_000_000 }, tolerance: 1e-10 },
    load: async () => (await import('./window.js')).createWindowEngine,
  }),
  approximation({
    name: 'lowprec',
    summary: 'exact attention in emulated fp16 / bf16 / fp8 E4M3 / E5M2 arithmetic (bit-exact rounding)',
    options: LowprecOptions,
    exactLimit: { options: { format: 'f64' }, tolerance: 1e-10 },
    load: async () => (await import('./lowprec.js')).createLowprecEngine,
  }),
];

export const DEFAULT_ENGINE = 'native';

export function engineNames(): string[] {
  return ENGINES.map((e) => e.name);
}

/**
 * The entry for an engine name, or a UserError listing the known ones. This is the one place a
 * name is resolved (prefixed names such as `exec:`/`module:` resolve here too).
 */
export function findEngine(name: string): EngineEntry {
  const prefixed = prefixedEngine(name);
  if (prefixed) return prefixed;
  const entry = ENGINES.find((e) => e.name === name);
  if (!entry) throw new UserError(`unknown engine "${name}"; expected one of: ${engineNames().join(', ')}`);
  return entry;
}

/**
 * Bring-your-own engines, named by a prefix: `exec:COMMAND` (a program: src/engine/exec.ts) and
 * `module:PATH` (an ES module: src/engine/module.ts). They take no --engine-opt; their exactness is
 * for the arena (or seth check) to measure.
 */
function prefixedEngine(name: string): EngineEntry | undefined {
  const make = (summary: string, create: EngineEntry['create']): EngineEntry =>
    defineEngine({ name, kind: 'exact', dtypes: ['f64'], summary, options: z.strictObject({}), create });
  if (name.startsWith('exec:')) {
    return make('a program run on the model as safetensors, writing X_L as .npy', async (_d, _o, ctx) =>
      (await import('./exec.js')).createExecEngine(name.slice(5), ctx),
    );
  }
  if (name.startsWith('module:')) {
    return make('an ES module exporting evaluate(model, { seed })', async (_d, _o, ctx) =>
      (await import('./module.js')).createModuleEngine(name.slice(7), ctx),
    );
  }
  return undefined;
}

/** `--engine` help: every engine with its dtypes. */
export function engineHelp(): string {
  return `engine: ${ENGINES.map((e) => `${e.name} (${e.dtypes.join('/')}${e.kind === 'approximate' ? ', approximate' : ''})`).join(' | ')} | exec:COMMAND | module:PATH; default ${DEFAULT_ENGINE}`;
}

/** `--engine-opt` help: every engine's options. */
export function engineOptionHelp(): string {
  const parts = ENGINES.filter((e) => Object.keys(e.options.shape).length > 0).map((e) => `${e.name}: ${Object.keys(e.options.shape).join(', ')}`);
  return `engine option key=value (repeatable; seth list shows each engine's)${parts.length ? ` — ${parts.join('; ')}` : ''}`;
}

/**
 * `--engine-opt key=value` pairs → the engine's options, validated against its schema. A value is
 * read as what the option's schema accepts: a number, true/false, or else the string itself.
 */
export function parseEngineOptions(entry: EngineEntry, pairs: readonly string[]): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const shape: Record<string, z.ZodType> = entry.options.shape;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`option --engine-opt: expected key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const field = shape[key];
    if (!field) {
      const known = Object.keys(shape);
      throw new UserError(
        `option --engine-opt: engine "${entry.name}" has no option "${key}"; ${known.length ? `it takes: ${known.join(', ')}` : 'it takes none'}`,
      );
    }
    const candidates: unknown[] = [];
    if (text.trim() !== '' && Number.isFinite(Number(text))) candidates.push(Number(text));
    if (text === 'true' || text === 'false') candidates.push(text === 'true');
    candidates.push(text);
    raw[key] = candidates.find((c) => field.safeParse(c).success) ?? candidates[0];
  }
  return raw;
}

/** Validate options (from parseEngineOptions or from code) against the entry's schema. */
export function validateEngineOptions<S extends z.ZodObject>(entry: EngineEntry<S>, options: unknown): z.output<S> {
  const r = entry.options.safeParse(options);
  if (!r.success) throw new UserError(`engine "${entry.name}": ${describeZodError(r.error, (k) => `option --engine-opt ${k}`)}`);
  return r.data;
}

export interface EngineChoice {
  engine: Engine;
  /** Set when the requested engine was unavailable and its stand-in (or the reference engine) computes instead. */
  fallbackReason?: string;
}

export interface CreateEngineOptions {
  /** The engine's options: `--engine-opt` pairs, or an object (validated either way). */
  options?: readonly string[] | Record<string, unknown>;
  budget: MemoryBudget;
  seed?: number;
}

/**
 * Make the requested engine. An unknown name, an unsupported dtype or a bad option is a user
 * error; an engine that cannot start (missing build, missing optional dependency) falls back to
 * the reference engine with the reason.
 */
export async function createEngine(name: string, dtype: DType, how: CreateEngineOptions): Promise<EngineChoice> {
  const entry = findEngine(name);
  if (!entry.dtypes.includes(dtype)) {
    throw new UserError(`engine "${name}" does not compute in ${dtype}; it supports: ${entry.dtypes.join(', ')}`);
  }
  const given = how.options ?? {};
  const options = validateEngineOptions(entry, Array.isArray(given) ? parseEngineOptions(entry, given) : given);
  const ctx: EngineContext = { budget: how.budget, seed: how.seed ?? 0 };
  try {
    // One non-finite policy for every engine (src/engine/finite.ts).
    return { engine: finiteChecked(await entry.create(dtype, options, ctx)) };
  } catch (e) {
    if (e instanceof UserError) throw e;
    const why = `engine "${name}" unavailable (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`;
    const stand = ENGINES.find((x) => x.name === entry.fallback && x.dtypes.includes(dtype));
    if (stand) {
      const chosen = await createEngine(stand.name, dtype, { budget: how.budget, seed: ctx.seed });
      return { engine: chosen.engine, fallbackReason: chosen.fallbackReason ? `${why}; ${chosen.fallbackReason}` : `${why}; using the ${stand.name} engine` };
    }
    return { engine: finiteChecked(referenceEngine), fallbackReason: `${why}; using the reference engine` };
  }
}
