import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project's one root finder: the nearest folder above this file whose package.json is
 * seth-workbench's (the same from src/ under vitest and from dist/src/). Build outputs (build/,
 * dist/, the native addon) and the Python package are found from here.
 */
function findProject(): { root: string; name: string; version: string } | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'seth-workbench') return { root: dir, name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : '0.0.0' };
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const project = findProject();
export const TOOL_NAME: string = project?.name ?? 'seth-workbench';
export const TOOL_VERSION: string = project?.version ?? '0.0.0';
/** Project root (the folder holding seth-workbench's package.json; the working folder if none is found). */
export const PROJECT_ROOT: string = project?.root ?? process.cwd();
