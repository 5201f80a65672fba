/**
 * gitHead reads the commit from the repository's files; git itself (`git rev-parse HEAD`) is the
 * independent answer, in every layout it reads: a branch as a loose ref, a packed ref, a detached
 * HEAD, a linked worktree (its `.git` is a file), a fresh repository with no commit, no repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitHead } from '../src/git-head.js';
import { ROOT } from './helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'seth-git-'));
  dirs.push(d);
  return d;
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8' }).trim();
const truth = (cwd: string): string => git(cwd, 'rev-parse', 'HEAD');

function repoWithCommits(n: number): string {
  const d = tempDir();
  git(d, 'init', '-q');
  for (let i = 0; i < n; i++) {
    writeFileSync(join(d, 'f'), String(i));
    git(d, 'add', 'f');
    git(d, 'commit', '-q', '-m', `c${i}`);
  }
  return d;
}

let hasGit = true;
try {
  execFileSync('git', ['--version'], { stdio: 'ignore' });
} catch {
  hasGit = false;
}

describe.runIf(hasGit)('gitHead agrees with git rev-parse HEAD', () => {
  it('this checkout', () => {
    expect(gitHead(ROOT)).toBe(truth(ROOT));
  });

  it('a branch as a loose ref, then packed (git pack-refs), then detached', () => {
    const d = repoWithCommits(2);
    expect(gitHead(d)).toBe(truth(d));
    git(d, 'pack-refs', '--all');
    expect(gitHead(d)).toBe(truth(d));
    git(d, 'checkout', '-q', '--detach', 'HEAD~1');
    expect(gitHead(d)).toBe(truth(d));
  });

  it('a linked worktree on its own branch, then on a packed one', () => {
    const d = repoWithCommits(2);
    const wt = join(tempDir(), 'wt');
    git(d, 'worktree', 'add', '-q', '-b', 'side', wt, 'HEAD~1');
    expect(gitHead(wt)).toBe(truth(wt));
    expect(gitHead(wt)).not.toBe(gitHead(d));
    git(d, 'pack-refs', '--all');
    expect(gitHead(wt)).toBe(truth(wt));
  });

  it('a repository without a commit, and a folder that is none: undefined', () => {
    const d = tempDir();
    git(d, 'init', '-q');
    expect(gitHead(d)).toBeUndefined();
    expect(gitHead(tempDir())).toBeUndefined();
  });

  it('a HEAD it cannot read falls back to git, and garbage gives undefined', () => {
    const d = repoWithCommits(1);
    writeFileSync(join(d, '.git', 'HEAD'), 'ref: refs/heads/../../escape\n');
    expect(gitHead(d)).toBeUndefined();
  });
});
