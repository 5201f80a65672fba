#!/usr/bin/env node
// Build the attention kernels (asm/attention.ts, AssemblyScript) into build/:
//   build/attention-simd.wasm      128-bit SIMD, shared memory
//   build/attention-relaxed.wasm   the same with relaxed SIMD (fused multiply-add)
// Run by `npm install` (prepare) and `npm run build:wasm`. A failure prints one warning line and
// exits 0: the engine then falls back to the reference engine with a one-line warning.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'asm', 'attention.ts');
const out = join(root, 'build');
const common = [
  source,
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '2',
  '--maximumMemory',
  '65536',
  '--disableWarning',
];
const variants = [
  { file: 'attention-simd.wasm', features: 'simd,threads' },
  { file: 'attention-relaxed.wasm', features: 'simd,threads,relaxed-simd' },
];

async function main() {
  let asc;
  try {
    asc = (await import('assemblyscript/asc')).default;
  } catch (e) {
    return `assemblyscript is not installed (${e.message.split('\n')[0]})`;
  }
  mkdirSync(out, { recursive: true });
  for (const v of variants) {
    const target = join(out, v.file);
    const chunks = [];
    const sink = { write: (s) => (chunks.push(String(s)), true) };
    const { error } = await asc.main([...common, '--enable', v.features, '-o', target], { stdout: sink, stderr: sink });
    if (error) {
      rmSync(target, { force: true });
      const first =
        chunks
          .join('')
          .split('\n')
          .find((l) => /ERROR|error/.test(l)) ?? error.message;
      return `${v.file}: ${first.trim()}`;
    }
  }
  return null;
}

main().then(
  (problem) => {
    if (problem) console.warn(`warning: wasm kernels not built (${problem}); the reference engine will be used`);
    else if (!process.env.npm_lifecycle_event || process.argv.includes('--verbose')) console.log(`wasm kernels built in ${out}`);
  },
  (e) => console.warn(`warning: wasm kernels not built (${String(e && e.message ? e.message : e).split('\n')[0]}); the reference engine will be used`),
);
