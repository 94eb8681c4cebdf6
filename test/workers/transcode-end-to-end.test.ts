import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { CANCEL_JOB, createJob, GET_JOB, runMutation, START_JOB, upload } from '../support/jobs.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';
import { startWorker, waitFor } from '../support/worker.js';

/** Asynchronous: the URLs are served by this very process (the API and s3rver), so a sync call would deadlock. */
async function ffprobe(target: string): Promise<any> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', target]);
  return JSON.parse(stdout);
}

describe('a job end to end: API, real worker process, real ffmpeg', () => {
  let app: TestApp;
  let media: MediaWorkspace;
  beforeAll(async () => {
    app = await startTestApp({ LEASE_MS: '2000', RETRY_BASE_MS: '0' });
    media = await createMediaWorkspace();
  });
  afterAll(async () => {
    await app.stop();
    await media.cleanup();
  });

  async function submit(file: string, contentType: string, outputs: unknown[]) {
    const bytes = await fs.readFile(file);
    const job = await createJob(app, { source: { filename: file.split('/').pop(), contentType, sizeBytes: bytes.length }, outputs });
    await upload(job, bytes);
    expect((await runMutation(app, START_JOB, job.id)).status).toBe('QUEUED');
    return job.id as string;
  }
  const readJob = async (id: string) => (await app.graphql(GET_JOB, { id })).data.job;
  const finished = (id: string, timeoutMs = 60_000) =>
    waitFor(async () => {
      const job = await readJob(id);
      return ['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status) ? job : undefined;
    }, timeoutMs, `job ${id} to finish`);

  it('turns a WAV into MP3 and FLAC with verified, downloadable outputs', async () => {
    const worker = startWorker(app);
    const id = await submit(await media.fixture('wav-16bit-stereo-44k.wav'), 'audio/wav', [
      { audio: { format: 'MP3', bitrateKbps: 128, sampleRate: 22050, channels: 1 } },
      { audio: { format: 'FLAC', bitDepth: 24 } },
    ]);
    const job = await finished(id);
    expect(job).toMatchObject({ status: 'COMPLETED', attempts: 1, machineId: 'local-worker', progress: { phase: 'DONE', percent: 100 } });
    expect(job.source.durationSeconds).toBeCloseTo(3, 0);
    const [mp3, flac] = job.outputs;
    expect(mp3).toMatchObject({ name: 'mp3-128k-22k05-mono', contentType: 'audio/mpeg' });
    expect(flac).toMatchObject({ name: 'flac-24bit', contentType: 'audio/flac' });
    expect(mp3.durationSeconds).toBeCloseTo(3, 0);
    const mp3Streams = (await ffprobe(mp3.url)).streams;
    expect(mp3Streams[0]).toMatchObject({ codec_name: 'mp3', sample_rate: '22050', channels: 1 });
    const flacStreams = (await ffprobe(flac.url)).streams;
    expect(flacStreams[0]).toMatchObject({ codec_name: 'flac', sample_rate: '44100', channels: 2, bits_per_raw_sample: '24' });
    expect(Number((await fetch(flac.url)).headers.get('content-length'))).toBe(flac.sizeBytes);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('publishes an HLS ladder whose URL plays as is, and never upscales', async () => {
    startWorker(app);
    const id = await submit(await media.fixture('h264-aac-360p.mp4'), 'video/mp4', [
      { video: { preset: 'HLS', qualities: ['P360', 'P240', 'P144'] } },
      { video: { preset: 'WEB_OPTIMIZED', qualities: ['P1080', 'P240'] } },
    ]);
    const job = await finished(id, 120_000);
    expect(job.status).toBe('COMPLETED');
    expect(job.outputs.map((output: any) => output.name)).toEqual(['hls', 'web-240p']);
    expect(job.notices.join(' ')).toMatch(/1080/);

    const hls = job.outputs[0];
    // The URL alone: ffprobe follows the master, the variants and their segments.
    const probed = await ffprobe(hls.url);
    expect(probed.format.format_name).toBe('hls');
    const heights = probed.streams.filter((stream: any) => stream.codec_type === 'video').map((stream: any) => stream.height);
    expect(heights.sort((a: number, b: number) => a - b)).toEqual([144, 240, 360]);
    // Every URI in every playlist resolves.
    const master = await (await fetch(hls.url)).text();
    const variants = master.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(variants).toHaveLength(3);
    for (const variant of variants) {
      const playlistUrl = new URL(variant, hls.url).toString();
      const playlist = await (await fetch(playlistUrl)).text();
      const segments = playlist.split('\n').filter((line) => line && !line.startsWith('#'));
      expect(segments.length).toBeGreaterThan(0);
      for (const segment of segments) expect((await fetch(new URL(segment, playlistUrl))).status).toBe(200);
    }
    expect((await ffprobe(job.outputs[1].url)).streams.find((stream: any) => stream.codec_type === 'video')).toMatchObject({ codec_name: 'h264', height: 240 });
  });

  it('produces the quality that fits when every requested one is above the source, and says so', async () => {
    startWorker(app);
    const id = await submit(await media.fixture('h264-aac-360p.mp4'), 'video/mp4', [
      { audio: { format: 'AAC', name: 'audio' } },
      { video: { preset: 'WEB_OPTIMIZED', qualities: ['P1080', 'P720'] } },
    ]);
    const job = await finished(id, 120_000);
    expect(job.status).toBe('COMPLETED');
    expect(job.outputs.map((output: any) => output.name)).toEqual(['audio', 'web-360p']);
    expect(job.notices.join(' ')).toMatch(/1080[\s\S]*720|720[\s\S]*1080/);
    expect((await ffprobe(job.outputs[1].url)).streams.find((stream: any) => stream.codec_type === 'video')).toMatchObject({ height: 360 });
  });

  it('fails a job whose upload is not media, with a typed error', async () => {
    startWorker(app);
    const file = `${media.dir}/notes.wav`;
    await fs.writeFile(file, 'this is a text file pretending to be a wav\n'.repeat(20));
    const id = await submit(file, 'audio/wav', [{ audio: { format: 'MP3' } }]);
    const job = await finished(id);
    expect(job.status).toBe('FAILED');
    expect(job.error.code).toMatch(/^INPUT_(UNREADABLE|REJECTED)$/);
    expect(job.outputs[0].url).toBeNull();
  });
});
