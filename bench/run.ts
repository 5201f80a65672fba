/**
 * `npm run bench`: exact attention of every engine against numpy and PyTorch, with the machine's
 * measured FMA peak; the whole SETH chain on SATLIB uf20-91; the latency of one `seth check`
 * process; the fitted exponents of time against tokens and against L·H; the brute-force oracles.
 * Prints markdown tables and writes bench/results.json and bench/exponent-*.svg (a --quick or --only
 * run writes them to bench/partial/ instead); a full run also rewrites the marked tables of
 * README.md and docs/engines.md (bench/tables.ts).
 *
 *   node dist/bench/run.js [--quick] [--only attention,oracle,chain,latency,fit] [--runs R] [--isa auto|avx2|avx512]
 *
 * --isa builds the native engines and the FMA peak loop for that instruction set (auto: AVX-512F
 * where the CPU has it), so that on an AVX-512 machine the AVX2 path is measured against the AVX2 peak.
 *
 * Timings are medians of R (default 7, at least 5) runs after one warm-up. Never a unit test.
 * Seams: util.ts (arguments, timing), machine.ts (machine, FMA peak), peer.ts (numpy/torch
 * processes), attention.ts, oracles.ts, chain.ts (chain and latency), fits.ts, plots.ts, tables.ts.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { loadNativeAddon } from '../src/engine/native/addon.js';
import { createNativeEngine, type NativeEngine } from '../src/engine/native/engine.js';
import { createEngine, DEFAULT_ENGINE } from '../src/engine/registry.js';
import { torchPython } from '../src/engine/torch.js';
import { createWasmEngine } from '../src/engine/wasm.js';
import { writeOutputAtomic } from '../src/io/files.js';
import { defaultBudget } from '../src/memory.js';
import { PROJECT_ROOT, TOOL_NAME, TOOL_VERSION } from '../src/version.js';
import { benchAttention } from './attention.js';
import { benchChain, benchLatency } from './chain.js';
import { benchFits } from './fits.js';
import { cpuTicks, machine, numpyInfo, PeakMeter, stolenBetween } from './machine.js';
import { benchOracles } from './oracles.js';
import { fitSpec, plotWithProvenance } from './plots.js';
import { regenerateDocs, tablesOf, type BenchResults } from './tables.js';
import { BENCH, SECTIONS, TMP, parseArgs, type Args } from './util.js';

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    // Bad arguments: one line and exit 2, never a stack trace.
    console.error(`bench: ${(e as Error).message}`);
    process.exit(2);
  }
  // Only a full run replaces the committed bench/results.json and plots; --quick or --only runs
  // write to bench/partial/ (git-ignored) so that they never clobber them with partial data.
  const full = !args.quick && args.only.size === SECTIONS.length;
  const out = full ? BENCH : join(BENCH, 'partial');
  const wasmF64 = await createWasmEngine('f64');
  const wasmF32 = await createWasmEngine('f32');
  let nativeF64: NativeEngine | undefined;
  let nativeF32: NativeEngine | undefined;
  let nativeProblem = '';
  try {
    nativeF64 = await createNativeEngine('f64', { isa: args.isa });
    nativeF32 = await createNativeEngine('f32', { isa: args.isa });
  } catch (e) {
    nativeProblem = (e as Error).message;
    // An instruction set asked for by name must be measured, not silently skipped.
    if (args.isa !== 'auto') {
      console.error(`bench: --isa ${args.isa}: ${nativeProblem}`);
      process.exit(2);
    }
    console.error(`native: skipped (${nativeProblem})`);
  }
  const peak = nativeF64 ? new PeakMeter(loadNativeAddon(), nativeF64.threads, nativeF64.isa) : undefined;
  const np = numpyInfo();
  // The bench is not a `seth` subcommand: record the command that actually ran.
  const provenance: Record<string, unknown> = {
    tool: TOOL_NAME,
    version: TOOL_VERSION,
    command: ['npm run bench', ...process.argv.slice(2)].join(' '),
    seed: 20240611,
    date: new Date().toISOString(),
  };
  const m = machine({
    nativeIsa: nativeF64 ? nativeF64.isa : `absent (${nativeProblem})`,
    nativeThreads: nativeF64?.threads ?? 0,
    wasmKernel: wasmF64.variant === 'relaxed' ? 'relaxed SIMD (FMA)' : 'SIMD (no FMA)',
    wasmThreads: wasmF64.threads,
    python: np?.python ?? 'absent',
    numpy: np?.numpy ?? 'absent',
  });
  const ticksAtStart = cpuTicks();
  const results: BenchResults & Record<string, unknown> = { provenance, machine: m, runs: args.runs, quick: args.quick };
  const report: string[] = [
    `Machine: ${m.cpu} (${m.cpuFlags}), ${m.cores} cores, ${m.memoryGiB} GiB, load average ${m.loadAverageAtStart} at the start; Node ${m.node} (V8 ${m.v8}); ` +
      `native: ${m.nativeIsa} on ${m.nativeThreads} threads; wasm: ${m.wasmKernel} on ${m.wasmThreads} worker threads; python ${m.python}, numpy ${m.numpy}.`,
  ];
  try {
    if (args.only.has('attention')) {
      const { rows, peers } = await benchAttention(args, {
        ...(nativeF64 && nativeF32 ? { nativeF64, nativeF32 } : {}),
        wasmF64,
        wasmF32,
        numpyPython: np ? 'python3' : null,
        torchPython: torchPython(),
        ...(peak ? { peak } : {}),
      });
      results.attention = { rows, peers, note: 'GFLOP = 4·n²·d per head; medians; peak = the FMA loop measured between the runs; ratios within this run' };
      const t = tablesOf(results);
      report.push(`\n### Exact attention: GFLOP/s (fraction of the FMA peak measured in the same run), median of ${args.runs} runs\n`);
      report.push(t.attention!);
      if (t['attention-cpu']) {
        report.push(
          '\nThe native engine per CPU-second of this process against the FMA loop per CPU-second (robust to the load: both count only the cycles this process got):\n',
        );
        report.push(t['attention-cpu']);
      }
      report.push('\nRatios of GFLOP/s in this run:\n');
      report.push(t.ratios!);
      report.push('\nms:\n');
      report.push(t['attention-ms']!);
      report.push(
        '\nmax |engine − reference|: ' +
          rows
            .map(
              (r) =>
                `${r.name}: ${Object.entries(r.maxAbsErrVsReference)
                  .map(([k, v]) => `${k} ${v === null || v === undefined ? '—' : v.toExponential(1)}`)
                  .join(', ')}`,
            )
            .join('; '),
      );
      report.push(`peers: ${JSON.stringify(peers)}`);
    }
    if (args.only.has('oracle')) {
      results.oracles = await benchOracles(args);
      report.push('\n### Brute-force oracles (one core)\n');
      report.push(tablesOf(results).oracles!);
    }
    if (args.only.has('chain')) {
      results.chain = await benchChain(args);
      report.push(`\n### The whole chain: SATLIB uf20-91 → 3-OV → transformer (L = 2, H = 2) → ${DEFAULT_ENGINE} f64 → decode → witness\n`);
      report.push(results.chain ? tablesOf(results).chain! : '(../shared/data/satlib/uf20-91 not found)');
    }
    if (args.only.has('latency')) {
      results.latency = await benchLatency(args);
      report.push('\n### Latency: one `seth check` process on one uf20-91 file (L = H = 2), medians\n');
      report.push(results.latency ? tablesOf(results).latency! : '(../shared/data/satlib/uf20-91 not found)');
    }
    if (args.only.has('fit')) {
      const engine = (await createEngine(DEFAULT_ENGINE, 'f64', { budget: defaultBudget() })).engine;
      try {
        const fits = await benchFits(args, engine);
        results.fits = fits;
        mkdirSync(out, { recursive: true });
        const tokensPlot = fitSpec(fits.tokens, `${fits.engine}: time vs tokens (L·H = 4, d = ${fits.dim})`, 'tokens n = 2N + 1');
        const lhPlot = fitSpec(fits.lh, `${fits.engine}: time vs L·H (n = ${fits.lh.points[0]?.tokens}, d = ${fits.dim})`, 'L·H');
        writeOutputAtomic(join(out, 'exponent-tokens.svg'), await plotWithProvenance(tokensPlot, provenance));
        writeOutputAtomic(join(out, 'exponent-lh.svg'), await plotWithProvenance(lhPlot, provenance));
        report.push(`\n### Fitted exponents (${fits.engine}, engine evaluate only, 3-OV → transformer instances)\n`);
        report.push(tablesOf(results).fits!);
        report.push(`\nPlots: ${relative(PROJECT_ROOT, join(out, 'exponent-tokens.svg'))}, ${relative(PROJECT_ROOT, join(out, 'exponent-lh.svg'))}`);
      } finally {
        await engine.close?.();
      }
    }
  } finally {
    await wasmF64.close();
    await wasmF32.close();
    await nativeF64?.close();
    await nativeF32?.close();
    rmSync(TMP, { recursive: true, force: true });
  }
  m.loadAverageAtEnd = loadavg()[0]!.toFixed(1);
  const stolen = stolenBetween(ticksAtStart, cpuTicks());
  if (stolen !== null) m.cpuStolenPercent = Number((100 * stolen).toFixed(1));
  report.push(
    `\nLoad average at the end: ${m.loadAverageAtEnd}.` +
      (stolen === null ? '' : ` CPU time the hypervisor gave to other guests during the bench: ${(100 * stolen).toFixed(1)} % of this machine's.`),
  );
  results.report = report.join('\n');
  mkdirSync(out, { recursive: true });
  writeOutputAtomic(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(report.join('\n'));
  console.log(`\nwrote ${relative(PROJECT_ROOT, join(out, 'results.json'))}`);
  if (full) for (const f of regenerateDocs(join(out, 'results.json'))) console.log(`updated the tables of ${relative(PROJECT_ROOT, f)}`);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${(e as Error).stack ?? String(e)}`);
  process.exit(1);
});
