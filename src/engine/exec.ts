import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { readNpy } from '../formats/npy.js';
import { transformerMetadata, transformerTensors } from '../formats/transformer-tensors.js';
import { writeSafetensors } from '../formats/safetensors.js';
import { validateOutput } from '../formats/tensor-output.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { Engine, EvalResult } from './types.js';

/**
 * `--engine exec:"COMMAND …"`: bring your own attention algorithm as a program. For each model the
 * workbench
 *  1. writes the model as safetensors, exactly as `seth export --format safetensors` does (f64;
 *     tensors X, layers.L.heads.H.W_Q|W_K|W_V, layers.L.mlp.*; metadata config/scale/annotations);
 *  2. runs `COMMAND MODEL_PATH OUTPUT_PATH` through /bin/sh (the two paths appended as arguments),
 *     with SETH_SEED set to the engine's seed, in a fresh temporary folder;
 *  3. reads X_L from OUTPUT_PATH (.npy, f32 or f64, shape [tokens, width]) and checks shape and
 *     finiteness (the same checks as `seth check --output`);
 *  4. reads the optional sidecar OUTPUT_PATH.cost.json, {"flops": F, "exps": E}: the program's own
 *     count of its attention arithmetic, reported as the run's cost (absent: no cost reported).
 * The wall time of the program is measured around the spawn (wallMs). A non-zero exit, a missing
 * output or a bad output is a UserError naming the command and what was wrong.
 */
const CostSidecar = z.strictObject({ flops: z.number().nonnegative(), exps: z.number().nonnegative() });

export interface ExecResult extends EvalResult {
  wallMs: number;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${command} "$@"`, 'seth-exec', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

export function createExecEngine(command: string, ctx: { seed: number }): Engine {
  if (command.trim() === '') throw new UserError('engine exec: needs a command, e.g. --engine exec:"python3 my_engine.py"');
  return {
    name: `exec:${command}`,
    dtype: 'f64',
    async evaluate(model: TransformerModel): Promise<ExecResult> {
      const dir = mkdtempSync(join(tmpdir(), 'seth-exec-'));
      try {
        const modelPath = join(dir, 'model.safetensors');
        const outPath = join(dir, 'X_L.npy');
        writeSafetensors(modelPath, transformerTensors(model, 'f64'), transformerMetadata(model));
        const t0 = performance.now();
        const r = await run(command, [modelPath, outPath], { ...process.env, SETH_SEED: String(ctx.seed) });
        const wallMs = performance.now() - t0;
        const lastLine = r.stderr.trim().split('\n').pop() ?? '';
        if (r.code !== 0) {
          throw new UserError(`engine exec:${command}: exited with ${r.signal ? `signal ${r.signal}` : `status ${r.code}`}${lastLine ? `: ${lastLine}` : ''}`);
        }
        if (!existsSync(outPath)) throw new UserError(`engine exec:${command}: wrote no output (expected X_L as .npy at its second argument)`);
        const checked = validateOutput(readNpy(outPath), model, `engine exec:${command}: its output`);
        const result: ExecResult = { output: checked.output, engine: `exec:${command}`, dtype: checked.dtype, wallMs };
        const sidecar = `${outPath}.cost.json`;
        if (existsSync(sidecar)) {
          let raw: unknown;
          try {
            raw = JSON.parse(readFileSync(sidecar, 'utf8'));
          } catch (e) {
            throw new UserError(`engine exec:${command}: its cost sidecar is not valid JSON (${(e as Error).message})`);
          }
          const cost = CostSidecar.safeParse(raw);
          if (!cost.success) throw new UserError(`engine exec:${command}: its cost sidecar must be {"flops": number ≥ 0, "exps": number ≥ 0}`);
          result.cost = cost.data;
        }
        return result;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
