import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { transformerMetadata, transformerTensors, writeSafetensors } from '../formats/safetensors.js';
import { modelFingerprint } from '../formats/tensor-output.js';
import type { TransformerModel } from '../problems/transformer.js';
import { PROJECT_ROOT } from '../version.js';
import type { DType, Engine, EvalOptions, EvalResult } from './types.js';

/**
 * The PyTorch engine: the model goes to a temporary safetensors file (float64, exactly the
 * `seth export --format safetensors` layout), `python -m seth_torch` (python/seth_torch) evaluates it
 * with torch.nn.functional.scaled_dot_product_attention and writes X_L as .npy, which is read back.
 * With processes > 1 the same command runs under `python -m torch.distributed.run --standalone
 * --nproc-per-node P` (gloo on CPU, NCCL on CUDA; heads split across the ranks).
 *
 * The interpreter is $SETH_PYTHON, else the project's venv (.venv/bin/python), else python3.
 * Every evaluation is one subprocess (PyTorch's import dominates small models: seconds).
 */

export const TorchOptionsSchema = z.strictObject({
  /** cpu, cuda, or auto (CUDA when the interpreter's torch sees a GPU). */
  device: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
  /** Arithmetic below float32 (bf16, f16); the result is float32. Default: the engine's dtype. */
  precision: z.enum(['bf16', 'f16']).optional(),
  /** torch.distributed processes on this machine (1 = no launcher). */
  processes: z.number().int().min(1).max(64).default(1),
  /** CPU threads per process (default: torch's own choice; 1 per process under the launcher). */
  threads: z.number().int().min(1).optional(),
  /** Allow TF32 on CUDA for float32 (off: float32 means float32). */
  tf32: z.boolean().default(false),
});
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
    ['-c', 'import importlib.util as u, sys; m = [p for p in ("torch", "numpy", "safetensors") if u.find_spec(p) is None]; print(" ".join(m)); sys.exit(3 if m else 0)'],
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

function runProcess(cmd: string, args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: pythonEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      // Keep the tail only: torchrun can be verbose.
      stderr = (stderr + d).slice(-64 * 1024);
    });
    child.on('error', (e) => reject(new UserError(`cannot run ${cmd} (${e.message}); set SETH_PYTHON to a Python with torch>=2.1`)));
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

/** seth_torch's one-line message (the first line it printed), else the last line of stderr. */
function failureLine(f: Finished): string {
  const lines = f.stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const own = lines.find((l) => l.startsWith('seth_torch'));
  if (own) return own;
  if (f.signal) return `killed by ${f.signal}`;
  return lines.at(-1) ?? `exit status ${String(f.code)}`;
}

export class TorchEngine implements Engine {
  readonly name = 'torch';

  constructor(
    readonly dtype: DType,
    readonly options: TorchOptions,
    private readonly python: string,
  ) {}

  /** The argument list after the interpreter for one evaluation. */
  commandArgs(model: string, output: string): string[] {
    const o = this.options;
    const launcher = o.processes > 1 ? ['-m', 'torch.distributed.run', '--standalone', '--nproc-per-node', String(o.processes)] : [];
    const args = [...launcher, '-m', 'seth_torch', model, '-o', output, '--device', o.device, '--dtype', o.precision ?? this.dtype, '--quiet'];
    if (o.threads !== undefined) args.push('--threads', String(o.threads));
    if (o.tf32) args.push('--tf32');
    return args;
  }

  async evaluate(model: TransformerModel, options: EvalOptions = {}): Promise<EvalResult> {
    if (options.perHead) throw new UserError('the torch engine returns X_L only; per-head outputs come from the reference or wasm engine');
    const dir = mkdtempSync(join(tmpdir(), 'seth-torch-'));
    try {
      const modelPath = join(dir, 'model.safetensors');
      const outPath = join(dir, 'X_L.npy');
      writeSafetensors(modelPath, transformerTensors(model, 'f64'), transformerMetadata(model, { fingerprint: modelFingerprint(model) }));
      const done = await runProcess(this.python, this.commandArgs(modelPath, outPath));
      if (done.code !== 0) {
        const line = failureLine(done);
        if (done.code === 2) throw new UserError(`torch engine: ${line}`);
        throw new Error(`torch engine: ${line}`);
      }
      const out = readNpy(outPath);
      const data = out.data instanceof Float64Array ? out.data : Float64Array.from(out.data);
      options.onProgress?.(model.layers * model.heads, model.layers * model.heads);
      return { output: data, engine: this.name, dtype: this.dtype };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Make the engine, or reject with the reason this machine cannot run it. */
export function createTorchEngine(dtype: DType, options: Partial<TorchOptions> = {}): Promise<Engine> {
  const parsed = TorchOptionsSchema.parse(options);
  const python = torchPython();
  const why = torchUnavailable(python);
  if (why) return Promise.reject(new Error(why));
  return Promise.resolve(new TorchEngine(dtype, parsed, python));
}
