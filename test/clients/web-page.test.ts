import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { TEST_KEYS, useTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, runMutation, START_JOB, upload, wavInput } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startSourceServer } from '../support/source-server.js';
import { startWorker } from '../support/worker.js';
import { completeByHand } from '../support/complete-by-hand.js';

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
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        // The tests start previews from a script, as a click would.
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await browser?.close();
    await media?.cleanup();
  });

  /** Starts the media element (muted, as a click would) and waits until it has frames and its time moves, without a media error. */
  async function expectPlaying(media: Locator): Promise<void> {
    await media.evaluate((element: HTMLMediaElement) => {
      element.muted = true;
      void element.play().catch(() => {}); // the checks below say whether it plays
    });
    await expect.poll(() => media.evaluate((element: HTMLMediaElement) => element.readyState), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => media.evaluate((element: HTMLMediaElement) => element.currentTime), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await media.evaluate((element: HTMLMediaElement) => element.error?.message ?? null)).toBeNull();
  }

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

    // The card says when and which job it is, and the MP3 plays in place.
    expect(await card.locator('[data-id]').textContent()).toMatch(/^job_[0-9A-Za-z]{22}$/);
    expect(await card.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    await expectPlaying(card.getByLabel('Preview of mp3-128k'));

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

  it('shows notices, a canceled card, a second page of jobs, a status filter and an HLS preview that plays', async () => {
    const app = await useTestApp();
    startWorker(app);
    // The oldest job: an HLS ladder asking for 480p from a 360p source, which the service skips with a notice.
    const video = await readFile(await media.fixture('h264-aac-360p.mp4'));
    const ladder = await createJob(app, {
      source: { filename: 'clip.mp4', contentType: 'video/mp4', sizeBytes: video.length },
      outputs: [{ video: { preset: 'HLS', qualities: ['P480', 'P240'] } }],
    });
    await upload(ladder, video);
    await runMutation(app, START_JOB, ladder.id);
    await expect.poll(async () => (await app.graphql(GET_JOB, { id: ladder.id })).data.job.status, { timeout: 150_000 }).toBe('COMPLETED');
    // Then eleven newer ones waiting for their upload, one of them canceled.
    const waiting = [];
    for (let index = 0; index < 11; index++) waiting.push(await createJob(app, wavInput(1000 + index)));
    const canceled = waiting[8]!;
    await runMutation(app, CANCEL_JOB, canceled.id);

    const { page, scriptErrors } = await openPage(app);
    const hlsRequests: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/web/vendor/hls.js/hls.min.mjs') hlsRequests.push(response.status());
    });
    const cards = page.locator('.job');
    await expect.poll(() => cards.count()).toBe(10);

    const canceledCard = page.locator(`[data-job-id="${canceled.id}"]`);
    expect(await canceledCard.locator('.status').textContent()).toBe('Canceled');
    expect(await canceledCard.locator('.job-detail').textContent()).toMatch(/^Canceled .*no outputs$/);
    expect(await canceledCard.getByRole('progressbar').isHidden()).toBe(true);
    expect(await canceledCard.locator('[data-id]').textContent()).toBe(canceled.id);

    // The ladder is on the second page.
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => cards.count()).toBe(12);
    expect(await page.getByRole('button', { name: 'Load more' }).isHidden()).toBe(true);
    const ladderCard = page.locator(`[data-job-id="${ladder.id}"]`);
    expect(await ladderCard.getByRole('list', { name: 'Notices' }).textContent()).toMatch(/480p is above the source's 360p/);
    await expectPlaying(ladderCard.getByLabel('Preview of hls'));
    expect(hlsRequests).toEqual([200]);

    await page.getByLabel('Status').selectOption('CANCELED');
    await expect.poll(() => cards.count()).toBe(1);
    expect(await cards.first().getAttribute('data-job-id')).toBe(canceled.id);
    expect(scriptErrors).toEqual([]);
  }, 240_000);

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
  it('transcodes a source given by URL: the service fetches it, the card follows it to the end', async () => {
    const app = await useTestApp({ INGEST_ALLOW_PRIVATE: 'true' });
    const server = await startSourceServer();
    onTestFinished(() => server.close());
    server.add('from-url.wav', await readFile(await media.fixture('wav-16bit-stereo-44k.wav')));
    startWorker(app);
    const { page, scriptErrors } = await openPage(app);
    await page.getByLabel('or a URL the service fetches').fill(`${server.url}/chunked/from-url.wav`);
    await page.getByRole('button', { name: 'Upload and transcode' }).click();

    const card = page.locator('.job', { hasText: 'from-url.wav' });
    await card.locator('.status', { hasText: 'Completed' }).waitFor({ timeout: 60_000 });
    expect(await card.getByRole('link', { name: 'mp3-192k' }).count()).toBe(1);
    expect(server.bodyGets('from-url.wav')).toBe(1);
    expect(await page.locator('#upload').isHidden()).toBe(true);
    expect(scriptErrors).toEqual([]);
  });

  it('offers image and waveform outputs and loudness, and sends them as the API takes them', async () => {
    const app = await useTestApp();
    const { page, scriptErrors } = await openPage(app);
    await page.getByLabel('Source file').setInputFiles(await media.fixture('h264-aac-360p.mp4'));
    await page.getByLabel('Loudness (LUFS)').fill('-16');
    await page.getByRole('button', { name: '+ Images' }).click();
    const images = page.locator('.output[data-kind="image"]');
    expect(await images.getByLabel('At (seconds)').isVisible()).toBe(true);
    expect(await images.getByLabel('Count').isVisible()).toBe(false);
    await images.getByLabel('Kind').selectOption('THUMBNAILS');
    expect(await images.getByLabel('At (seconds)').isVisible()).toBe(false);
    await images.getByLabel('Count').fill('2');
    await images.getByLabel('Width (px)').fill('160');
    await page.getByRole('button', { name: '+ Waveform' }).click();
    expect(await page.locator('.output-title').allTextContents()).toEqual(['Output 1 · audio', 'Output 2 · images', 'Output 3 · waveform']);
    await page.getByRole('button', { name: 'Upload and transcode' }).click();

    const card = page.locator('.job', { hasText: 'h264-aac-360p.mp4' });
    await card.locator('.status', { hasText: 'Queued' }).waitFor({ timeout: 30_000 });
    const id = await card.getAttribute('data-job-id');
    const { data } = await app.graphql(`query ($id: ID!) { job(id: $id) { outputs { name contentType } } }`, { id });
    expect(data.job.outputs).toEqual([
      { name: 'mp3-192k-16lufs', contentType: 'audio/mpeg' },
      { name: 'thumbnails-1', contentType: 'image/jpeg' },
      { name: 'thumbnails-2', contentType: 'image/jpeg' },
      { name: 'waveform', contentType: 'application/json' },
    ]);
    expect(scriptErrors).toEqual([]);
  });

  it('shows the poster, draws the waveform and previews the storyboard on hover over the video', async () => {
    const app = await useTestApp();
    const video = await readFile(await media.fixture('h264-aac-360p.mp4'));
    const job = await createJob(app, {
      source: { filename: 'clip.mp4', contentType: 'video/mp4', sizeBytes: video.length },
      outputs: [
        { video: { preset: 'WEB_OPTIMIZED', qualities: ['P360'] } },
        { image: { kind: 'POSTER' } },
        { image: { kind: 'STORYBOARD', count: 3, width: 160 } },
        { waveform: {} },
      ],
    });
    await upload(job, video);
    await runMutation(app, START_JOB, job.id);
    // Real files where a worker would put them: the clip as its 360p rendition, a poster and a 3x1
    // sheet of red, green and blue tiles made by ffmpeg, its VTT, and peaks silent but for one burst.
    const ffmpeg = (args: string[]) => promisify(execFile)('ffmpeg', ['-v', 'error', '-y', ...args]);
    const poster = path.join(media.dir, 'page-poster.jpg');
    const sheet = path.join(media.dir, 'page-sheet.jpg');
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=640x360', '-frames:v', '1', poster]);
    await ffmpeg(['-f', 'lavfi', '-i', 'color=red:s=160x90', '-f', 'lavfi', '-i', 'color=green:s=160x90', '-f', 'lavfi', '-i', 'color=blue:s=160x90',
      '-filter_complex', '[0][1][2]hstack=inputs=3', '-frames:v', '1', sheet]);
    const vtt = ['WEBVTT', '', '00:00:00.000 --> 00:00:01.000', 'sheet.jpg#xywh=0,0,160,90', '', '00:00:01.000 --> 00:00:02.000', 'sheet.jpg#xywh=160,0,160,90', '',
      '00:00:02.000 --> 00:00:03.000', 'sheet.jpg#xywh=320,0,160,90', ''].join('\n');
    const data = Array.from({ length: 60 }, (_, index) => (index >= 20 && index < 40 ? [-120, 120] : [0, 0])).flat();
    const peaks = JSON.stringify({ version: 2, channels: 1, sample_rate: 44100, samples_per_pixel: 2205, bits: 8, length: 60, data });
    const storyboard = { vtt: 'storyboard/storyboard.vtt', sheet: 'storyboard/sheet.jpg', sheetWidth: 480, sheetHeight: 90, tileWidth: 160, tileHeight: 90, columns: 3, rows: 1, tiles: 3, intervalSeconds: 1 };
    await completeByHand(
      app,
      [
        { path: 'web-360p.mp4', contentType: 'video/mp4', body: video },
        { path: 'poster.jpg', contentType: 'image/jpeg', body: await readFile(poster) },
        { path: 'storyboard/storyboard.vtt', contentType: 'text/vtt', body: Buffer.from(vtt) },
        { path: 'storyboard/sheet.jpg', contentType: 'image/jpeg', body: await readFile(sheet) },
        { path: 'waveform.json', contentType: 'application/json', body: Buffer.from(peaks) },
      ],
      [
        { name: 'web-360p', sizeBytes: video.length, durationSeconds: 3, skippedReason: null, width: 640, height: 360 },
        { name: 'poster', sizeBytes: 1, durationSeconds: null, skippedReason: null, width: 640, height: 360 },
        { name: 'storyboard', sizeBytes: 1, durationSeconds: 3, skippedReason: null, width: 160, height: 90, storyboard },
        { name: 'waveform', sizeBytes: peaks.length, durationSeconds: 3, skippedReason: null },
      ],
      3,
    );

    const { page, scriptErrors } = await openPage(app);
    const card = page.locator(`[data-job-id="${job.id}"]`);
    await card.locator('.status', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
    expect(await card.locator('.output-line', { hasText: 'poster' }).locator('.meta').textContent()).toMatch(/^image\/jpeg · 640×360/);

    // The poster is an image that loaded.
    const posterImage = card.getByRole('img', { name: 'Preview of poster' });
    await expect.poll(() => posterImage.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(640);

    // The waveform is drawn: ink over the burst in the middle, none at the silent start.
    const canvas = card.getByRole('img', { name: 'Waveform of waveform' });
    await expect.poll(() => canvas.getAttribute('data-peaks')).toBe('60');
    const ink = await canvas.evaluate((element: HTMLCanvasElement) => {
      const context = element.getContext('2d')!;
      const column = (x: number) => {
        const pixels = context.getImageData(x, 0, 1, element.height).data;
        let painted = 0;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted++;
        return painted;
      };
      return { silent: column(10), burst: column(element.width / 2) };
    });
    expect(ink.silent).toBeLessThanOrEqual(2);
    expect(ink.burst).toBeGreaterThan(80);

    // Hovering over the video shows the storyboard tile for the time under the pointer.
    const videoPreview = card.getByLabel('Preview of web-360p');
    await expect.poll(() => card.locator('.preview-frame').getAttribute('data-storyboard')).toBe('ready');
    const box = (await videoPreview.boundingBox())!;
    const tile = card.locator('.storyboard-tile');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await expect.poll(() => tile.isVisible()).toBe(true);
    expect(await tile.getAttribute('data-cue')).toBe('1');
    expect(await tile.evaluate((element: HTMLElement) => [element.style.backgroundPosition, element.style.width])).toEqual(['-160px 0px', '160px']);
    // The tile's sheet is the presigned one, and it loads as an image.
    const sheetUrl = await tile.evaluate((element: HTMLElement) => /url\("(.*)"\)/.exec(element.style.backgroundImage)![1]!);
    const sheetResponse = await fetch(sheetUrl);
    expect(sheetResponse.headers.get('content-type')).toBe('image/jpeg');
    await page.mouse.move(box.x + box.width * 0.95, box.y + box.height / 2);
    await expect.poll(() => tile.getAttribute('data-cue')).toBe('2');
    expect(await tile.evaluate((element: HTMLElement) => element.style.backgroundPosition)).toBe('-320px 0px');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height + 200);
    await expect.poll(() => tile.isVisible()).toBe(false);
    expect(scriptErrors).toEqual([]);
  });

  it('renders the poster, waveform and storyboard of a job the real worker completed', async () => {
    const app = await useTestApp();
    startWorker(app);
    const video = await readFile(await media.fixture('h264-aac-360p.mp4'));
    const job = await createJob(app, {
      source: { filename: 'worked.mp4', contentType: 'video/mp4', sizeBytes: video.length },
      outputs: [{ video: { preset: 'WEB_OPTIMIZED', qualities: ['P240'] } }, { image: { kind: 'POSTER' } }, { image: { kind: 'STORYBOARD', count: 3, width: 120 } }, { waveform: {} }],
    });
    await upload(job, video);
    await runMutation(app, START_JOB, job.id);
    await expect.poll(async () => (await app.graphql(GET_JOB, { id: job.id })).data.job.status, { timeout: 150_000 }).toBe('COMPLETED');

    const { page, scriptErrors } = await openPage(app);
    const card = page.locator(`[data-job-id="${job.id}"]`);
    await card.locator('.status', { hasText: 'Completed' }).waitFor({ timeout: 30_000 });
    const posterImage = card.getByRole('img', { name: 'Preview of poster' });
    await expect.poll(() => posterImage.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(640);
    const canvas = card.getByRole('img', { name: 'Waveform of waveform' });
    await expect.poll(() => canvas.getAttribute('data-peaks'), { timeout: 30_000 }).toMatch(/^\d+$/);
    const painted = await canvas.evaluate((element: HTMLCanvasElement) => {
      const pixels = element.getContext('2d')!.getImageData(0, 0, element.width, element.height).data;
      let count = 0;
      for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) count++;
      return count;
    });
    expect(painted).toBeGreaterThan(1000); // the clip's tone fills the canvas

    await expect.poll(() => card.locator('.preview-frame').getAttribute('data-storyboard'), { timeout: 30_000 }).toBe('ready');
    const box = (await card.getByLabel('Preview of web-240p').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.99, box.y + box.height / 2);
    const tile = card.locator('.storyboard-tile');
    await expect.poll(() => tile.getAttribute('data-cue')).toBe('2');
    expect(await tile.evaluate((element: HTMLElement) => element.style.width)).toBe('120px');
    expect(scriptErrors).toEqual([]);
  }, 240_000);
});
