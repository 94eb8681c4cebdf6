import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../../protocol/job-spec.js';
import {
  buildFfmpegArgs,
  MediaError,
  probeFile,
  runFfmpeg,
  type ProbeResult,
} from '../../../transcoder/src/media/index.js';
import {
  createMediaWorkspace,
  startCanaryServer,
  writeFixtureText,
  type CanaryServer,
  type MediaWorkspace,
} from '../../support/media-fixtures.js';

let workspace: MediaWorkspace;
let canary: CanaryServer;
let otherJobMedia: string;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
  canary = await startCanaryServer();
  // Stands for another job's input on the same disk, which a playlist could try to pull in.
  otherJobMedia = await workspace.fixture('video-only-240p.mp4');
});
afterAll(async () => {
  await canary.close();
  await workspace.cleanup();
});

const mp3Job: JobSpec = {
  outputs: [{ kind: 'audio', name: 'mp3', format: 'MP3', bitrateKbps: 128, sampleRate: null, channels: null, bitDepth: null }],
};

function playlist(segmentUri: string): string {
  return `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n${segmentUri}\n#EXT-X-ENDLIST\n`;
}

async function probeError(file: string): Promise<MediaError> {
  const error = await probeFile(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('crafted inputs', () => {
  it('rejects an HLS playlist saved as .mp4 without requesting the URL it lists', async () => {
    const file = await writeFixtureText(workspace.dir, 'evil-http.mp4', playlist(`${canary.url}/seg.ts?ssrf=1`));
    const error = await probeError(file);
    expect(error.code).toBe('INPUT_REJECTED');
    expect(error.message).toContain('hls');
    expect(canary.requests()).toBe(0);
  });

  it('rejects an HLS playlist saved as .mp4 that points at another local media file', async () => {
    const file = await writeFixtureText(workspace.dir, 'evil-local.mp4', playlist(otherJobMedia));
    expect((await probeError(file)).code).toBe('INPUT_REJECTED');
  });

  it('rejects an ffconcat script', async () => {
    const file = await writeFixtureText(workspace.dir, 'evil.mp4', `ffconcat version 1.0\nfile ${otherJobMedia}\n`);
    const error = await probeError(file);
    expect(error.code).toBe('INPUT_REJECTED');
    expect(error.message).toContain('concat');
  });

  it('even if probing were fooled, ffmpeg with the planned arguments cannot open a disguised playlist', async () => {
    const file = await writeFixtureText(workspace.dir, 'evil-ffmpeg.mp4', playlist(`${canary.url}/seg.ts`));
    const fooled: ProbeResult = {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      durationSeconds: 2,
      sizeBytes: 100,
      startTimeSeconds: 0,
      video: null,
      audio: { streamIndex: 0, codec: 'aac', sampleRate: 44100, channels: 2, bitDepth: null, durationSeconds: 2 },
    };
    const outputDir = await workspace.subdir('evil-out');
    const plan = buildFfmpegArgs(mp3Job, fooled, { input: file, outputDir });
    const error = await runFfmpeg(plan.runs[0]?.args ?? []).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'FFMPEG_FAILED' });
    expect(canary.requests()).toBe(0);
  });

  it('refuses to plan for a probe whose container is not on the allowlist', () => {
    const probe: ProbeResult = {
      formatName: 'hls',
      durationSeconds: 2,
      sizeBytes: 100,
      startTimeSeconds: 0,
      video: null,
      audio: { streamIndex: 0, codec: 'aac', sampleRate: 44100, channels: 2, bitDepth: null, durationSeconds: 2 },
    };
    expect(() => buildFfmpegArgs(mp3Job, probe, { input: '/in', outputDir: '/out' })).toThrow(
      expect.objectContaining({ code: 'INPUT_REJECTED' }),
    );
  });

  it('reports a truncated MP4 as unreadable', async () => {
    const whole = await readFile(await workspace.fixture('h264-aac-360p.mp4'));
    const file = path.join(workspace.dir, 'truncated.mp4');
    await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await probeError(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toMatch(/truncated|damaged/);
  });

  it('reports a zero-byte file as empty', async () => {
    const file = await writeFixtureText(workspace.dir, 'empty.mp4', '');
    const error = await probeError(file);
    expect(error).toMatchObject({ code: 'INPUT_UNREADABLE', message: 'The uploaded file is empty.' });
  });

  it('reports a text file as not media', async () => {
    const file = await writeFixtureText(workspace.dir, 'notes.mp4', 'Meeting notes: buy milk.\n'.repeat(50));
    const error = await probeError(file);
    expect(error.code).toBe('INPUT_UNREADABLE');
    expect(error.message).toContain('not a media file');
  });

  it('reports a missing file as unreadable', async () => {
    const error = await probeError(path.join(workspace.dir, 'nowhere.mp4'));
    expect(error.code).toBe('INPUT_UNREADABLE');
  });
});
