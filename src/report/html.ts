import type { DecisionReport as CheckReport } from '../check/run.js';
import { renderSvg } from '../plot/render.js';
import type { TransformerModel } from '../problems/transformer.js';
import type { RunRecord } from '../provenance.js';
import { accumulatorSpec, attentionSpec, decisionFigures, firingSpec, marginsSpec, timingsSpec } from './figures.js';

/**
 * `seth check … --report FILE.html`: one self-contained HTML file (styles inline, figures as inline
 * SVG rendered in Node by src/plot/render.ts; no script, no font, no request to any network) that
 * opens anywhere. One input: the chain with declared and measured sizes, the decision (statistic,
 * threshold, margin, tolerance), the figures of `decisionFigures`, timings and the run record.
 * A batch: the summary table, margins and timings of every input, then the details of the
 * inputs that most need a look (disagreements first, then the smallest margins).
 */
export interface ReportEntry {
  input: string;
  report?: CheckReport;
  /** The model and X_L behind the decision (for the figures); absent when not kept. */
  model?: TransformerModel;
  output?: Float64Array;
  /** A failure of this input (bad file, refusal), instead of a report. */
  error?: string;
  /** The input's record (tool, instance fingerprint, run). */
  record?: { instance?: string; run?: RunRecord };
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:980px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f6f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1a7f37}.bad{color:#c0392b;font-weight:bold}.muted{color:#777}
figure{margin:1em 0}figure svg{max-width:100%;height:auto}
pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}
code{font-size:12px}
`;

const mark = (b: boolean | null): string => (b === null ? '<span class="muted">–</span>' : b ? '<span class="ok">✓</span>' : '<span class="bad">✗</span>');
const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const fmtNum = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(6));

async function figure(spec: Parameters<typeof renderSvg>[0], caption: string, id: string): Promise<string> {
  const svg = await renderSvg(spec);
  return `<figure id="${id}" data-figure="${id}">${svg}<figcaption class="muted">${esc(caption)}</figcaption></figure>`;
}

function chainTable(r: CheckReport): string {
  const rows = r.steps.flatMap((s) =>
    Object.keys(s.declared).map(
      (k) =>
        `<tr><td>${esc(s.reduction)}</td><td>${esc(k)}</td><td><code>${esc(s.formulas[k] ?? '')}</code></td><td class="num">${fmtNum(s.declared[k]!)}</td><td class="num">${fmtNum(s.measured[k]!)}</td><td>${mark(s.measured[k] === s.declared[k])}</td></tr>`,
    ),
  );
  return `<table class="chain"><tr><th>reduction</th><th>size</th><th>declared formula</th><th>declared</th><th>measured</th><th></th></tr>${rows.join('')}</table>`;
}

function witnessText(w: unknown): string {
  return Array.isArray(w) ? w.join(' ') : w === null || w === undefined ? '—' : JSON.stringify(w);
}

async function detail(e: ReportEntry, index: number): Promise<string> {
  const r = e.report!;
  const p = r.params;
  const parts: string[] = [
    `<h2 id="input-${index}">${esc(e.input)}</h2>`,
    `<table>
<tr><th>instance</th><td>${esc(r.problem)}: ${esc(
      Object.entries(r.sourceSizes)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', '),
    )}${e.record?.instance ? ` <span class="muted">(${esc(e.record.instance)})</span>` : ''}</td></tr>
<tr><th>chain</th><td>${esc(r.chain.join(' → '))}</td></tr>
<tr><th>model</th><td>tokens ${p.tokens} · width ${p.width} · layers ${p.layers} · heads ${p.heads} · max|entry| ${fmtNum(p.maxAbsEntry)}${p.beta !== null ? ` · β = ${p.beta}` : ''}</td></tr>
<tr><th>output</th><td>${esc(r.outputOrigin)}</td></tr>
<tr><th>decision</th><td>statistic ${r.statistic.toFixed(6)} vs threshold ${r.threshold} → margin ${r.margin.toFixed(4)}; ${mark(r.robustToOutputError)} unchanged with every output entry moved by ±ε = ±${r.tolerance.toExponential(2)}</td></tr>
<tr><th>answer</th><td>${esc(r.answer)} (decoded from X_L); oracle ${esc(r.oracle ?? 'skipped')} (${esc(r.oracleName)}) ${mark(r.agree)}</td></tr>
<tr><th>witness</th><td><code>${esc(witnessText(r.witness))}</code> ${r.witnessVerified === null ? '' : r.witnessVerified ? '<span class="ok">✓ verified against the source instance</span>' : '<span class="bad">✗ NOT VERIFIED</span>'}</td></tr>
<tr><th>recovery</th><td>${r.recovery.rounds} rounds, ${r.recovery.headEvaluations} single-row head evaluations, ${r.recovery.scoredPairs} query–key pairs (${(100 * r.recovery.fractionOfForwardPairs).toFixed(3)}% of the forward pass)</td></tr>
<tr><th>time</th><td>forward ${fmtMs(r.timingsMs.forward)}, evaluate ${fmtMs(r.timingsMs.evaluate)}, decode ${fmtMs(r.timingsMs.decode)}, oracle ${fmtMs(r.timingsMs.oracle)}, total ${fmtMs(r.timingsMs.total)}</td></tr>
</table>`,
    '<h3>Sizes along the chain</h3>',
    chainTable(r),
  ];
  const f = e.model && e.output ? decisionFigures(e.model, e.output, r.threshold, r.tolerance) : undefined;
  if (f) {
    parts.push(
      '<h3>The decision, read from X_L</h3>',
      await figure(
        accumulatorSpec(f),
        `Every A token's accumulator; the answer is ${r.answer} because the largest (${r.statistic.toFixed(4)}) is ${r.statistic > r.threshold ? 'above' : 'below'} ${r.threshold}. The yellow band is threshold ± ε.`,
        `acc-${index}`,
      ),
      await figure(
        firingSpec(f, p.heads),
        `Contribution of each of the ${f.firing.length} heads to each A token's accumulator (≈1: the head found a B vector orthogonal to a∘c).`,
        `firing-${index}`,
      ),
      await figure(
        attentionSpec(f),
        `Softmax weights of head L${f.head.layer}·H${f.head.head} for query A token ${f.query}: the decisive query, and the head contributing most to its accumulator.`,
        `attention-${index}`,
      ),
    );
  } else parts.push('<p class="muted">No decision figures: the model records no accumulator layout (or was not kept).</p>');
  parts.push(
    await figure(
      timingsSpec(['forward', 'evaluate', 'decode', 'oracle'].map((phase) => ({ input: e.input, phase, ms: r.timingsMs[phase as 'forward'] }))),
      'Time per phase of this check.',
      `time-${index}`,
    ),
  );
  if (e.record?.run) parts.push(`<details><summary>Run record</summary><pre>${esc(JSON.stringify(e.record.run, null, 1))}</pre></details>`);
  return parts.join('\n');
}

