import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Socket } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { transformerMetadata, transformerTensors } from '../formats/transformer-tensors.js';
import { writeSafetensors } from '../formats/safetensors.js';
import { modelFingerprint } from '../formats/tensor-output.js';
import { defaultBudget, guardMemory, type MemoryBudget } from '../memory.js';
import type { TransformerModel } from '../problems/transformer.js';
import { PROJECT_ROOT } from '../version.js';
import { exactAttentionCost } from './cost.js';
import { NonFiniteError } from './finite.js';
import type { DType, Engine, EvalOptions, EvalResult } from './types.js';
import { TorchOptionsSchema } from './engine-options.js';

/**
 * The PyTorch engine: the model goes to a temporary safetensors file (float64, exactly the
 * `seth export --format safetensors` layout), `python -m seth_torch` (python/seth_torch) evaluates it
 * with torch.nn.functional.scaled_dot_product_attention and writes X_L as .npy, which is read back.
 * With processes > 1 the same command runs under `python -m torch.distributed.run --standalone
 * --nproc-per-node P` (gloo on CPU, NCCL on CUDA; heads split across the ranks).
 *
 * The interpreter is $SETH_PYTHON, else the project's venv (.venv/bin/python), else python3.
 * With one process the engine keeps one `python -m seth_torch --serve` child for its lifetime
 * (PyTorch's import, seconds, is paid once; close() ends it); with processes > 1 every evaluation
 * is one torchrun. Per-head outputs (one process) come back as one [L, H, n, m] .npy.
 */

export type TorchOptions = z.infer<typeof TorchOptionsSchema>;

