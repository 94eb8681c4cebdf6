import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEYS, useTestApp } from '../support/app.js';
import { GET_JOB } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
const MiB = 1024 ** 2;

const CREATE = `mutation ($input: CreateJobInput!) { createJob(input: $input) { ... on Job { id source { multipartUpload { partCount partSizeBytes } } } } }`;
const PART_URLS = `mutation ($id: ID!, $partNumbers: [Int!]!) { uploadPartUrls(id: $id, partNumbers: $partNumbers) { ... on UploadPartUrls { parts { number url headers { name value } } } } }`;

/** Issue 15: the page uploads a file above 64 MiB in parts and, given the same file after a reload, sends only the missing ones. */
describe.skipIf(missing)('the web page resuming an upload in parts', () => {
  let browser: Browser;
  let media: MediaWorkspace;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await browser?.close();
    await media?.cleanup();
  });

  it('finds the job an earlier visit made for the same file and sends only the parts the store lacks', async () => {
    const app = await useTestApp();
    const file = path.join(media.dir, 'big.mp4');
    const bytes = randomBytes(70 * MiB);
    await writeFile(file, bytes);

    const page = await browser.newPage();
    await page.goto(app.url);
    await page.getByLabel('API key').fill(TEST_KEYS[0]);
    await page.getByLabel('API key').dispatchEvent('change');
    await page.getByLabel('Source file').setInputFiles(file);
    const lastModified = await page.getByLabel('Source file').evaluate((input: HTMLInputElement) => input.files![0]!.lastModified);

    // An earlier visit: it created the job in parts, sent parts 1 and 4, and the tab was closed.
    const created = await app.graphql(CREATE, {
      input: { source: { filename: 'big.mp4', contentType: 'video/mp4', sizeBytes: bytes.length, multipart: true }, outputs: [{ audio: { format: 'MP3' } }] },
    });
    const job = created.data.createJob;
    const { partCount, partSizeBytes } = job.source.multipartUpload;
    expect(partCount).toBe(5);
    const urls = (await app.graphql(PART_URLS, { id: job.id, partNumbers: [1, 4] })).data.uploadPartUrls.parts;
    for (const part of urls) {
      const headers = Object.fromEntries(part.headers.map((header: any) => [header.name, header.value]));
      const body = bytes.subarray((part.number - 1) * partSizeBytes, part.number * partSizeBytes);
      expect((await fetch(part.url, { method: 'PUT', headers, body: new Uint8Array(body) })).status).toBe(200);
    }
    await page.evaluate(([key, id]) => localStorage.setItem(key!, id!), [`ffly.upload:big.mp4:${bytes.length}:${lastModified}`, job.id]);

    const sent: number[] = [];
    app.server.resources.embeddedStore!.events.on('partStored', (event) => sent.push(event.partNumber));
    await page.reload();
    await page.getByLabel('Source file').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload and transcode' }).click();

    await expect.poll(async () => (await app.graphql(GET_JOB, { id: job.id })).data.job.status, { timeout: 60_000 }).not.toBe('AWAITING_UPLOAD');
    expect(sent.sort()).toEqual([2, 3, 5]);
    expect(await page.locator('#upload-progress').evaluate((bar: HTMLProgressElement) => bar.value)).toBe(100);
    // Started, so forgotten: the same file next time makes a new job.
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('ffly.upload:')))).toEqual([]);
  });
});