function agreeLabel(r: CheckReport): string {
  return r.agree === null ? 'no oracle' : r.agree ? 'agree' : 'DISAGREE';
}

/** The whole page for one or more checked inputs. */
export async function renderReport(entries: readonly ReportEntry[], title: string, run?: RunRecord): Promise<string> {
  const done = entries.filter((e) => e.report);
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  if (entries.length > 1) {
    const agree = done.filter((e) => e.report!.agree === true).length;
    const verified = done.filter((e) => e.report!.witnessVerified === true).length;
    const positives = done.filter((e) => e.report!.witnessVerified !== null).length;
    const margins = done.map((e) => e.report!.margin);
    const total = done.reduce((s, e) => s + e.report!.timingsMs.total, 0);
    body.push(
      `<p>${done.length} of ${entries.length} inputs decided; ${agree} agree with the oracle; ${verified} of ${positives} witnesses verified; margin min ${margins.length ? Math.min(...margins).toFixed(4) : '–'}; ${fmtMs(total)} of checking.</p>`,
      '<table class="summary"><tr><th>#</th><th>input</th><th>answer</th><th>oracle</th><th>agree</th><th>witness</th><th>margin</th><th>time</th></tr>' +
        entries
          .map((e, i) =>
            e.report
              ? `<tr><td class="num">${i + 1}</td><td>${esc(e.input)}</td><td>${esc(e.report.answer)}</td><td>${esc(e.report.oracle ?? '–')}</td><td>${mark(e.report.agree)}</td><td>${mark(e.report.witnessVerified)}</td><td class="num">${e.report.margin.toFixed(4)}</td><td class="num">${fmtMs(e.report.timingsMs.total)}</td></tr>`
              : `<tr><td class="num">${i + 1}</td><td>${esc(e.input)}</td><td colspan="6" class="bad">${esc(e.error ?? 'failed')}</td></tr>`,
          )
          .join('') +
        '</table>',
    );
    if (done.length > 0) {
      body.push(
        await figure(
          marginsSpec(done.map((e) => ({ input: e.input, margin: e.report!.margin, agree: agreeLabel(e.report!) }))),
          'Margin of every decided input.',
          'margins',
        ),
      );
      body.push(
        await figure(
          timingsSpec(
            done.flatMap((e) =>
              (['forward', 'evaluate', 'decode', 'oracle'] as const).map((phase) => ({ input: e.input, phase, ms: e.report!.timingsMs[phase] })),
            ),
          ),
          'Time per phase of every decided input.',
          'timings',
        ),
      );
    }
  }
  // Details: one input in full; of a batch, the disagreements and then the smallest margins (at most 3).
  const ranked =
    entries.length === 1
      ? done
      : [...done].sort((a, b) => Number(a.report!.agree !== false) - Number(b.report!.agree !== false) || a.report!.margin - b.report!.margin).slice(0, 3);
  if (entries.length > 1 && ranked.length > 0) body.push('<h2>Inputs in detail</h2><p class="muted">Disagreements first, then the smallest margins.</p>');
  for (const e of ranked) body.push(await detail(e, entries.indexOf(e)));
  for (const e of entries.length === 1 ? entries.filter((x) => x.error) : []) body.push(`<p class="bad">${esc(e.input)}: ${esc(e.error!)}</p>`);
  if (run) body.push(`<h2>Run record</h2><pre>${esc(JSON.stringify(run, null, 1))}</pre>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
