import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../version.js';

/**
 * The compiled addon (addon.cc) as JavaScript sees it, and its loader. The addon is built by
 * scripts/build-native.mjs at `npm install` into src/engine/native/build/Release/; $SETH_NATIVE_ADDON
 * points elsewhere (the fallback test points it at a missing file).
 */

export type Isa = 'auto' | 'avx2' | 'avx512';

export interface NativeEvalParams {
  f32: boolean;
  n: number;
  m: number;
  L: number;
  H: number;
  kvGroups: number;
  causal: boolean;
  residual: boolean;
  scale: number;
  X: Float64Array;
  /** L·H matrices m×m, index l·H + h. */
  Wq: Float64Array[];
  Wk: Float64Array[];
  Wv: Float64Array[];
  /** Per layer: hidden width, 0 = identity MLP (then the W1 … b2 entries are null). */
  hidden: number[];
  W1: (Float64Array | null)[];
  b1: (Float64Array | null)[];
  W2: (Float64Array | null)[];
  b2: (Float64Array | null)[];
  perHead: boolean;
  threads: number;
  poison: boolean;
  isa: Isa;
  /** Called (on the JavaScript thread) after each layer with the number of heads finished. */
  onProgress?: (done: number) => void;
}

export interface NativeEvalResult {
  output: Float64Array;
  /** L·H·n·m when perHead was asked for. */
  perHead?: Float64Array;
  /** The first non-finite value: [layer, head, row]; head = H is the layer's MLP output. */
  bad?: [number, number, number];
}

export interface NativeBatchParams {
  f32: boolean;
  n: number;
  d: number;
  heads: number;
  scale: number;
  causal: boolean;
  /** heads·n·d each, head-major. */
  Q: Float64Array;
  K: Float64Array;
  V: Float64Array;
  isa: Isa;
}

/** An opaque prepared batch (an N-API external). */
export type NativeBatch = object;

export interface NativeInfo {
  /** The instruction set `auto` selects, or null where the CPU has neither. */
  isa: 'avx2' | 'avx512' | null;
  unsupported: string;
  avx2: boolean;
  avx512: boolean;
  threads: number;
}

export interface NativeAddon {
  evaluate(params: NativeEvalParams): Promise<NativeEvalResult>;
  prepareAttention(params: NativeBatchParams): NativeBatch;
  runAttention(batch: NativeBatch, threads: number): Promise<void>;
  readAttention(batch: NativeBatch): Float64Array;
  releaseAttention(batch: NativeBatch): void;
  /** e^x through the kernel's vectorised exp (inputs below `cut` give 0). */
  exp(x: Float64Array, f32: boolean, cut: number, isa: Isa): Float64Array;
  /** GFLOP/s of an FMA loop (12 independent accumulators) on `threads` threads. */
  peak(f32: boolean, threads: number, iters: number, isa: Isa): number;
  info(): NativeInfo;
}

const FUNCTIONS = ['evaluate', 'prepareAttention', 'runAttention', 'readAttention', 'releaseAttention', 'exp', 'peak', 'info'] as const;

function isAddon(x: unknown): x is NativeAddon {
  if (typeof x !== 'object' || x === null) return false;
  return FUNCTIONS.every((f) => typeof (x as Record<string, unknown>)[f] === 'function');
}

export function nativeAddonPath(): string {
  return process.env.SETH_NATIVE_ADDON ?? join(PROJECT_ROOT, 'src', 'engine', 'native', 'build', 'Release', 'seth_native.node');
}

let loaded: NativeAddon | undefined;

/** The addon, loaded once; throws with a one-line reason when it is missing or cannot run here. */
export function loadNativeAddon(): NativeAddon {
  const path = nativeAddonPath();
  if (loaded && !process.env.SETH_NATIVE_ADDON) return loaded;
  if (!existsSync(path)) {
    const failed = join(PROJECT_ROOT, 'src', 'engine', 'native', 'build', 'FAILED');
    const why = existsSync(failed) ? readFileSync(failed, 'utf8').trim() : 'not built';
    throw new Error(`no native build at ${path} (${why}; run "npm run build:native")`);
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (e) {
    throw new Error(`the native build at ${path} does not load (${(e as Error).message.split('\n')[0]})`, { cause: e });
  }
  if (!isAddon(mod)) throw new Error(`${path} is not the seth native addon`);
  const info = mod.info();
  if (!info.isa) throw new Error(info.unsupported);
  if (!process.env.SETH_NATIVE_ADDON) loaded = mod;
  return mod;
}
