#!/usr/bin/env node
// Entry point of the `seth` command. The TypeScript sources are compiled to dist/ by `npm install`
// (the `prepare` script) or `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
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
const { run } = await import(main.href);
process.exitCode = await run(args);
