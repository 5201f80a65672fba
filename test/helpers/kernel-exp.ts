import type { DType } from '../../src/engine/types.js';
import { BASE, MAX_PAGES, PAGE, loadKernel, type KernelVariant } from '../../src/engine/wasm-kernel.js';
import { wasmApi } from '../../src/engine/wasm-worker.js';

/** e^x through the kernel's vectorised exp (for the accuracy tests). */
export function kernelExp(x: Float64Array, dtype: DType, variant: 'auto' | KernelVariant = 'auto'): Float64Array {
  const kernel = loadKernel(variant);
  const api = wasmApi();
  const memory = new api.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
  const ex = new api.Instance(kernel.module, { env: { memory } }).exports;
  const el = dtype === 'f64' ? 8 : 4;
  const n = Math.ceil(x.length / 4) * 4;
  const bytes = BASE + 2 * n * el;
  memory.grow(Math.ceil(bytes / PAGE));
  const buf = memory.buffer;
  const src = dtype === 'f64' ? new Float64Array(buf, BASE, n) : new Float32Array(buf, BASE, n);
  const dst = dtype === 'f64' ? new Float64Array(buf, BASE + n * el, n) : new Float32Array(buf, BASE + n * el, n);
  src.set(x);
  (ex[dtype === 'f64' ? 'expArray64' : 'expArray32'] as (s: number, d: number, n: number) => void)(BASE, BASE + n * el, n);
  return Float64Array.from(dst.subarray(0, x.length));
}
