import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseEngineSpec } from '../../arena/engines.js';
import { accuracyCostSpec, errorToleranceSpec, selectorSpec, svgWithProvenance, thresholdSpec } from '../../arena/plots.js';
import { formatScorecard, runArena, scorecard } from '../../arena/run.js';
import { runSelector, SELECTOR_DEFAULT, type SelectorRow } from '../../arena/selector.js';
import { buildInstance, defaultEngines, suiteSpecs } from '../../arena/suites.js';
import { runThreshold, THRESHOLD_DEFAULT, type ThresholdPoint } from '../../arena/threshold.js';
import { asOption, describeZodError } from '../../zod-error.js';
import { writeOutputAtomic } from '../../io/files.js';
import { currentCommandLine } from '../../provenance.js';
import { TOOL_NAME, TOOL_VERSION } from '../../version.js';
import { cliArg, defineCommand, print } from '../command.js';
import { budgetOf, forceArgs, jsonArgs } from '../options.js';
import { makeProgress } from '../progress.js';

/**
 * `seth arena [--suite quick|standard|threshold|selector] [--engines …] [--seed S] [-o DIR] [--json]`:
 * run attention approximations against instances with known answers (docs/arena.md).
 */
const ArenaArgs = z.object({
  ...jsonArgs,
  ...forceArgs,
  suite: cliArg(z.enum(['quick', 'standard', 'threshold', 'selector']).default('quick'), 'which suite (docs/arena.md)'),
  engines: cliArg(z.array(z.string()).optional(), "engines to run: name or name:key=value,… or exec:COMMAND or module:PATH (default: the suite's list)"),
  seed: cliArg(z.number().int().min(0).default(0), 'seed of the instances and of the randomised engines'),
  o: cliArg(z.string().optional(), 'folder for results.jsonl, scorecard and plots (default arena-SUITE)', { alias: 'output' }),
});

const jsonl = (rows: readonly object[], provenance: object): string => rows.map((r) => JSON.stringify({ ...r, provenance })).join('\n') + '\n';

