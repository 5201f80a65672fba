/**
 * The whole SETH chain on SATLIB uf20-91 (k-SAT → 3-OV → transformer, L = H = 2 → the default
 * engine → decode → witness → MiniSat), and the latency of one `seth check` process on one file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REDUCTIONS } from '../reductions/index.js';
import { checkDecision } from '../src/check/run.js';
import { DEFAULT_ENGINE } from '../src/engine/registry.js';
import { loadInstance } from '../src/io/instance-file.js';
import { PROJECT_ROOT } from '../src/version.js';
import { median, type Args } from './util.js';

const UF20 = join(PROJECT_ROOT, '..', 'shared', 'data', 'satlib', 'uf20-91');
const STAGES = ['forward', 'evaluate', 'decode', 'oracle'] as const;

function uf20Files(): string[] {
  if (!existsSync(UF20)) return [];
  return readdirSync(UF20)
    .filter((f) => f.endsWith('.cnf'))
    .sort();
}

export interface ChainResult {
  files: number;
  decided: number;
  sat: number;
  agree: number;
  witnessVerified: number;
  totalSeconds: number;
  stageSeconds: Record<string, number>;
  engine: string;
  dtype: string;
  layers: number;
  heads: number;
}

export async function benchChain(args: Args): Promise<ChainResult | null> {
  let files = uf20Files();
  if (files.length === 0) return null;
  if (args.quick) files = files.slice(0, 10);
  const stage: Record<string, number> = { forward: 0, evaluate: 0, decode: 0, oracle: 0 };
  const res: ChainResult = {
    files: files.length,
    decided: 0,
    sat: 0,
    agree: 0,
    witnessVerified: 0,
    totalSeconds: 0,
    stageSeconds: stage,
    engine: '',
    dtype: 'f64',
    layers: 2,
    heads: 2,
  };
  const t0 = performance.now();
  for (const f of files) {
    const r = await checkDecision(loadInstance(join(UF20, f)), { reductions: REDUCTIONS, layers: 2, heads: 2, engine: DEFAULT_ENGINE, dtype: 'f64' });
    res.engine = r.engine;
    res.decided++;
    if (r.answer === 'SAT') res.sat++;
    if (r.agree) res.agree++;
    if (r.witnessVerified) res.witnessVerified++;
    for (const k of STAGES) stage[k]! += r.timingsMs[k] / 1e3;
  }
  res.totalSeconds = (performance.now() - t0) / 1e3;
  return res;
}

export interface LatencyResult {
  file: string;
  runs: number;
  engine: string;
  /** Medians over the runs, ms: the process from spawn to exit, and its parts. */
  wallMs: number;
  /** Process start, module loading and exit: wall − the checker's own total. */
  startupMs: number;
  stagesMs: Record<string, number>;
  /** A bare `node -e ""` process on this machine now (the floor of startupMs). */
  bareNodeMs: number;
  /** CPU time of the `seth check` process (all its threads, user + system), and of the bare node process: unlike wall time, not stretched by other load. */
  cpuMs: number;
  bareNodeCpuMs: number;
  /** The same evaluation in a warm process (engine loaded, threads up): the kernel's own time. */
  warmEvaluateMs: number;
  /** Cold evaluate ÷ warm evaluate (the target: ≤ 2). */
  evaluateOverWarm: number;
}

interface CheckJson {
  engine: string;
  timingsMs: Record<(typeof STAGES)[number] | 'total', number>;
}

function isCheckJson(x: unknown): x is CheckJson {
  return typeof x === 'object' && x !== null && 'timingsMs' in x && 'engine' in x;
}

/** `seth check` of one uf20-91 file, end to end in a fresh process, several times. */
export async function benchLatency(args: Args): Promise<LatencyResult | null> {
  const file = uf20Files()[0];
  if (!file) return null;
  const path = join(UF20, file);
  const bin = join(PROJECT_ROOT, 'bin', 'seth.js');
  const runs = args.quick ? 5 : Math.max(args.runs, 9);
  const walls: number[] = [];
  const bare: number[] = [];
  const cpu: number[] = [];
  const bareCpu: number[] = [];
  // Each child reports its own CPU time (process.cpuUsage() at exit, every thread) on stderr.
  const CPU_TAG = 'seth-bench-cpu-ms ';
  const reportCpu = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\n${CPU_TAG}'+(u.user+u.system)/1e3+'\\n')})`;
  const cpuOf = (stderr: string): number => {
    const line = stderr.split('\n').find((l) => l.startsWith(CPU_TAG));
    if (line === undefined) throw new Error('a bench child did not report its CPU time');
    return Number(line.slice(CPU_TAG.length));
  };
  const stages: Record<string, number[]> = { forward: [], evaluate: [], decode: [], oracle: [], total: [] };
  let engine = '';
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    const b = spawnSync(process.execPath, ['--import', reportCpu, '-e', ''], { encoding: 'utf8' });
    bare.push(performance.now() - t0);
    bareCpu.push(cpuOf(b.stderr));
    t0 = performance.now();
    const p = spawnSync(process.execPath, ['--import', reportCpu, bin, 'check', path, '--layers', '2', '--heads', '2', '--json'], { encoding: 'utf8' });
    walls.push(performance.now() - t0);
    cpu.push(cpuOf(p.stderr));
    const parsed: unknown = JSON.parse(p.stdout);
    if (p.status !== 0 || !isCheckJson(parsed)) throw new Error(`seth check ${file} failed: ${p.stderr.trim().split('\n').pop() ?? p.status}`);
    engine = parsed.engine;
    for (const k of Object.keys(stages)) stages[k]!.push(parsed.timingsMs[k as keyof CheckJson['timingsMs']]);
  }
  // The kernel's own time: the same check in this (warm) process, evaluate only.
  const inst = loadInstance(path);
  await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 2, engine: DEFAULT_ENGINE, dtype: 'f64' });
  const warm: number[] = [];
  for (let r = 0; r < runs; r++)
    warm.push((await checkDecision(inst, { reductions: REDUCTIONS, layers: 2, heads: 2, engine: DEFAULT_ENGINE, dtype: 'f64' })).timingsMs.evaluate);
  const stagesMs: Record<string, number> = {};
  for (const k of STAGES) stagesMs[k] = median(stages[k]!);
  const wallMs = median(walls);
  const warmEvaluateMs = median(warm);
  return {
    file,
    runs,
    engine,
    wallMs,
    startupMs: median(walls.map((w, i) => w - stages.total![i]!)),
    stagesMs,
    bareNodeMs: median(bare),
    cpuMs: median(cpu),
    bareNodeCpuMs: median(bareCpu),
    warmEvaluateMs,
    evaluateOverWarm: stagesMs.evaluate! / warmEvaluateMs,
  };
}
