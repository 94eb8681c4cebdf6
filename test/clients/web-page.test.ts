import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS, useTestApp, type TestApp } from '../support/app.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker } from '../support/worker.js';

/** Debian's chromium (`.ci/run` installs it); playwright-core never downloads a browser. */
const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing) console.warn(`Skipping the web page tests: ${CHROMIUM} is missing (apt-get install -y chromium)`);

describe.skipIf(missing)('the web page, driven in headless chromium', () => {
  let browser: Browser;
  let media: MediaWorkspace;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await browser?.close();
    await media?.cleanup();
  });

  /** A fresh page on the app with the API key typed in, as a person would, and the script errors it raises. */
  async function openPage(app: TestApp): Promise<{ page: Page; scriptErrors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    await page.goto(app.url);
    await page.getByLabel('API key').fill(TEST_KEYS[0]);
    await page.getByLabel('API key').dispatchEvent('change');
    return { page, scriptErrors };
  }

  it('uploads a file, shows the job live to 100 % and links a working download', async ({ annotate }) => {
    const app = await useTestApp();
    startWorker(app);
    const { page, scriptErrors } = await openPage(app);
    await page.getByLabel('Source file').setInputFiles(await media.fixture('wav-16bit-stereo-44k.wav'));
    await page.getByLabel('Bitrate (kbps)').fill('128');
    await page.getByRole('button', { name: 'Upload and transcode' }).click();

    await expect.poll(() => page.locator('#upload-progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    const card = page.locator('.job', { hasText: 'wav-16bit-stereo-44k.wav' });
    await card.locator('.status', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    expect(await card.getByRole('progressbar', { name: 'wav-16bit-stereo-44k.wav' }).evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);

    const link = card.getByRole('link', { name: 'mp3-128k' });
    const download = await fetch((await link.getAttribute('href'))!);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/mpeg');
    const file = path.join(media.dir, 'downloaded.mp3');
    await writeFile(file, Buffer.from(await download.arrayBuffer()));
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', file]);
    expect(JSON.parse(stdout).streams[0]).toMatchObject({ codec_name: 'mp3', bit_rate: '128000' });

    // Kept outside the repository for a person to look at; its path is in the test output.
    const screenshot = path.join(await mkdtemp(path.join(tmpdir(), 'ffly-web-')), 'completed-job.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await readFile(screenshot)).subarray(1, 4).toString()).toBe('PNG');
    await annotate(`screenshot: ${screenshot}`);
    console.info(`web page screenshot: ${screenshot}`);

    // The key survives a reload (localStorage), and the finished job is listed again.
    await page.reload();
    expect(await page.getByLabel('API key').inputValue()).toBe(TEST_KEYS[0]);
    await card.locator('.status', { hasText: 'Completed' }).waitFor();

    expect(scriptErrors).toEqual([]);
  });

  it('shows a ValidationError next to the output it names', async () => {
    const app = await useTestApp();
    const { page, scriptErrors } = await openPage(app);
    await page.getByLabel('Source file').setInputFiles(await media.fixture('wav-16bit-stereo-44k.wav'));
    await page.getByLabel('Format').selectOption('OPUS');
    await page.getByLabel('Sample rate').selectOption('44100');
    await page.getByRole('button', { name: 'Upload and transcode' }).click();

    const alert = page.getByRole('alert').filter({ hasText: /^Output 1, sample rate: 44100 / });
    await alert.waitFor();
    expect(await page.getByLabel('Sample rate').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.job').count()).toBe(0);
    expect(scriptErrors).toEqual([]);
  });
});
