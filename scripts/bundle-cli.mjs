#!/usr/bin/env node
// Bundle the compiled CLI (dist/src/cli/main.js and everything it imports) into dist/cli/, so that
// `seth` starts by loading a handful of files instead of about 250 modules (zod alone is 95): on a
// small `seth check` that is a quarter of the process's CPU time, spent resolving, reading and
// linking modules. Code splitting keeps the commands' lazy imports lazy (a check never loads the
// ONNX protobufs or the plotting libraries).
//
// Every `import.meta.url` is rewritten to the URL its module has in the unbundled dist/ tree, so
// that paths found relative to a module (the wasm worker, the project root, the native addon) are
// exactly those of the unbundled CLI, which stays in dist/ as the fallback bin/seth.js uses when
// this bundle is missing or stale: dist/cli/inputs.json lists the compiled modules it was made from
// and npm's record of the installed packages, with their modification times, and bin/seth.js uses
// the bundle only when all of them are unchanged.
//
// Written as a unit: into a temporary folder, then renamed over dist/cli/. Exits 1 on failure
// (prepare.mjs then warns and the unbundled CLI is used).
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'cli');
const tmp = `${out}.tmp-${process.pid}`;

/** Packages loaded at run time by path or by createRequire, or optional: never bundled. */
const EXTERNAL = ['onnxruntime-node', 'logic-solver', 'onnx-proto', 'protobufjs', 'playwright-core'];

/** Rewrites import.meta.url of every compiled module to its own location in dist/ (see above). */
const moduleUrls = {
  name: 'module-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!args.path.startsWith(dist + sep) || !text.includes('import.meta.url')) return undefined;
      // Every output file lies directly in dist/cli/ (chunkNames has no folder), so one relative path serves every chunk.
      const rel = relative(out, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('bundle-cli: esbuild is not installed; seth runs unbundled (slower start-up)\n');
  process.exit(1);
}

try {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { seth: join(dist, 'src', 'cli', 'main.js') },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: '[name]-[hash]',
    external: EXTERNAL,
    // Bundled CommonJS packages (yargs' helpers, seedrandom) call require for Node's built-ins.
    banner: { js: "import { createRequire as __sethCreateRequire } from 'node:module'; const require = __sethCreateRequire(import.meta.url);" },
    plugins: [moduleUrls],
    logLevel: 'error',
    metafile: true,
  });
  // The compiled modules one by one; the packages through npm's record of what it installed, which
  // every npm install rewrites (a stat per package file would cost more start-up than it saves).
  const files = Object.keys(result.metafile.inputs)
    .map((input) => join(root, input))
    .filter((file) => file.startsWith(dist + sep));
  files.push(join(root, 'node_modules', '.package-lock.json'));
  const inputs = [];
  for (const file of files) inputs.push([relative(root, file).split(sep).join('/'), (await stat(file)).mtimeMs]);
  await writeFile(join(tmp, 'inputs.json'), `${JSON.stringify({ inputs })}\n`);
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
} catch (e) {
  await rm(tmp, { recursive: true, force: true });
  process.stderr.write(`bundle-cli: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\n`);
  process.exit(1);
}
