import { Worker } from 'node:worker_threads';
import { MAX_PAGES, PAGE, workerUrl, type LoadedKernel } from './wasm-kernel.js';
import { runCalls, wasmApi, type Call, type FromWorker, type ToWorker, type WasmMemory, type WorkerInit } from './wasm-worker.js';

/**
 * The wasm engine's worker pool: one shared WebAssembly.Memory, one kernel instance on the calling
 * thread and `threads` workers (src/engine/wasm-worker.ts) on the same memory. Evaluations take
 * the pool one at a time (exclusive); one message per worker runs a whole call list.
 */

interface Pending {
  remaining: number;
  resolve: () => void;
  reject: (e: Error) => void;
  onProgress?: (value: number) => void;
  error?: Error;
}

// ---------------------------------------------------------------------------------------------
// The worker pool: one shared memory, one kernel instance on this thread, `threads` workers
// ---------------------------------------------------------------------------------------------

/** Idle pools are kept this long for the next engine (a checker run makes one engine per instance). */
const POOL_LINGER_MS = 2000;

export class Pool {
  readonly memory: WasmMemory;
  readonly local: Record<string, unknown>;
  readonly workers: Worker[] = [];
  private readonly control = new SharedArrayBuffer(16);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  /** Bumped by every evaluation and every upload of a prepared attention batch. */
  generation = 0;
  broken: Error | undefined;
  terminated = false;
  refs = 0;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    readonly kernel: LoadedKernel,
    readonly threads: number,
  ) {
    const api = wasmApi();
    this.memory = new api.Memory({ initial: 2, maximum: MAX_PAGES, shared: true });
    this.local = new api.Instance(kernel.module, { env: { memory: this.memory } }).exports;
  }

  private workersReady: Promise<boolean> | undefined;
  /** Why the workers could not start (the pool then runs everything on the calling thread). */
  workerProblem: string | undefined;

  /** Start the workers on first need; false when they cannot start (run on this thread instead). */
  private ensureWorkers(): Promise<boolean> {
    this.workersReady ??= this.start().then(
      () => true,
      async (e: unknown) => {
        this.workerProblem = (e as Error).message;
        const failed = this.workers.splice(0);
        await Promise.all(failed.map((w) => w.terminate()));
        return false;
      },
    );
    return this.workersReady;
  }

  private async start(): Promise<void> {
    const url = workerUrl();
    const ready: Promise<void>[] = [];
    for (let w = 0; w < this.threads; w++) {
      const init: WorkerInit = {
        kind: 'seth-wasm-worker',
        module: this.kernel.module,
        memory: this.memory,
        control: this.control,
        workers: this.threads,
        index: w,
      };
      const worker = new Worker(url, { workerData: init });
      this.workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (msg: FromWorker) => {
            if (msg.type === 'ready') {
              worker.off('error', reject);
              resolve();
            } else this.onMessage(msg);
          });
          worker.once('error', reject);
        }),
      );
      worker.on('error', (e: Error) => {
        if (this.workers.includes(worker)) this.fail(new Error(`wasm worker failed: ${e.message}`));
      });
      worker.on('exit', (code) => {
        if (!this.terminated && this.workers.includes(worker)) this.fail(new Error(`wasm worker exited (code ${code})`));
      });
    }
    try {
      await Promise.all(ready);
    } finally {
      // Idle workers must not keep the process alive; dispatch() refs them while they work.
      for (const w of this.workers) w.unref();
    }
  }

  private fail(e: Error): void {
    this.broken ??= e;
    if (pools.get(this.key) === this) pools.delete(this.key);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(e);
    }
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'ready') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.value);
      return;
    }
    if (msg.type === 'error') p.error ??= new Error(`wasm kernel failed: ${msg.message}`);
    if (--p.remaining === 0) {
      this.pending.delete(msg.id);
      if (p.error) p.reject(p.error);
      else p.resolve();
    }
  }

  acquire(): void {
    this.refs++;
    if (this.linger) clearTimeout(this.linger);
    this.linger = undefined;
  }

  /** Drop one engine's hold; the last one out terminates the workers after POOL_LINGER_MS. */
  release(): void {
    if (--this.refs > 0) return;
    this.linger = setTimeout(() => void this.terminate(), POOL_LINGER_MS);
    this.linger.unref();
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    if (pools.get(this.key) === this) pools.delete(this.key);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.fail(new Error('the wasm worker pool was shut down'));
  }

  /**
   * Run `job` alone: evaluations share the memory, so each one (writing its inputs, computing,
   * reading its outputs) waits for the one before.
   */
  exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Make sure the memory holds `bytes`; views must be taken afterwards. */
  reserve(bytes: number): void {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) throw new Error(`the wasm engine needs ${(bytes / 2 ** 30).toFixed(2)} GiB; its memory holds at most 4 GiB`);
    this.memory.grow(pages - have / PAGE);
  }

  /**
   * Run the call list on every worker (or once on this thread), after zeroing the chunk counters
   * (`counters` Int32 slots from byte offset `counterBase`); call inside exclusive().
   */
  async dispatch(calls: Call[], counterBase: number, counters: number, inline: boolean, onProgress?: (value: number) => void): Promise<void> {
    if (this.broken) throw this.broken;
    if (!inline && !(await this.ensureWorkers())) inline = true;
    new Int32Array(this.memory.buffer, counterBase, counters).fill(0);
    if (inline || this.workers.length === 0) {
      runCalls(
        this.local,
        this.memory,
        this.threads,
        calls,
        () => undefined,
        (v) => onProgress?.(v),
      );
      return;
    }
    const control = new Int32Array(this.control);
    Atomics.store(control, 0, 0);
    Atomics.store(control, 2, 0);
    const id = this.nextId++;
    for (const w of this.workers) w.ref();
    try {
      await new Promise<void>((resolve, reject) => {
        const p: Pending = { remaining: this.workers.length, resolve, reject };
        if (onProgress) p.onProgress = onProgress;
        this.pending.set(id, p);
        for (const w of this.workers) w.postMessage({ type: 'run', id, calls } satisfies ToWorker);
      });
    } finally {
      for (const w of this.workers) w.unref();
    }
  }
}

const pools = new Map<string, Pool>();

/** The pool for this build and thread count (made, or remade after a failure), held once more. */
export function acquirePool(kernel: LoadedKernel, threads: number): Pool {
  const key = `${kernel.path} ${threads}`;
  let pool = pools.get(key);
  if (!pool || pool.terminated || pool.broken) {
    pool = new Pool(key, kernel, threads);
    pools.set(key, pool);
  }
  pool.acquire();
  return pool;
}
