import type { z } from 'zod';

/**
 * The one formatter of zod errors: every validation message of the workbench names the failing
 * field the same way, `a.b[3]`, and fits on one line.
 */

/** `["pairs", 1, "B", 2]` → `pairs[1].B[2]`; the empty path is `(top level)`. */
export function zodPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(top level)' : out;
}

/** How the failing field is named: files say `field a.b`, command lines `option --a`. */
export type FieldNamer = (path: string) => string;
export const asField: FieldNamer = (path) => `field ${path}`;
export const asOption: FieldNamer = (path) => `option --${path}`;

/**
 * One line for an error: the first issue with its field (named by `name`), and how many more
 * there are, e.g. `field pairs[1].B[2]: Expected number (and 2 more problems)`.
 */
export function describeZodError(error: z.ZodError, name: FieldNamer = asField): string {
  const issues = error.issues;
  const first = issues[0];
  if (!first) return 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  if (first.code === 'unrecognized_keys') {
    const keys = first.keys.map((k) => name(first.path.length ? `${zodPath(first.path)}.${k}` : k));
    return `unknown ${keys.join(', ')}${more}`;
  }
  return `${name(zodPath(first.path))}: ${first.message}${more}`;
}
