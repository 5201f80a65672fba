#!/usr/bin/env node
// Build the native engine's addon (src/engine/native/, binding.gyp) with node-gyp into
// src/engine/native/build/Release/seth_native.node. Run by `npm install` (the install script) and
// `npm run build:native`. It never fails the install: a failure prints one warning line, records
// the reason in src/engine/native/build/FAILED (the engine repeats it when it falls back to wasm)
// and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'src', 'engine', 'native');
const build = join(dir, 'build');
const addon = join(build, 'Release', 'seth_native.node');
const failed = join(build, 'FAILED');

/** node-gyp: the one npm runs install scripts with ($npm_config_node_gyp), else npm's own copy. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  for (const base of [join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm'), join(dirname(process.execPath), 'node_modules', 'npm')]) {
    candidates.push(join(base, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency of this project; fine
  }
  return candidates.find((c) => c && existsSync(c));
}

/** Node's headers: npm's nodedir setting, else the ones installed beside this node binary. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const beside = join(dirname(process.execPath), '..');
  return existsSync(join(beside, 'include', 'node', 'common.gypi')) ? beside : undefined;
}

function upToDate() {
  if (!existsSync(addon)) return false;
  const built = statSync(addon).mtimeMs;
  return readdirSync(dir)
    .filter((f) => /\.(cc|h|gyp)$/.test(f) && !f.startsWith('selftest'))
    .every((f) => statSync(join(dir, f)).mtimeMs <= built);
}

function main() {
  if (process.env.SETH_SKIP_NATIVE) return 'SETH_SKIP_NATIVE is set';
  if (upToDate() && !process.argv.includes('--force')) return null;
  const gyp = findNodeGyp();
  if (!gyp) return 'node-gyp not found (it ships with npm)';
  const args = [gyp, 'rebuild', '--release'];
  const nodedir = findNodeDir();
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, JOBS: process.env.JOBS ?? '2' } });
  if (r.error) return `node-gyp did not run: ${r.error.message}`;
  if (r.status !== 0 || !existsSync(addon)) {
    const lines = `${r.stderr}\n${r.stdout}`.split('\n');
    const first = lines.find((l) => /error:|Error:|gyp ERR! (stack Error|configure error)/.test(l)) ?? `node-gyp exited with ${r.status}`;
    return first
      .replace(/^gyp ERR! /, '')
      .trim()
      .slice(0, 300);
  }
  return null;
}

let problem;
try {
  problem = main();
} catch (e) {
  problem = String(e && e.message ? e.message : e).split('\n')[0];
}
if (problem) {
  mkdirSync(build, { recursive: true });
  writeFileSync(failed, problem + '\n');
  console.warn(`warning: native engine not built (${problem}); the wasm engine will be used`);
} else {
  rmSync(failed, { force: true });
  if (!process.env.npm_lifecycle_event || process.argv.includes('--verbose')) console.log(`native engine built: ${addon}`);
}
