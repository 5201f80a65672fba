#!/usr/bin/env node
// `npm run docs`: regenerate the README's reductions table, docs/reductions.md and
// docs/reductions.svg from the registry (after `npm run build`). test/docs-sync.test.ts checks them.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { writeDocs } = await import(join(root, 'dist', 'src', 'cli', 'docs.js'));
for (const p of await writeDocs(root)) process.stdout.write(`wrote ${p}\n`);
