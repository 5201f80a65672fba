#!/usr/bin/env node
// Entry point of the `seth` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the `prepare` script) or `npm run build`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// `seth --version` answers before the CLI's module graph is loaded (that takes seconds on a cold
// or loaded machine); yargs prints the same line.
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

// A reader that stops early (`seth check … | head -1`) closes the pipe: end quietly, as `cat` does,
// instead of an unhandled EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('seth: the compiled CLI is missing (dist/). Run `npm install` or `npm run build` first.\n');
  process.exit(2);
}
// The bundle (scripts/bundle-cli.mjs) loads a few files instead of some 250 modules. It is used only
// when every compiled module it was made from, and npm's record of the installed packages, is
// unchanged (dist/cli/inputs.json: some 150 stats, about a millisecond), so an
// edit compiled by a bare `tsc` is never hidden behind a stale bundle. SETH_UNBUNDLED=1 skips it.
const root = fileURLToPath(new URL('..', import.meta.url));
function bundleIsFresh() {
  const manifest = join(root, 'dist', 'cli', 'inputs.json');
  if (process.env.SETH_UNBUNDLED === '1' || !existsSync(manifest)) return false;
  try {
    const { inputs } = JSON.parse(readFileSync(manifest, 'utf8'));
    return inputs.every(([file, mtimeMs]) => statSync(join(root, file), { throwIfNoEntry: false })?.mtimeMs === mtimeMs);
  } catch {
    return false;
  }
}
const entry = bundleIsFresh() ? new URL('../dist/cli/seth.js', import.meta.url) : main;
const { run } = await import(entry.href);
process.exitCode = await run(args);
