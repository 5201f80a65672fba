import { parentPort, workerData } from 'node:worker_threads';

/**
 * Worker thread of the wasm engine (src/engine/wasm.ts). It instantiates the compiled kernel
 * module on the shared memory and runs the call lists it is sent. Workers synchronise among
 * themselves with a barrier on a shared Int32Array, so one whole evaluation is one message.
 *
 * This file is loaded from the compiled output (dist/src/engine/wasm-worker.js); the types below
 * are shared with the engine through a type-only import.
 */

/** The slice of the WebAssembly JS API the engine uses (the project's lib has no DOM types). */
export interface WasmMemory {
  /** Always shared here: the engine creates every memory with shared: true. */
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}
export function wasmApi(): WasmApi {
  return (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
}

/**
 * A kernel argument: a number, or [a, b, c, d] meaning a + b·r0 + c·r1 + d·worker, where [r0, r1)
 * is the chunk of rows being processed and `worker` the index of the thread running it (each
 * thread has its own scratch).
 */
export type Arg = number | readonly [number, number, number, number];

export interface KernelCall {
  readonly fn: string;
  readonly args: readonly Arg[];
}

/**
 * `barrier` waits for every worker. `rows` splits rows [0, total) into chunks of `chunk` rows that
 * the workers take in turn from a shared counter (an Int32 at byte offset `counter` of the memory,
 * zeroed before the run): every chunk runs `calls` once, on whichever thread is free, so a thread
 * slowed by other load takes fewer chunks. `progress` is reported by each thread when it finds no
 * chunk left.
 */
export type Call =
  | { readonly fn: 'barrier' }
  | {
      readonly fn: 'rows';
      readonly total: number;
      readonly chunk: number;
      readonly counter: number;
      readonly calls: readonly KernelCall[];
      readonly progress?: number;
    };

export interface WorkerInit {
  readonly kind: 'seth-wasm-worker';
  readonly module: object;
  readonly memory: WasmMemory;
  /** [0] arrivals, [1] generation, [2] abort flag. */
  readonly control: SharedArrayBuffer;
  readonly workers: number;
  readonly index: number;
}

export type ToWorker = { readonly type: 'run'; readonly id: number; readonly calls: readonly Call[] };
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: number; readonly value: number }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

type Kernel = (...args: number[]) => unknown;

/** Run a call list on one instance as thread `worker`. `barrier` is a no-op when one thread runs all. */
export function runCalls(
  exports: Record<string, unknown>,
  memory: WasmMemory,
  worker: number,
  calls: readonly Call[],
  barrier: () => void,
  onProgress: (value: number) => void,
): void {
  const args: number[] = [];
  for (const call of calls) {
    if (call.fn === 'barrier') {
      barrier();
      continue;
    }
    const kernels = call.calls.map((k) => {
      const f = exports[k.fn];
      if (typeof f !== 'function') throw new Error(`wasm kernel has no export "${k.fn}"`);
      return f as Kernel;
    });
    const counter = new Int32Array(memory.buffer, call.counter, 1);
    for (;;) {
      const r0 = Atomics.add(counter, 0, 1) * call.chunk;
      if (r0 >= call.total) break;
      const r1 = Math.min(call.total, r0 + call.chunk);
      call.calls.forEach((k, i) => {
        args.length = 0;
        for (const a of k.args) args.push(typeof a === 'number' ? a : a[0] + a[1] * r0 + a[2] * r1 + a[3] * worker);
        kernels[i]!(...args);
      });
    }
    if (call.progress !== undefined) onProgress(call.progress);
  }
}

/** A sense-counting barrier over `workers` threads; aborts when any thread failed. */
export function makeBarrier(control: Int32Array, workers: number): () => void {
  return () => {
    const generation = Atomics.load(control, 1);
    if (Atomics.add(control, 0, 1) === workers - 1) {
      Atomics.store(control, 0, 0);
      Atomics.add(control, 1, 1);
      Atomics.notify(control, 1);
    } else {
      while (Atomics.load(control, 1) === generation) {
        if (Atomics.load(control, 2) !== 0) throw new Error('another worker failed');
        Atomics.wait(control, 1, generation, 1000);
      }
    }
    if (Atomics.load(control, 2) !== 0) throw new Error('another worker failed');
  };
}

function isInit(v: unknown): v is WorkerInit {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'seth-wasm-worker';
}

if (parentPort && isInit(workerData)) {
  const port = parentPort;
  const init = workerData;
  const instance = new (wasmApi().Instance)(init.module, { env: { memory: init.memory } });
  const control = new Int32Array(init.control);
  const barrier = makeBarrier(control, init.workers);
  port.on('message', (msg: ToWorker) => {
    if (msg.type !== 'run') return;
    try {
      runCalls(instance.exports, init.memory, init.index, msg.calls, barrier, (value) =>
        port.postMessage({ type: 'progress', id: msg.id, value } satisfies FromWorker),
      );
      port.postMessage({ type: 'done', id: msg.id } satisfies FromWorker);
    } catch (e) {
      // Release the others from any barrier they wait at.
      Atomics.store(control, 2, 1);
      Atomics.add(control, 1, 1);
      Atomics.notify(control, 1);
      port.postMessage({ type: 'error', id: msg.id, message: (e as Error).message } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}
