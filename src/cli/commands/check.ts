import { REDUCTIONS } from '../../../reductions/index.js';
import { z } from 'zod';
import { formatMatmulReport } from '../../check/matmul.js';
import { checkInstance, type CheckReport, type DecisionReport } from '../../check/run.js';
import { recoverSource, type RecoveredSource } from '../../check/source-from-provenance.js';
import { formatOrigin, formatStepSizes } from '../../check/steps.js';
import type { DType } from '../../engine/types.js';
import { loadOutput } from '../../formats/tensor-output.js';
import { modelFingerprint } from '../../problems/fingerprint.js';
import { loadInstance } from '../../io/instance-file.js';
import type { MemoryBudget } from '../../memory.js';
import { PROBLEM_IDS } from '../../problems/instance.js';
import type { TransformerModel } from '../../problems/transformer.js';
import { viaOf } from '../chain-choice.js';
import { cliArg, defineCommand, print, warn } from '../command.js';
import { explainCheck } from '../explain.js';
import { budgetOf, chainArgs, chainOptionsOf, engineArgs, engineOf, forceArgs, jsonArgs } from '../options.js';
import { makeProgress } from '../progress.js';

const CheckArgs = z.object({
  file: cliArg(z.string(), 'the instance: a source (DIMACS or JSON), a model file (source rebuilt from provenance) or a matmul batch (- for stdin)', { positional: true }),
  ...jsonArgs,
  ...engineArgs,
  ...chainArgs,
  ...forceArgs,
  to: cliArg(z.enum(PROBLEM_IDS).default('transformer'), 'model the chain ends in: transformer | attention | tensor-attention'),
  via: cliArg(z.string().optional(), 'explicit chain: comma-separated reduction ids'),
  explain: cliArg(z.boolean().default(false), 'explain each step of the chain as it runs'),
  output: cliArg(z.string().optional(), 'decode this X_L (.npy, .safetensors or seth eval JSON) computed elsewhere instead of evaluating'),
  arithmetic: cliArg(z.enum(['auto', 'rational', 'float64']).default('auto'), 'matmul-batch: exact rationals (integer/rational inputs) or float64'),
});
export type CheckArgs = z.output<typeof CheckArgs>;

/**
 * `seth check FILE [--layers L --heads H] [--json]`: run the chain, evaluate (or solve) its target,
 * decode, compare with the independent oracle. Exit 0 if they agree (and a positive answer's
 * witness verifies), 1 if not, 2 on bad input. Every chain, matmul batches included, goes through
 * the one checker (src/check/run.ts) and reports its steps' declared and measured sizes.
 */
export const checkCommand = defineCommand({
  command: 'check <file>',
  describe: 'decide an instance through a transformer and check the answer against an independent oracle',
  args: CheckArgs,
  async run(a): Promise<number> {
    const { report, recovered } = await checkFile(a);
    if (report.kind === 'decision' && report.engineFallback) warn(report.engineFallback);
    if (a.json) print(JSON.stringify(report));
    else {
      if (recovered) print(`source     rebuilt from the model's provenance: ${recovered.origin}; the chain reproduces ${a.file} exactly (same fingerprint)`);
      if (a.explain && report.kind === 'decision') print(explainCheck(a.file, report));
      print(report.kind === 'decision' ? formatReport(a.file, report) : formatMatmulReport(report));
    }
    return exitCodeOf(report);
  },
});

/**
 * Check one file with parsed `seth check` arguments: load it (a model file is checked through the
 * source its provenance records, rebuilt and fingerprint-checked), run the one checker.
 */
export async function checkFile(a: CheckArgs): Promise<{ report: CheckReport; recovered: RecoveredSource | undefined }> {
  const budget = budgetOf(a);
  const loaded = loadInstance(a.file, { budget });
  const recovered = loaded.problem === 'transformer' || loaded.problem === 'attention' ? recoverSource(loaded.data, a.file, REDUCTIONS, budget) : undefined;
  const instance = recovered ? recovered.source : loaded;
  const engine = engineOf(a);
  const chainOptions = recovered ? recovered.options : chainOptionsOf(a);
  if (a.arithmetic !== 'auto') chainOptions.numberType = a.arithmetic;
  const progress = a.json ? undefined : makeProgress('evaluating');
  const report = await checkInstance(instance, {
    reductions: REDUCTIONS,
    reductionOptions: chainOptions,
    to: a.to,
    via: recovered ? recovered.via : viaOf(a.via),
    expectModel: recovered && (loaded.problem === 'transformer' || loaded.problem === 'attention') ? { fingerprint: modelFingerprint(loaded.data), file: a.file } : undefined,
    engine: engine.engine,
    engineOptions: engine.engineOptions,
    engineSeed: engine.seed,
    dtype: engine.dtype,
    budget,
    onProgress: progress?.update,
    externalOutput: a.output !== undefined ? externalOutputLoader(a.output, budget) : undefined,
  });
  progress?.finish();
  return { report, recovered };
}

