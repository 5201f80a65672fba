import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REDUCTIONS } from '../../reductions/index.js';
import { writeOutputAtomic } from '../io/files.js';
import { renderDotSvg, withSvgComment } from '../plot/graphviz.js';
import { PROBLEMS } from '../problems/registry.js';
import { headerText, reductionsDoc, reductionsTable, spliceTable, SVG_HEADER } from '../reduction/docs.js';
import { registryDot, registryGraph } from '../reduction/graph.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';

/**
 * What `npm run docs` writes, computed from the registry: the README with its reductions table
 * spliced in, docs/reductions.md and docs/reductions.svg (the picture of `seth graph`). The sync
 * test compares these with the committed files.
 */
export async function generatedDocs(root: string): Promise<{ path: string; text: string }[]> {
  const headers = new Map(REDUCTIONS.map((r) => [r.id, headerText(readFileSync(join(root, 'reductions', `${r.id}.ts`), 'utf8'))]));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const svg = withSvgComment(await renderDotSvg(registryDot(registryGraph(PROBLEMS, REDUCTIONS))), `${TOOL_NAME} ${TOOL_VERSION}: ${SVG_HEADER}`);
  return [
    { path: 'README.md', text: spliceTable(readme, reductionsTable(REDUCTIONS, PROBLEMS)) },
    { path: 'docs/reductions.md', text: reductionsDoc(REDUCTIONS, PROBLEMS, headers) },
    { path: 'docs/reductions.svg', text: svg },
  ];
}

export async function writeDocs(root: string): Promise<string[]> {
  const files = await generatedDocs(root);
  for (const f of files) writeOutputAtomic(join(root, f.path), f.text);
  return files.map((f) => f.path);
}
