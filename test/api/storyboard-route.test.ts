import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { signHlsToken } from '../../src/jobs/hls-links.js';
import { signStoryboardToken } from '../../src/jobs/storyboard-links.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { completeByHand } from '../support/complete-by-hand.js';
import { createJob, GET_JOB, jobUuid, runMutation, START_JOB, upload } from '../support/jobs.js';

/**
 * A job with a storyboard, a poster, a waveform and a normalised audio output, completed through the
 * worker protocol with files put where a worker puts them: the storyboard's URL is the signed VTT
 * route, whose cues resolve to the sheet as is, and the facts the worker reported are on JobOutput.
 */

const VTT = ['WEBVTT', '', '00:00:00.000 --> 00:00:05.000', 'sheet.png#xywh=0,0,160,90', '', '2', '00:00:05.000 --> 00:00:07.500', 'sheet.png#xywh=160,0,160,90', ''].join('\n');
const SHEET = Buffer.from('\x89PNG\r\n\x1a\n pretend sheet bytes');
const FILES = [
  { path: 'storyboard/storyboard.vtt', contentType: 'text/vtt', body: Buffer.from(VTT) },
  { path: 'storyboard/sheet.png', contentType: 'image/png', body: SHEET },
  { path: 'poster.jpg', contentType: 'image/jpeg', body: Buffer.from('jpeg bytes') },
  { path: 'waveform.json', contentType: 'application/json', body: Buffer.from('{"version":2,"channels":1,"sample_rate":48000,"samples_per_pixel":2400,"bits":8,"length":1,"data":[0,0]}') },
  { path: 'mp3-192k-16lufs.mp3', contentType: 'audio/mpeg', body: Buffer.from('mp3 bytes') },
];
const FIELDS = `query ($id: ID!) { job(id: $id) { status outputs { name contentType sizeBytes width height loudness { integratedLufs truePeakDb rangeLu } url } } }`;

describe('the storyboard route', () => {
  let app: TestApp;
  let jobId: string;
  let outputs: Array<{ name: string; contentType: string; url: string; width: number | null; height: number | null; loudness: unknown }>;
  beforeAll(async () => {
    app = await startTestApp();
    const job = await createJob(app, {
      source: { filename: 'clip.mp4', contentType: 'video/mp4', sizeBytes: 4 },
      outputs: [
        { image: { kind: 'STORYBOARD', format: 'PNG' } },
        { image: { kind: 'POSTER' } },
        { waveform: {} },
        { audio: { format: 'MP3', loudness: { integratedLufs: -16 } } },
      ],
    });
    jobId = job.id;
    await upload(job, new Uint8Array([1, 2, 3, 4]));
    await runMutation(app, START_JOB, job.id);
    const storyboard = { vtt: 'storyboard/storyboard.vtt', sheet: 'storyboard/sheet.png', sheetWidth: 320, sheetHeight: 90, tileWidth: 160, tileHeight: 90, columns: 2, rows: 1, tiles: 2, intervalSeconds: 5 };
    const reported = [
      { name: 'storyboard', sizeBytes: VTT.length + SHEET.length, durationSeconds: 7.5, skippedReason: null, width: 160, height: 90, storyboard },
      { name: 'poster', sizeBytes: 10, durationSeconds: null, skippedReason: null, width: 640, height: 360 },
      { name: 'waveform', sizeBytes: 100, durationSeconds: 7.5, skippedReason: null },
      { name: 'mp3-192k-16lufs', sizeBytes: 9, durationSeconds: 7.5, skippedReason: null, loudness: { integratedLufs: -16.2, truePeakDb: -1.4, rangeLu: 3.1 } },
    ];
    // Without its sheet a storyboard cannot resolve: the completion is refused until the sheet is there.
    await expect(completeByHand(app, FILES.filter((file) => !file.path.endsWith('.png')), reported)).rejects.toThrow(/HTTP 422 .*no sprite sheet/);
    await app.server.services.db.execute(sql`update jobs set status = 'QUEUED', lease_id = null, lease_expires_at = null where id = ${jobUuid(jobId)}`);
    const claimed = await completeByHand(app, FILES, reported, 7.5);
    expect(claimed.outputs.map((output) => output.fileName)).toEqual(['storyboard/storyboard.vtt', 'poster.jpg', 'waveform.json', 'mp3-192k-16lufs.mp3']);
    const read = await app.graphql(FIELDS, { id: jobId });
    expect(read.data.job.status).toBe('COMPLETED');
    outputs = read.data.job.outputs;
  });
  afterAll(() => app.stop());

  it('carries what the worker measured onto JobOutput', () => {
    expect(outputs.map(({ name, width, height, loudness }) => ({ name, width, height, loudness }))).toEqual([
      { name: 'storyboard', width: 160, height: 90, loudness: null },
      { name: 'poster', width: 640, height: 360, loudness: null },
      { name: 'waveform', width: null, height: null, loudness: null },
      { name: 'mp3-192k-16lufs', width: null, height: null, loudness: { integratedLufs: -16.2, truePeakDb: -1.4, rangeLu: 3.1 } },
    ]);
  });

  it('serves the VTT with each cue pointing at a presigned sheet URL that keeps its #xywh= fragment', async () => {
    const url = outputs[0]!.url;
    expect(url).toMatch(new RegExp(`^${app.url}/storyboards/[^/]+/storyboard\\.vtt$`));
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    const body = await response.text();
    const lines = body.split('\n');
    expect(lines.slice(0, 3)).toEqual(['WEBVTT', '', '00:00:00.000 --> 00:00:05.000']);
    const cues = lines.filter((line) => line.includes('#xywh='));
    expect(cues).toHaveLength(2);
    expect(cues.map((cue) => cue.slice(cue.indexOf('#')))).toEqual(['#xywh=0,0,160,90', '#xywh=160,0,160,90']);
    for (const cue of cues) {
      const sheet = await fetch(new URL(cue).toString().split('#')[0]!);
      expect(sheet.status).toBe(200);
      expect(sheet.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await sheet.arrayBuffer())).toEqual(SHEET);
    }
  });

  it('serves posters, waveforms and audio with their own content types', async () => {
    const types = await Promise.all(outputs.slice(1).map(async (output) => (await fetch(output.url)).headers.get('content-type')));
    expect(types).toEqual(['image/jpeg', 'application/json', 'audio/mpeg']);
  });

  it('refuses a tampered, expired, foreign or misdirected token', async () => {
    const url = outputs[0]!.url;
    const token = url.split('/').at(-2)!;
    const key = app.server.services.signingKey;
    const claims = { jobId: jobUuid(jobId), outputName: 'storyboard', expiresAt: Date.now() + 60_000 };
    const tampered = token.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const otherOutput = signStoryboardToken(key, { ...claims, outputName: 'poster' });
    const renamed = token.replace('.storyboard.', '.poster.');
    const expired = signStoryboardToken(key, { ...claims, expiresAt: Date.now() - 1000 });
    const hls = signHlsToken(key, claims);
    for (const bad of [tampered, renamed, expired, hls, otherOutput]) {
      const response = await fetch(`${app.url}/storyboards/${bad}/storyboard.vtt`);
      expect(response.status, bad).toBe(404);
    }
    expect((await fetch(url.replace(/storyboard\.vtt$/, 'sheet.png'))).status).toBe(404);
    expect((await fetch(`${app.url}/storyboards/${signStoryboardToken(key, claims)}/storyboard.vtt`)).status).toBe(200);
  });
});
