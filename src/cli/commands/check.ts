import type { Argv } from 'yargs';
import { checkInstance, type CheckReport } from '../../check/run.js';
import type { DType } from '../../engine/types.js';
import { loadInstance } from '../../io/instance-file.js';
import { checkMatmulBatch, formatMatmulReport } from '../../check/matmul.js';
import type { MatmulBatch } from '../../problems/matmul-batch.js';
import type { MemoryBudget } from '../../memory.js';
import { loadOutput, modelFingerprint } from '../../formats/tensor-output.js';
import { recoverSource } from '../../check/source-from-provenance.js';
import type { TransformerModel } from '../../problems/transformer.js';
import { print, warn, type Args, type CliCommand } from '../command.js';
import { toFrom, viaFrom } from '../chain-choice.js';
import { budgetFrom, engineFrom, reductionOptionsFrom, withEngine, withForce, withJson, withShape } from '../options.js';
import { makeProgress } from '../progress.js';
import { explainCheck } from '../explain.js';

/**
 * `seth check FILE [--layers L --heads H] [--json]`: run the chain to a transformer, evaluate it,
 * decode from X_L alone, compare with the independent oracle. Exit 0 if they agree (and a positive
 * answer's witness verifies), 1 if not, 2 on bad input.
 */
export const checkCommand: CliCommand = {
  command: 'check <file>',
  describe: 'decide an instance through a transformer and check the answer against an independent oracle',
  builder: (y: Argv): Argv =>
    withForce(withShape(withEngine(withJson(y))))
      .option('to', { type: 'string', default: 'transformer', describe: 'model the chain ends in: transformer | attention | tensor-attention' })
      .option('via', { type: 'string', describe: 'explicit chain: comma-separated reduction ids' })
      .option('explain', { type: 'boolean', default: false, describe: 'explain each step of the chain as it runs' })
      .option('output', {
        type: 'string',
        describe: 'decode this X_L (.npy, .safetensors or seth eval JSON) computed elsewhere instead of evaluating',
      })
      .option('arithmetic', {
        type: 'string',
        choices: ['auto', 'rational', 'float64'],
        default: 'auto',
        describe: 'matmul-batch: exact rationals (integer/rational inputs) or float64',
      }),
  async run(args: Args): Promise<number> {
    const file = String(args.file);
    const budget = budgetFrom(args);
    const loaded = loadInstance(file, { budget });
    if (loaded.problem === 'matmul-batch') return checkMatmul(loaded.data, args, budget);
    // A model file: check it through the source its provenance records (rebuilt, fingerprint-checked).
    const recovered = loaded.problem === 'transformer' || loaded.problem === 'attention' ? recoverSource(loaded.data, file) : undefined;
    const instance = recovered ? recovered.source : loaded;
    const engine = engineFrom(args);
    const progress = args.json ? undefined : makeProgress('evaluating');
    const report = await checkInstance(instance, {
      layers: (recovered?.options.layers ?? args.layers) as number | undefined,
      heads: (recovered?.options.heads ?? args.heads) as number | undefined,
      reductionOptions: recovered ? recovered.options : reductionOptionsFrom(args),
      to: toFrom(args),
      via: recovered ? recovered.via : viaFrom(args),
      expectModel: recovered && (loaded.problem === 'transformer' || loaded.problem === 'attention') ? { fingerprint: modelFingerprint(loaded.data), file } : undefined,
      engine: engine.engine,
      engineOptions: engine.engineOptions,
      engineSeed: engine.seed,
      dtype: engine.dtype,
      budget,
      onProgress: progress?.update,
      externalOutput: typeof args.output === 'string' ? externalOutputLoader(args.output, budget) : undefined,
    });
    progress?.finish();
    if (report.engineFallback) warn(report.engineFallback);
    if (args.json) print(JSON.stringify(report));
    else {
      if (recovered) print(`source     rebuilt from the model's provenance: ${recovered.origin}; the chain reproduces ${file} exactly (same fingerprint)`);
      if (args.explain) print(explainCheck(file, report));
      print(formatReport(file, report));
    }
    return exitCodeOf(report);
  },
};

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

/** Large-embedding regime: products recovered from the transformer's gradient (model.md §4). */
async function checkMatmul(batch: MatmulBatch, args: Args, budget: MemoryBudget): Promise<number> {
  const arithmetic = args.arithmetic === 'rational' || args.arithmetic === 'float64' ? args.arithmetic : undefined;
  const report = await checkMatmulBatch(batch, {
    layers: args.layers as number | undefined,
    heads: args.heads as number | undefined,
    numberType: arithmetic,
    budget,
  });
  print(args.json ? JSON.stringify(report) : formatMatmulReport(report));
  return report.agree && report.ratioWithinLimit ? 0 : 1;
}

export function exitCodeOf(r: CheckReport): number {
  const positive = r.answer === 'SAT' || r.answer === 'YES';
  return r.agree !== false && (!positive || r.witnessVerified === true) ? 0 : 1;
}

const ok = (b: boolean | null): string => (b === null ? '–' : b ? '✓' : '✗');

export function formatReport(file: string, r: CheckReport): string {
  const p = r.params;
  const last = r.steps[r.steps.length - 1]!;
  const tensor = last.to === 'tensor-attention';
  const witness = Array.isArray(r.witness) ? r.witness.join(' ') : r.witness === null ? '—' : JSON.stringify(r.witness);
  const rows: [string, string][] = [
    ['instance', `${file} (${r.problem}: ${Object.entries(r.sourceSizes).map(([k, v]) => `${k} = ${v}`).join(', ')})`],
    ['chain', r.chain.join(' → ')],
    tensor
      ? ['model', `tensor attention: ${last.measured.queries} queries × ${last.measured.keys1}·${last.measured.keys2} key pairs · width ${p.width} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}`]
      : ['model', `tokens ${p.tokens} · width ${p.width} · layers ${p.layers} · heads ${p.heads} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}${p.causal ? ' · causal' : ''}${p.kvGroups !== null ? ` · ${p.kvGroups} K/V group(s)` : ''}`],
    ...r.steps.map((s): [string, string] => [
      `sizes ${s.reduction}`,
      Object.keys(s.declared)
        .map((k) => `${k} = ${s.formulas[k]} = ${fmtNum(s.declared[k]!)} ${s.measured[k] === s.declared[k] ? '✓' : `✗ (measured ${s.measured[k]})`}`)
        .join('; '),
    ]),
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
