import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** Compile once so that end-to-end tests run the same `bin/seth.js` a user runs. */
export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  // tsc rewrote every module, so the CLI bundle is stale: rebuild it, since bin/seth.js runs it when fresh
  // (without esbuild it stays stale and bin/seth.js runs the unbundled CLI; test/cli-bundle.test.ts says so in CI).
  try {
    execFileSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
  } catch {
    // bundle-cli.mjs printed why.
  }
  // The wasm engine's kernels: npm install builds them; rebuild when missing or older than asm/.
  const wasm = join(root, 'build', 'attention-simd.wasm');
  const source = join(root, 'asm', 'attention.ts');
  if (!existsSync(wasm) || (existsSync(source) && statSync(source).mtimeMs > statSync(wasm).mtimeMs)) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-wasm.mjs')], { cwd: root, stdio: 'inherit' });
  }
  // The native engine's addon: npm install builds it; the script rebuilds only when a source is newer.
  execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs')], { cwd: root, stdio: 'inherit' });
}