/** The Python interpreter the engine runs: $SETH_PYTHON, the project's venv, or python3. */
export function torchPython(): string {
  const env = process.env.SETH_PYTHON;
  if (env) return env;
  const venv = process.platform === 'win32' ? join(PROJECT_ROOT, '.venv', 'Scripts', 'python.exe') : join(PROJECT_ROOT, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** PYTHONPATH with the project's python/ folder first, so that `-m seth_torch` needs no install. */
function pythonEnv(): NodeJS.ProcessEnv {
  const path = [join(PROJECT_ROOT, 'python'), process.env.PYTHONPATH].filter((p) => p).join(delimiter);
  return { ...process.env, PYTHONPATH: path };
}

/**
 * Why this machine cannot run the engine, or undefined when it can: the interpreter must start
 * and find torch, numpy and safetensors (import specs only; the version is checked by seth_torch).
 */
export function torchUnavailable(python = torchPython()): string | undefined {
  const probe = spawnSync(
    python,
    [
      '-c',
      'import importlib.util as u, sys; m = [p for p in ("torch", "numpy", "safetensors") if u.find_spec(p) is None]; print(" ".join(m)); sys.exit(3 if m else 0)',
    ],
    { encoding: 'utf8', env: pythonEnv(), timeout: 60_000 },
  );
  if (probe.error) return `cannot run the Python interpreter ${python} (${probe.error.message}); set SETH_PYTHON or create the project's venv (.venv)`;
  if (probe.status === 3) {
    return `${python} lacks ${probe.stdout.trim().split(' ').join(', ')}; install them (${python} -m pip install 'torch>=2.1' numpy safetensors) or set SETH_PYTHON`;
  }
  if (probe.status !== 0) return `${python} failed (${(probe.stderr || '').trim().split('\n').pop() ?? `exit ${probe.status}`})`;
  return undefined;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Keep the tail only: torchrun can be verbose. */
const STDERR_TAIL = 64 * 1024;

function runProcess(cmd: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: pythonEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-STDERR_TAIL);
    });
    child.on('error', (e) => reject(new UserError(`cannot run ${cmd} (${e.message}); set SETH_PYTHON to a Python with torch>=2.1`)));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** seth_torch's one-line message (the first line it printed), else the last line of stderr. */
function failureLine(f: Finished): string {
  const lines = f.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const own = lines.find((l) => l.startsWith('seth_torch'));
  if (own) return own;
  if (f.signal) return `killed by ${f.signal}`;
  return lines.at(-1) ?? `exit status ${String(f.code)}`;
}

/** A reply line of `python -m seth_torch --serve`. */
const ReplySchema = z.union([
  z.object({ progress: z.tuple([z.number(), z.number()]) }),
  z.object({ code: z.number().int(), error: z.string().optional(), nonFinite: z.boolean().optional() }),
]);

interface Pending {
  onProgress?: ((done: number, total: number) => void) | undefined;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * One `python -m seth_torch --serve` process: requests go in one at a time (the engine serialises
 * them), replies come back a line each. If the process dies, the pending request fails with its
 * last stderr line and the next request starts a new one.
 */
class Server {
  private readonly child: ChildProcessWithoutNullStreams;
  private pending: Pending | undefined;
  private stderr = '';
  private buffered = '';
  private exited: Finished | undefined;

  constructor(python: string) {
    this.child = spawn(python, ['-m', 'seth_torch', '--serve'], { env: pythonEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-STDERR_TAIL);
    });
    this.child.stdout.on('data', (d: string) => this.onData(d));
    this.child.on('error', (e) => this.fail(new UserError(`cannot run ${python} (${e.message}); set SETH_PYTHON to a Python with torch>=2.1`)));
    this.child.on('close', (code, signal) => {
      this.exited = { code, signal, stderr: this.stderr };
      this.fail(new Error(`torch engine: the Python process ended (${failureLine(this.exited)})`));
    });
    // Never keep the workbench alive for an idle server: the child and its pipes hold the event loop
    // only while a request is pending (a pending promise alone would not keep the process waiting).
    this.hold(false);
  }

  private hold(on: boolean): void {
    if (on) this.child.ref();
    else this.child.unref();
    for (const pipe of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      if (!(pipe instanceof Socket)) continue;
      if (on) pipe.ref();
      else pipe.unref();
    }
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    this.hold(false);
    p?.reject(e);
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (line.length === 0) continue;
      let reply: z.infer<typeof ReplySchema>;
      try {
        reply = ReplySchema.parse(JSON.parse(line));
      } catch {
        this.fail(new Error(`torch engine: unreadable reply from seth_torch: ${line.slice(0, 200)}`));
        continue;
      }
      const p = this.pending;
      if (!p) continue;
      if ('progress' in reply) {
        p.onProgress?.(reply.progress[0], reply.progress[1]);
        continue;
      }
      this.pending = undefined;
      this.hold(false);
      if (reply.code === 0) p.resolve();
      else if (reply.code === 2) p.reject(new UserError(`torch engine: seth_torch: ${reply.error ?? 'bad input'}`));
      else if (reply.nonFinite === true) p.reject(new NonFiniteError(`engine torch: ${reply.error ?? 'non-finite value'}`));
      else p.reject(new Error(`torch engine: seth_torch: ${reply.error ?? `exit ${reply.code}`}`));
    }
  }

  request(argv: string[], onProgress?: (done: number, total: number) => void): Promise<void> {
    if (!this.alive) return Promise.reject(new Error('torch engine: the Python process has ended'));
    return new Promise((resolve, reject) => {
      this.pending = { onProgress, resolve, reject };
      this.hold(true);
      this.child.stdin.write(`${JSON.stringify({ argv })}\n`);
    });
  }

  async close(): Promise<void> {
    if (!this.alive) return;
    const ended = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await ended;
    clearTimeout(timer);
  }
}

/**
 * Bytes the evaluation holds at most: the temporary model file (float64, in the page cache), the
 * Python side's per-layer bound (docs/interop.md, "Memory bound") in the compute dtype, and X_L
 * (and every head's output when asked) read back here.
 */
export function torchEngineBytes(model: TransformerModel, dtype: DType, perHead: boolean): number {
  const { tokens: n, width: m, layers: L, heads: H } = model;
  const item = dtype === 'f64' ? 8 : 4;
  let hidden = 0;
  for (const p of model.mlp) if (p) hidden = Math.max(hidden, p.hidden);
  const file = 8 * (n * m + 3 * L * H * m * m) + model.mlp.reduce((s, p) => s + (p ? 8 * (2 * m * p.hidden + p.hidden + m) : 0), 0);
  const scores = Math.min(H * n * n * item, SCORE_MEMORY_MIB * 2 ** 20);
  const python = item * (3 * H * m * m + 2 * H * n * m + 2 * H * n * m + 3 * n * m + n * hidden) + scores;
  const back = 8 * n * m * (perHead ? 1 + L * H : 1);
  return file + python + back;
}

