import { z } from 'zod';

/**
 * The option schemas of the engines with files of their own that the registry declares
 * (approximations, torch; each engine's file documents the method): kept apart so that the
 * registry, loaded by every command that names an engine, reads them without loading the engines —
 * each is imported only when it is made.
 */

/** Options of the linformer engine (linformer.ts). */
export const LinformerOptions = z.strictObject({
  k: z.number().int().min(1).default(64).describe('rows the keys and values are projected to'),
  projection: z.enum(['gaussian', 'mean']).default('gaussian').describe('E = F: seeded Gaussian N(0, 1/k), or the means of k contiguous segments'),
});

/** Options of the lowprec engine (lowprec.ts). */
export const LowprecOptions = z.strictObject({
  format: z.enum(['fp16', 'bf16', 'e4m3', 'e5m2', 'f64']).default('fp16').describe('number format: fp16, bf16, e4m3, e5m2 or f64'),
  accumulate: z.enum(['same', 'f32']).default('same').describe('accumulator format: same as format, or f32'),
});

/** Options of the lsh engine (lsh.ts). */
export const LshOptions = z.strictObject({
  hashes: z.number().int().min(0).max(30).default(4).describe('hyperplanes b (2^b buckets)'),
  block: z.number().int().min(1).default(32).describe('block size w of the sorted order'),
  samples: z.number().int().min(0).default(32).describe('uniformly sampled keys for the residual mass'),
});

/** Options of the nystrom engine (nystrom.ts). */
export const NystromOptions = z.strictObject({
  landmarks: z.number().int().min(1).default(32).describe('number of landmarks k'),
  iterations: z.number().int().min(0).default(6).describe('iterations of the pseudo-inverse'),
  pinv: z.enum(['iterative', 'exact']).default('iterative').describe("M⁺ by the paper's iteration, or exactly (rank-revealing elimination)"),
});

/** Options of the performer engine (performer.ts). */
export const PerformerOptions = z.strictObject({
  features: z.number().int().min(1).default(256).describe('number of random features r'),
});

/** Options of the poly engine (poly.ts). */
export const PolyOptions = z.strictObject({
  degree: z.number().int().min(0).max(200).optional().describe('polynomial degree g (default: from --engine-opt error)'),
  error: z.number().positive().lt(1).optional().describe('target relative error of each exp weight (default 1/(20n))'),
  maxRank: z.number().int().min(1).default(20000).describe('refuse when the rank C(m′+1+g, g) exceeds this'),
  mode: z.enum(['factorised', 'dense']).default('factorised').describe('factorised (U₁U₂ᵀ, the method) or dense (P on the n×n scores)'),
});

/** Options of the topk engine (topk.ts). */
export const TopkOptions = z.strictObject({ k: z.number().int().min(1).default(32).describe('keys kept per query') });

/** Options of the window engine (window.ts). */
export const WindowOptions = z.strictObject({ w: z.number().int().min(0).default(16).describe('window radius (keys on each side)') });

/** Options of the torch engine (torch.ts). */
export const TorchOptionsSchema = z.strictObject({
  /** cpu, cuda, or auto (CUDA when the interpreter's torch sees a GPU). */
  device: z.enum(['cpu', 'cuda', 'auto']).default('cpu').describe('cpu, cuda, or auto (CUDA when torch sees one)'),
  /** Arithmetic below float32 (bf16, f16); the result is float32. Default: the engine's dtype. */
  precision: z.enum(['bf16', 'f16']).optional().describe('compute in bfloat16/float16 (dtype f32 result); default: the dtype'),
  /** torch.distributed processes on this machine (1 = no launcher). */
  processes: z.number().int().min(1).max(64).default(1).describe('torch.distributed processes (gloo on CPU, NCCL on CUDA); 1 = no launcher'),
  /** CPU threads per process (default: torch's own choice; 1 per process under the launcher). */
  threads: z.number().int().min(1).optional().describe('CPU threads per process'),
  /** Allow TF32 on CUDA for float32 (off: float32 means float32). */
  tf32: z.boolean().default(false).describe('allow TF32 for f32 on CUDA'),
});