/** Read X_L from a file and check it against the model the chain built (shape, values, provenance). */
function externalOutputLoader(path: string, budget: MemoryBudget) {
  return (model: TransformerModel): { data: Float64Array; origin: string; dtype: DType } => {
    const o = loadOutput(path, model, { budget });
    const cmd = o.computedBy?.command;
    const by = typeof cmd === 'string' ? `, computed by \`${cmd}\`` : o.computedBy ? `, computed by ${JSON.stringify(o.computedBy)}` : '';
    return {
      data: o.output,
      dtype: o.dtype,
      origin: `read from ${o.path} (${o.format}, ${o.dtype}; fingerprint ${o.fingerprint}, provenance ${o.provenance}${by})`,
    };
  };
}

export function exitCodeOf(r: CheckReport): number {
  if (r.kind === 'products') return r.agree && r.ratioWithinLimit ? 0 : 1;
  const positive = r.answer === 'SAT' || r.answer === 'YES';
  return r.agree !== false && (!positive || r.witnessVerified === true) ? 0 : 1;
}

const ok = (b: boolean | null): string => (b === null ? '–' : b ? '✓' : '✗');

export function formatReport(file: string, r: DecisionReport): string {
  const p = r.params;
  const last = r.steps[r.steps.length - 1]!;
  const tensor = last.to === 'tensor-attention';
  const witness = Array.isArray(r.witness) ? r.witness.join(' ') : r.witness === null ? '—' : JSON.stringify(r.witness);
  const rows: [string, string][] = [
    ['instance', `${file} (${r.problem}: ${Object.entries(r.sourceSizes).map(([k, v]) => `${k} = ${v}`).join(', ')})`],
    ['source', formatOrigin(r.source.provenance)],
    ['chain', r.chain.join(' → ')],
    tensor
      ? ['model', `tensor attention: ${last.measured.queries} queries × ${last.measured.keys1}·${last.measured.keys2} key pairs · width ${p.width} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}`]
      : ['model', `tokens ${p.tokens} · width ${p.width} · layers ${p.layers} · heads ${p.heads} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}${p.causal ? ' · causal' : ''}${p.kvGroups !== null ? ` · ${p.kvGroups} K/V group(s)` : ''}${p.betaBelowBound ? ` · BELOW THE BOUND: ${p.betaBelowBound}` : ''}`],
    ...r.steps.map((s): [string, string] => [`sizes ${s.reduction}`, formatStepSizes(s)]),
    [
      'regime',
      `width/log₂n = ${r.regime.widthOverLog2Tokens.toFixed(2)}, max|entry|/log₂n = ${r.regime.maxEntryOverLog2Tokens.toFixed(2)}` +
        (r.regime.maxEntryOverCbrtLog2Tokens !== undefined ? `, max|entry|/∛log₂n = ${r.regime.maxEntryOverCbrtLog2Tokens.toFixed(2)} (n = ${p.tokens} tokens in all)` : ''),
    ],
    ['output', `${r.outputOrigin}, ${fmtMs(r.timingsMs.evaluate)}`],
    ['decision', `statistic ${r.statistic.toFixed(6)} vs threshold ${r.threshold} → margin ${r.margin.toFixed(4)}`],
    ['robust', `${ok(r.robustToOutputError)} decision unchanged with every output entry moved by ±1/(10·${p.tokens}) = ±${r.tolerance.toExponential(2)}`],
    ['answer', `${r.answer} (decoded from X_L)`],
    ['oracle', `${r.oracle ?? 'skipped'} (${r.oracleName}) ${r.agree === null ? '' : r.agree ? '✓ agree' : '✗ DISAGREE'}`],
    ['witness', `${witness}${r.witnessVerified === null ? '' : r.witnessVerified ? '  ✓ verified against the source instance' : '  ✗ NOT VERIFIED'}`],
    [
      'recovery',
      `${r.recovery.rounds} rounds, ${r.recovery.headEvaluations} single-row head evaluations, ${r.recovery.scoredPairs} query–key pairs (${(100 * r.recovery.fractionOfForwardPairs).toFixed(3)}% of the forward pass)`,
    ],
    ['time', `forward ${fmtMs(r.timingsMs.forward)}, evaluate ${fmtMs(r.timingsMs.evaluate)}, decode ${fmtMs(r.timingsMs.decode)}, oracle ${fmtMs(r.timingsMs.oracle)}, total ${fmtMs(r.timingsMs.total)}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}