/** --score-memory passed to seth_torch (MiB of one chunk's attention scores). */
const SCORE_MEMORY_MIB = 256;

export class TorchEngine implements Engine {
  readonly name = 'torch';
  private server: Server | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dtype: DType,
    readonly options: TorchOptions,
    private readonly python: string,
    private readonly budget: MemoryBudget = defaultBudget(),
  ) {}

  /** The seth_torch arguments of one evaluation (after `-m seth_torch`). */
  evalArgs(model: string, output: string, headsOutput?: string): string[] {
    const o = this.options;
    const args = [model, '-o', output, '--device', o.device, '--dtype', o.precision ?? this.dtype, '--score-memory', String(SCORE_MEMORY_MIB)];
    if (o.threads !== undefined) args.push('--threads', String(o.threads));
    if (o.tf32) args.push('--tf32');
    if (headsOutput !== undefined) args.push('--heads-output', headsOutput);
    return args;
  }

  /** The whole command line after the interpreter when processes > 1 (torchrun, standalone). */
  commandArgs(model: string, output: string): string[] {
    const launcher = ['-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', String(this.options.processes)];
    return [...launcher, '-m', 'seth_torch', ...this.evalArgs(model, output), '--quiet'];
  }

  evaluate(model: TransformerModel, options: EvalOptions = {}): Promise<EvalResult> {
    // One evaluation at a time: the server answers requests in order, one pending each.
    const run = this.queue.then(() => this.evaluateNow(model, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(model: TransformerModel, options: EvalOptions): Promise<EvalResult> {
    const perHead = options.perHead === true;
    if (perHead && this.options.processes > 1) {
      throw new UserError('the torch engine returns per-head outputs from one process; use --engine-opt processes=1');
    }
    guardMemory(`the torch engine on ${model.tokens} tokens × ${model.layers}·${model.heads} heads`, torchEngineBytes(model, this.dtype, perHead), this.budget);
    const dir = mkdtempSync(join(tmpdir(), 'seth-torch-'));
    try {
      const modelPath = join(dir, 'model.safetensors');
      const outPath = join(dir, 'X_L.npy');
      const headsPath = perHead ? join(dir, 'heads.npy') : undefined;
      writeSafetensors(modelPath, transformerTensors(model, 'f64'), transformerMetadata(model, { fingerprint: modelFingerprint(model) }));
      const total = model.layers * model.heads;
      if (this.options.processes > 1) {
        const done = await runProcess(this.python, this.commandArgs(modelPath, outPath));
        if (done.code !== 0) {
          const line = failureLine(done);
          if (done.code === 2) throw new UserError(`torch engine: ${line}`);
          // seth_torch's ComputeError (exit 1) is always a non-finite value; PyTorch's own failures say "PyTorch failed".
          if (done.code === 1 && line.includes('non-finite')) throw new NonFiniteError(`engine torch: ${line}`);
          throw new Error(`torch engine: ${line}`);
        }
        options.onProgress?.(total, total);
      } else {
        if (!this.server?.alive) this.server = new Server(this.python);
        await this.server.request(this.evalArgs(modelPath, outPath, headsPath), options.onProgress);
      }
      const result: EvalResult = {
        output: asF64(readNpy(outPath, { budget: this.budget }).data),
        engine: this.name,
        dtype: this.dtype,
        cost: exactAttentionCost(model),
      };
      if (headsPath) {
        const all = asF64(readNpy(headsPath, { budget: this.budget }).data);
        const size = model.tokens * model.width;
        result.perHead = Array.from({ length: model.layers }, (_, l) =>
          Array.from({ length: model.heads }, (_, h) => all.slice((l * model.heads + h) * size, (l * model.heads + h + 1) * size)),
        );
      }
      return result;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await this.queue;
    await s?.close();
  }
}

function asF64(data: ArrayLike<number>): Float64Array {
  return data instanceof Float64Array ? data : Float64Array.from(data);
}

/** Make the engine, or reject with the reason this machine cannot run it. */
export function createTorchEngine(dtype: DType, options: Partial<TorchOptions> = {}, budget: MemoryBudget = defaultBudget()): Promise<Engine> {
  const parsed = TorchOptionsSchema.parse(options);
  const python = torchPython();
  const why = torchUnavailable(python);
  if (why) return Promise.reject(new Error(why));
  return Promise.resolve(new TorchEngine(dtype, parsed, python, budget));
}