export const arenaCommand = defineCommand({
  command: 'arena',
  describe: 'run fast/approximate attention engines against SETH instances with known answers; scorecard, results.jsonl, plots',
  args: ArenaArgs,
  describeError: (e) => `arena: ${describeZodError(e, asOption)}`,
  async run(a): Promise<number> {
    const dir = a.o ?? `arena-${a.suite}`;
    const budget = budgetOf(a);
    const started = new Date().toISOString();
    const t0 = performance.now();
    const provenance = { tool: TOOL_NAME, version: TOOL_VERSION, command: currentCommandLine(), seed: a.seed, suite: a.suite };
    mkdirSync(dir, { recursive: true });
    const progress = makeProgress(`arena ${a.suite}`);
    const meta = (extra: object): string => JSON.stringify({ ...provenance, started, seconds: (performance.now() - t0) / 1000, ...extra }, null, 2) + '\n';

    if (a.suite === 'threshold') {
      const points = await runThreshold(THRESHOLD_DEFAULT, budget, (d, t) => progress.update(d, t));
      progress.finish();
      writeOutputAtomic(join(dir, 'threshold.jsonl'), jsonl(points, provenance));
      writeOutputAtomic(
        join(dir, 'threshold.svg'),
        await svgWithProvenance(thresholdSpec(points, 'Alman–Song threshold in miniature: ov-to-attention, d = 3, balanced β'), provenance),
      );
      writeOutputAtomic(join(dir, 'meta.json'), meta({ config: THRESHOLD_DEFAULT, points: points.length }));
      if (a.json) print(JSON.stringify(points));
      else print(formatThreshold(points));
      print(`wrote ${dir}/threshold.jsonl, threshold.svg, meta.json`);
      return 0;
    }
    if (a.suite === 'selector') {
      const rows = runSelector(SELECTOR_DEFAULT, budget);
      writeOutputAtomic(join(dir, 'selector.jsonl'), jsonl(rows, provenance));
      writeOutputAtomic(
        join(dir, 'selector.svg'),
        await svgWithProvenance(
          selectorSpec(rows, `Selection by one head: ov-to-attention, |A| = |B| = ${SELECTOR_DEFAULT.size}, d = ${SELECTOR_DEFAULT.dim}`),
          provenance,
        ),
      );
      writeOutputAtomic(join(dir, 'meta.json'), meta({ config: SELECTOR_DEFAULT, rows: rows.length }));
      if (a.json) print(JSON.stringify(rows));
      else print(formatSelector(rows));
      print(`wrote ${dir}/selector.jsonl, selector.svg, meta.json`);
      return 0;
    }
    const engines = (a.engines ?? defaultEngines(a.suite)).map(parseEngineSpec);
    const instances = suiteSpecs(a.suite, a.seed).map((s) => buildInstance(s, budget));
    const records = await runArena(instances, engines, { seed: a.seed, budget, onProgress: (d, t) => progress.update(d, t) });
    progress.finish();
    const card = scorecard(records);
    const table = formatScorecard(card);
    writeOutputAtomic(join(dir, 'results.jsonl'), jsonl(records, provenance));
    writeOutputAtomic(join(dir, 'scorecard.txt'), `${provenance.command}\n\n${table}\n`);
    writeOutputAtomic(join(dir, 'scorecard.json'), JSON.stringify({ provenance, scorecard: card }, null, 2) + '\n');
    writeOutputAtomic(
      join(dir, 'accuracy-cost.svg'),
      await svgWithProvenance(accuracyCostSpec(records, `arena ${a.suite}: accuracy against cost`), provenance),
    );
    writeOutputAtomic(
      join(dir, 'error-tolerance.svg'),
      await svgWithProvenance(errorToleranceSpec(records, `arena ${a.suite}: output error against the tolerance 1/(10n)`), provenance),
    );
    writeOutputAtomic(
      join(dir, 'meta.json'),
      meta({
        instances: instances.map((i) => ({ id: i.id, family: i.family, known: i.known, knownBy: i.knownBy, tokens: i.model.tokens, width: i.model.width })),
        engines: engines.map((e) => e.label),
      }),
    );
    if (a.json) print(JSON.stringify({ scorecard: card }));
    else {
      print(
        `${instances.length} instances (${instances.filter((i) => i.known === 'YES').length} YES, ${instances.filter((i) => i.known === 'NO').length} NO, ${instances.filter((i) => i.known === null).length} controls) × ${engines.length} engines`,
      );
      print(table);
      print(
        `wrote ${dir}/results.jsonl, scorecard.txt, scorecard.json, accuracy-cost.svg, error-tolerance.svg, meta.json (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
    return 0;
  },
});

function formatThreshold(points: readonly ThresholdPoint[]): string {
  const lines = ['n      β      B/√ln n  exact right  poly degree (cost/exact)'];
  const keys = [...new Set(points.map((p) => `${p.tokens}|${p.beta}`))];
  for (const k of keys) {
    const ps = points.filter((p) => `${p.tokens}|${p.beta}` === k);
    const p0 = ps[0]!;
    const poly = ps
      .map((p) =>
        p.polyDegree !== null ? `${p.polyDegree} (${p.polyCostRatio!.toPrecision(2)})` : `>${p.scannedDegree} (>${p.scannedCostRatio.toPrecision(2)})`,
      )
      .join(', ');
    lines.push(
      `${String(p0.tokens).padEnd(7)}${String(p0.beta).padEnd(7)}${p0.x.toFixed(2).padEnd(9)}${`${ps.filter((p) => p.exactCorrect).length}/${ps.length}`.padEnd(13)}${poly}`,
    );
  }
  return lines.join('\n');
}

function formatSelector(rows: readonly SelectorRow[]): string {
  const lines = ['β      witness mass (queries with one)  dummy mass (queries without)  distinct keys selected'];
  for (const beta of [...new Set(rows.map((r) => r.beta))]) {
    const rs = rows.filter((r) => r.beta === beta);
    const w = rs.filter((r) => r.witnesses > 0);
    const nw = rs.filter((r) => r.witnesses === 0);
    const mean = (xs: number[]): string => (xs.length ? (xs.reduce((s, x) => s + x, 0) / xs.length).toFixed(3) : '–');
    lines.push(
      `${String(beta).padEnd(7)}${mean(w.map((r) => r.witnessMass)).padEnd(33)}${mean(nw.map((r) => r.dummyMass)).padEnd(30)}${new Set(rs.map((r) => r.selected)).size}`,
    );
  }
  const last = rows.filter((r) => r.beta === rows[rows.length - 1]!.beta).slice(0, 8);
  lines.push('', `at β = ${last[0]?.beta}: query → selected key (its weight, witnesses)`);
  for (const r of last) lines.push(`  a${r.query} → ${r.selected} (${r.selectedMass.toFixed(3)}, ${r.witnesses} witnesses)`);
  return lines.join('\n');
}
