import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadOutput } from '../../src/client/download.js';
import { parseStoryboardVtt } from '../../src/client/storyboard.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

/** Asynchronous: the URLs are served by this very process (the API and s3rver), so a sync call would deadlock. */
async function ffprobe(target: string): Promise<any> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', target]);
  return JSON.parse(stdout);
}

const JOB = `query ($id: ID!) { job(id: $id) { status error { code message } source { durationSeconds }
  outputs { name contentType sizeBytes durationSeconds width height loudness { integratedLufs truePeakDb rangeLu } url } } }`;

describe('poster, thumbnails, storyboard, waveform and loudness through the real worker', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  let job: any;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '2000', RETRY_BASE_MS: '0' });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app?.stop();
    await media?.cleanup();
  });

  const output = (name: string) => job.outputs.find((candidate: { name: string }) => candidate.name === name);

  it('completes with every output, in request order', async () => {
    const bytes = await fs.readFile(await media.fixture('h264-aac-360p.mp4'));
    const created = await createJob(app, {
      source: { filename: 'clip.mp4', contentType: 'video/mp4', sizeBytes: bytes.length },
      outputs: [
        { image: { kind: 'POSTER', atSeconds: 1 } },
        { image: { kind: 'STORYBOARD', count: 3, width: 160 } },
        { waveform: {} },
        { audio: { format: 'MP3', loudness: { integratedLufs: -16 } } },
        { image: { kind: 'THUMBNAILS', count: 2, format: 'PNG', width: 128 } },
      ],
    });
    await upload(created, bytes);
    await runMutation(app, START_JOB, created.id);
    const worker = startWorker(app);
    job = await waitFor(async () => {
      const read = (await app.graphql(JOB, { id: created.id })).data.job;
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(read.status) ? read : undefined;
    }, 120_000, 'the job to finish');

    expect(job.error, worker.output()).toBeNull();
    expect(job.status).toBe('COMPLETED');
    expect(job.outputs.map((candidate: { name: string; contentType: string }) => [candidate.name, candidate.contentType])).toEqual([
      ['poster', 'image/jpeg'],
      ['storyboard', 'text/vtt'],
      ['waveform', 'application/json'],
      ['mp3-192k-16lufs', 'audio/mpeg'],
      ['thumbnails-1', 'image/png'],
      ['thumbnails-2', 'image/png'],
    ]);
  }, 180_000);

  it('serves a poster and thumbnails of the size JobOutput states', async () => {
    expect(output('poster')).toMatchObject({ width: 640, height: 360 });
    for (const name of ['poster', 'thumbnails-1', 'thumbnails-2']) {
      const { url, width, height, contentType } = output(name);
      const response = await fetch(url);
      expect(response.headers.get('content-type')).toBe(contentType);
      const [stream] = (await ffprobe(url)).streams;
      expect([stream.width, stream.height]).toEqual([width, height]);
    }
    expect(output('thumbnails-1')).toMatchObject({ width: 128, height: 72 });
  });

  it('serves a storyboard whose VTT resolves its sheet, every cue inside it', async () => {
    const storyboard = output('storyboard');
    const response = await fetch(storyboard.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    const cues = parseStoryboardVtt(await response.text());
    expect(cues).toHaveLength(3);
    expect(cues[0]!.start).toBe(0);
    expect(cues.at(-1)!.end).toBeCloseTo(job.source.durationSeconds, 1);
    const sheetUrl = cues[0]!.url;
    const sheet = await fetch(sheetUrl);
    expect(sheet.status).toBe(200);
    expect(sheet.headers.get('content-type')).toBe('image/jpeg');
    const [picture] = (await ffprobe(sheetUrl)).streams;
    for (const cue of cues) {
      expect(cue.url).toBe(sheetUrl);
      expect([cue.width, cue.height]).toEqual([storyboard.width, storyboard.height]);
      expect(cue.x + cue.width).toBeLessThanOrEqual(picture.width);
      expect(cue.y + cue.height).toBeLessThanOrEqual(picture.height);
    }
    // The CLI's download keeps it working offline: the VTT beside its sheet.
    const local = await downloadOutput(storyboard, await media.subdir('storyboard-download'));
    const offline = parseStoryboardVtt(await fs.readFile(local, 'utf8'));
    expect(offline.map((cue) => cue.url)).toEqual(cues.map(() => 'sheet.jpg'));
    expect((await fs.stat(path.join(path.dirname(local), 'sheet.jpg'))).size).toBeGreaterThan(0);
  });

  it('serves the waveform as audiowaveform JSON', async () => {
    const response = await fetch(output('waveform').url);
    expect(response.headers.get('content-type')).toBe('application/json');
    const peaks = await response.json();
    expect(peaks).toMatchObject({ version: 2, bits: 8 });
    expect(peaks.data).toHaveLength(peaks.length * 2 * peaks.channels);
  });

  it('reports the loudness measured on the normalised output', async () => {
    const { loudness, url } = output('mp3-192k-16lufs');
    expect(Math.abs(loudness.integratedLufs + 16)).toBeLessThanOrEqual(1);
    expect(loudness.truePeakDb).toBeLessThanOrEqual(-0.5);
    expect((await ffprobe(url)).streams[0]).toMatchObject({ codec_name: 'mp3' });
  });
});
