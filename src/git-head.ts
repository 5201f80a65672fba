import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const COMMIT = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * The commit HEAD names in the git checkout at `root`, or undefined where `root` is no checkout (an
 * npm install) or git cannot tell. Read from the repository's files (HEAD, the loose ref, then
 * packed-refs; a linked worktree's `.git` file and its `commondir` followed), which costs no
 * process: spawning `git rev-parse HEAD` was about a tenth of the start-up of a small `seth check`
 * on a loaded machine. A layout this does not know (reftable, a symbolic ref chain) falls back to
 * asking git.
 */
export function gitHead(root: string): string | undefined {
  const dotGit = join(root, '.git');
  if (!existsSync(dotGit)) return undefined;
  return headFromFiles(dotGit) ?? headFromGit(root);
}

function headFromFiles(dotGit: string): string | undefined {
  try {
    const gitDir = statSync(dotGit).isDirectory() ? dotGit : linkedGitDir(dotGit);
    if (gitDir === undefined) return undefined;
    const commonDir = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (COMMIT.test(head)) return head;
    const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
    if (ref === undefined || ref.split('/').includes('..')) return undefined;
    // A worktree's own refs (HEAD-like, bisect) live in its git dir; branches in the common one.
    for (const dir of [gitDir, commonDir]) {
      const loose = join(dir, ref);
      if (existsSync(loose)) {
        const sha = readFileSync(loose, 'utf8').trim();
        return COMMIT.test(sha) ? sha : undefined;
      }
    }
    const packed = join(commonDir, 'packed-refs');
    if (!existsSync(packed)) return undefined;
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha !== undefined && COMMIT.test(sha)) return sha;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

/** A linked worktree's `.git` is a file: `gitdir: PATH`. */
function linkedGitDir(dotGitFile: string): string | undefined {
  const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGitFile, 'utf8'));
  return m?.[1] === undefined ? undefined : resolve(join(dotGitFile, '..'), m[1].trim());
}

function headFromGit(root: string): string | undefined {
  try {
    const out = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return COMMIT.test(out) ? out : undefined;
  } catch {
    // No git on this machine: the version alone must do.
    return undefined;
  }
}
