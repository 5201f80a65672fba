import { UserError } from '../errors.js';
import { referenceEngine } from './reference.js';
import type { DType, Engine } from './types.js';

/**
 * Engines by name. Each entry makes an engine for a dtype, or explains why it cannot (e.g. a
 * missing build), in which case the caller may fall back to the reference engine with a warning.
 * Adding an engine = one entry here.
 */
export interface EngineEntry {
  readonly name: string;
  readonly dtypes: readonly DType[];
  readonly summary: string;
  /** Resolve to an engine, or reject with an Error explaining why it is unavailable. */
  create(dtype: DType): Promise<Engine>;
}

export const ENGINES: EngineEntry[] = [
  {
    name: 'reference',
    dtypes: ['f64'],
    summary: 'float64, streaming softmax, plain TypeScript: the yardstick',
    create: () => Promise.resolve(referenceEngine),
  },
  {
    name: 'wasm',
    dtypes: ['f64', 'f32'],
    summary: 'WebAssembly SIMD kernels (AssemblyScript), streaming softmax, worker threads on shared memory',
    create: async (dtype) => (await import('./wasm.js')).createWasmEngine(dtype),
  },
  {
    name: 'onnx',
    dtypes: ['f32', 'f64'],
    summary: 'the model exported as ONNX, run in-process by onnxruntime-node (CPU; optional dependency)',
    create: async (dtype) => (await import('./onnx.js')).createOnnxEngine(dtype),
  },
  {
    name: 'torch',
    dtypes: ['f64', 'f32'],
    summary: 'PyTorch scaled_dot_product_attention in a subprocess (python/seth_torch; $SETH_PYTHON or .venv)',
    create: async (dtype) => (await import('./torch.js')).createTorchEngine(dtype),
  },
];

export const DEFAULT_ENGINE = 'wasm';

export function engineNames(): string[] {
  return ENGINES.map((e) => e.name);
}

export interface EngineChoice {
  engine: Engine;
  /** Set when the requested engine was unavailable and the reference engine stands in. */
  fallbackReason?: string;
}

/**
 * Make the requested engine. An unknown name or unsupported dtype is a user error; an engine that
 * cannot start (missing build, missing optional dependency) falls back to the reference engine.
 */
export async function createEngine(name: string, dtype: DType): Promise<EngineChoice> {
  const entry = ENGINES.find((e) => e.name === name);
  if (!entry) throw new UserError(`unknown engine "${name}"; expected one of: ${engineNames().join(', ')}`);
  if (!entry.dtypes.includes(dtype)) {
    throw new UserError(`engine "${name}" does not compute in ${dtype}; it supports: ${entry.dtypes.join(', ')}`);
  }
  try {
    return { engine: await entry.create(dtype) };
  } catch (e) {
    return { engine: referenceEngine, fallbackReason: `engine "${name}" unavailable (${(e as Error).message}); using the reference engine` };
  }
}
