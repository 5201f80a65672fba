/**
 * `seth check --report`: the HTML report opens in a real headless browser (Debian's chromium,
 * driven by playwright-core) with no console error, no request to any network, and figures with
 * the expected marks: one point per A token, one cell per head × A token, one cell per key.
 * Skipped (with the reason) where no chromium is installed; CI installs it (.ci/run).
 */
import type { BrowserContext } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOk, newTmp, seth } from './helpers/cli.js';

export const CHROMIUM = process.env.SETH_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

// CI (.ci/run) installs chromium and sets SETH_REQUIRE_CHROMIUM: there a missing browser is a failure, not a skip.
it.runIf(process.env.SETH_REQUIRE_CHROMIUM === '1')('chromium is installed where CI requires it', () => {
  expect(haveChromium, `${CHROMIUM} is missing`).toBe(true);
});

type Browser = BrowserContext;

/** Open a local HTML file; collect console errors, page errors and every request that left the file. */
export async function openPage(browser: Browser, file: string) {
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:')) requests.push(r.url());
  });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, errors, requests };
}

describe.skipIf(!haveChromium)(`the HTML report in headless chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let dir = '';
  beforeAll(async () => {
    dir = newTmp('report');
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '10', '--clauses', '40', '--planted', '--seed', '5', '-o', join(dir, 'f.cnf')]));
    expectOk(expect, await seth(['check', join(dir, 'f.cnf'), '-L', '2', '-H', '2', '--report', join(dir, 'r.html')]));
    expectOk(expect, await seth(['gen', 'ksat', '--vars', '9', '--clauses', '38', '--seed', '6', '-o', join(dir, 'g.cnf')]));
    expectOk(expect, await seth(['check', join(dir, 'f.cnf'), join(dir, 'g.cnf'), '--jsonl', '--report', join(dir, 'batch.html')]));
    const { chromium } = await import('playwright-core');
    // A fresh profile (--user-data-dir) for every run: playwright takes it as the persistent context's folder.
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'seth-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('loads with no console errors and no network request', async () => {
    const { page, errors, requests } = await openPage(browser, join(dir, 'r.html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.title()).toContain('seth check');
    expect(await page.locator('table.chain tr').count()).toBeGreaterThan(5);
  });

  it('has the accumulator, firing-matrix and attention figures with one mark per datum', async () => {
    const { page } = await openPage(browser, join(dir, 'r.html'));
    const marks = (id: string, type: string) => page.locator(`figure[data-figure^="${id}"] g.mark-${type}.role-mark > :is(path, line)`).count();
    const info = JSON.parse((await seth(['check', join(dir, 'f.cnf'), '-L', '2', '-H', '2', '--json'])).stdout) as { params: { tokens: number } };
    // A tokens: 2^v1 of the split; their number is the accumulator figure's point count.
    const points = await marks('acc', 'symbol');
    expect(points).toBeGreaterThan(1);
    expect(await marks('firing', 'rect')).toBe(4 * points);
    expect(await marks('attention', 'rect')).toBe(info.params.tokens);
    // The threshold rule and the tolerance band are drawn.
    expect(await marks('acc', 'rule')).toBe(1);
    expect(await marks('acc', 'rect')).toBe(1);
  });

  it('a batch report: the summary table, one margin bar per input, details of the inputs', async () => {
    const { page, errors, requests } = await openPage(browser, join(dir, 'batch.html'));
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(await page.locator('table.summary tr').count()).toBe(3);
    expect(await page.locator('figure[data-figure="margins"] g.mark-rect.role-mark > path').count()).toBe(2);
    expect(await page.locator('figure[data-figure^="acc-"]').count()).toBe(2);
  });
});
