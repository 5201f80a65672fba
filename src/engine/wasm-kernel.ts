import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { PROJECT_ROOT } from '../version.js';
import { wasmApi } from './wasm-worker.js';

/**
 * Loading the wasm engine's kernels (asm/attention.ts compiled by scripts/build-wasm.mjs to
 * build/attention-{relaxed,simd}.wasm) and finding its worker's module; the memory layout
 * constants every user of the kernels shares.
 */

export type KernelVariant = 'relaxed' | 'plain';

/** Start of the working memory; below it the kernel's static data (exp tables). */
export const BASE = 65536;
export const PAGE = 65536;
/** 4 GiB, the wasm32 limit. */
export const MAX_PAGES = 65536;

export interface LoadedKernel {
  readonly module: object;
  readonly variant: KernelVariant;
  readonly path: string;
}

/** Where the kernels are built: build/ in the repository, or $SETH_WASM_DIR. */
export function wasmBuildPaths(): Record<KernelVariant, string> {
  const build = process.env.SETH_WASM_DIR ?? join(PROJECT_ROOT, 'build');
  return { relaxed: join(build, 'attention-relaxed.wasm'), plain: join(build, 'attention-simd.wasm') };
}

const loadedKernels = new Map<string, LoadedKernel>();

/** The compiled kernel module (cached per variant and build folder); throws with the reason when it cannot load. */
export function loadKernel(want: 'auto' | KernelVariant): LoadedKernel {
  const paths = wasmBuildPaths();
  const key = `${want} ${paths.plain}`;
  const cached = loadedKernels.get(key);
  if (cached) return cached;
  const api = wasmApi();
  if (typeof api !== 'object') throw new Error('this runtime has no WebAssembly');
  // Each kernel call runs long and wasm code does not tier up inside a call: compile optimised
  // code up front instead of starting in the baseline compiler.
  setFlagsFromString('--no-liftoff');
  const tryVariant = (variant: KernelVariant): LoadedKernel | undefined => {
    if (!existsSync(paths[variant])) return undefined;
    const bytes = new Uint8Array(readFileSync(paths[variant]));
    if (variant === 'relaxed' && !api.validate(bytes)) {
      // Node 20 ships relaxed SIMD behind a flag; it must be set before compiling.
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      if (!api.validate(bytes)) return undefined;
    }
    if (!api.validate(bytes)) return undefined;
    return { module: new api.Module(bytes), variant, path: paths[variant] };
  };
  const order: KernelVariant[] = want === 'auto' ? ['relaxed', 'plain'] : [want];
  for (const v of order) {
    const k = tryVariant(v);
    if (k) {
      loadedKernels.set(key, k);
      return k;
    }
  }
  const missing = order.filter((v) => !existsSync(paths[v]));
  if (missing.length === order.length) throw new Error(`no wasm build at ${paths[order[order.length - 1]!]}; run "npm run build:wasm"`);
  throw new Error(`the wasm build (${order.join(', ')}) does not validate on this runtime`);
}

/**
 * The worker's module. From dist/ it sits beside this file; from the TypeScript sources (vitest)
 * it is the compiled copy in dist/, which must not be older than wasm-worker.ts: an edit of the
 * worker is never silently ignored (the test suite's global setup compiles before it runs).
 */
export function workerUrl(): URL {
  const here = new URL('./wasm-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const compiled = join(PROJECT_ROOT, 'dist', 'src', 'engine', 'wasm-worker.js');
  if (!existsSync(compiled)) throw new Error(`no compiled worker at ${compiled}; run "npm run build"`);
  const source = fileURLToPath(new URL('./wasm-worker.ts', import.meta.url));
  if (existsSync(source) && statSync(source).mtimeMs > statSync(compiled).mtimeMs) {
    throw new Error(`the compiled worker ${compiled} is older than ${source}; run "npm run build"`);
  }
  return pathToFileURL(compiled);
}
