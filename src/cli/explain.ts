import type { DecisionReport } from '../check/run.js';
import { isPositive } from '../problems/answer.js';
import { problemSpec } from '../problems/registry.js';
import { formatOptions, optionsOf } from '../reduction/options.js';
import type { AnyReduction } from '../reduction/types.js';

/**
 * The narrative `seth check --explain` prints after the check: what each step of the chain did,
 * with this run's numbers. Each step's sentence is its reduction's own (`explain`), followed by
 * the options it ran with, spelled and described as its declaration says.
 */
export function explainCheck(file: string, r: DecisionReport, reductions: readonly AnyReduction[]): string {
  const s = r.sourceSizes;
  const lines: string[] = [`What seth check just did with ${file}:`, ''];
  let n = 1;
  const step = (text: string): void => {
    lines.push(`${n++}. ${text}`);
  };
  const read =
    problemSpec(r.problem).describeSizes?.(s) ??
    `a ${r.problem} instance (${Object.entries(s)
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ')})`;
  step(`Read ${read}.`);
  for (const st of r.steps) {
    const red = reductions.find((x) => x.id === st.reduction);
    const text = red?.explain
      ? red.explain({ params: st.params, declared: st.declared, options: st.options })
      : `Applied ${st.reduction}${red ? ` (${red.title})` : ''}.`;
    const declared = red ? optionsOf(red) : [];
    const given = formatOptions(declared, st.options);
    const opts = given !== '' ? ` Options: ${given}.` : '';
    step(`${text}${opts}`);
  }
  step(`Evaluated the model: ${r.outputOrigin}.`);
  step(
    `Decoded from X_L alone: the largest accumulator over A tokens is ${r.statistic.toFixed(4)}, ${r.statistic > r.threshold ? 'above' : 'below'} ½ ` +
      `(margin ${r.margin.toFixed(3)}), so the answer is ${r.answer}. Moving every output entry by ±1/(10n) ${r.robustToOutputError ? 'does not change' : 'CHANGES'} it.`,
  );
  if (isPositive(r.answer)) {
    step(
      `Recovered a witness with ${r.recovery.rounds} rounds of single-row evaluations of the same heads (which head fired, then halving B), ` +
        `mapped it back through the chain, and checked it against the original instance: ${r.witnessVerified ? 'it verifies' : 'it does NOT verify'}.`,
    );
  }
  step(`Asked an independent oracle (${r.oracleName}): ${r.oracle ?? 'skipped'}. ${r.agree ? 'They agree.' : r.agree === null ? '' : 'They DISAGREE.'}`);
  lines.push('');
  return lines.join('\n');
}
