#!/usr/bin/env node
// `npm install`'s prepare step: compile the TypeScript to dist/ and the WebAssembly kernels to
// build/, each only when its output is missing or older than its sources. npm runs prepare again
// the first time `npx seth` is used inside the project (it links the project into its npx cache),
// so an up-to-date checkout must cost a walk over the sources, not a full build (about a minute
// on a loaded machine).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest modification time under the given files and folders (0 when none exist). */
function newest(paths) {
  let t = 0;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const e of readdirSync(p)) visit(join(p, e));
    else t = Math.max(t, s.mtimeMs);
  };
  for (const p of paths) visit(join(root, p));
  return t;
}

function mtime(p) {
  const f = join(root, p);
  return existsSync(f) ? statSync(f).mtimeMs : -1;
}

function run(script) {
  const r = spawnSync(process.execPath, script, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// tsc: the inputs of tsconfig.build.json. The stamp is written only after a build that succeeded.
const stamp = 'dist/.prepare-stamp';
const tsInputs = ['src', 'reductions', 'bench', 'test/fuzz', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
if (mtime(stamp) < newest(tsInputs)) {
  run([join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  writeFileSync(join(root, stamp), `${new Date().toISOString()}\n`);
}

// The CLI bundle (never fails the install: without it bin/seth.js runs the unbundled dist/).
if (mtime('dist/cli/seth.js') < mtime('dist/src/cli/main.js')) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'bundle-cli.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.stderr.write('prepare: the CLI bundle was not built; seth runs unbundled\n');
}

// The wasm kernels (build-wasm.mjs never fails the install: it warns and the engine falls back).
const wasmOut = Math.min(mtime('build/attention-simd.wasm'), mtime('build/attention-relaxed.wasm'));
if (wasmOut < newest(['asm', 'scripts/build-wasm.mjs'])) run([join(root, 'scripts', 'build-wasm.mjs')]);
