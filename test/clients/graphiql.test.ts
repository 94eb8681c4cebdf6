import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, runMutation, wavInput } from '../support/jobs.js';

/** Debian's chromium (`.ci/run` installs it); playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`Skipping the GraphiQL tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(missing)('GraphiQL, in headless chromium with no network but the API', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // No name resolves but loopback, so a CDN could not be reached even if a request slipped by.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Replaces the whole text of a Monaco editor, as pasting would (no auto-closed brackets). */
  async function replaceText(page: Page, editor: string, text: string): Promise<void> {
    await page.locator(`${editor} .monaco-editor`).first().click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }

  /** The response pane's text, Monaco's non-breaking spaces made plain. */
  async function response(page: Page): Promise<string> {
    return (await page.locator('.graphiql-response').innerText()).replaceAll('\u00a0', ' ');
  }

  it('loads every script and style from the API, then runs a query and a live subscription', async () => {
    const app = await useTestApp();
    const created = await createJob(app, wavInput(1000));
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Everything that is not the API (or the page's own blob:/data: URLs) is refused, and noted.
    const foreign: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.protocol === 'blob:' || url.protocol === 'data:' || url.origin === app.url) return route.continue();
      foreign.push(url.href);
      return route.abort('internetdisconnected');
    });
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));

    await page.goto(`${app.url}/graphql`);
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Headers' }).click();
    await replaceText(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ authorization: `Bearer ${TEST_KEYS[0]}` }));

    await replaceText(page, '.graphiql-query-editor', `query { job(id: "${created.id}") { id status } }`);
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
    await expect.poll(() => response(page), { timeout: 15_000 }).toContain('"status": "AWAITING_UPLOAD"');

    // A subscription: the first event is the job as it is; canceling it elsewhere shows up live.
    await replaceText(page, '.graphiql-query-editor', `subscription { jobUpdated(id: "${created.id}") { id status } }`);
    await page.getByRole('button', { name: 'Execute query (Ctrl-Enter)' }).click();
    await expect.poll(() => response(page), { timeout: 15_000 }).toContain('"status": "AWAITING_UPLOAD"');
    expect((await runMutation(app, CANCEL_JOB, created.id)).status).toBe('CANCELED');
    await expect.poll(() => response(page), { timeout: 15_000 }).toContain('"status": "CANCELED"');

    expect(foreign).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
