import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/job-spec.js';
import { probeWhileDownloading } from '../../transcoder/src/early-probe.js';
import { buildFfmpegArgs, probeFile, runPlan, verifyOutputs, type ProgressReport } from '../../transcoder/src/media/index.js';
import { startDownload } from '../../transcoder/src/source-download.js';
import { createMediaWorkspace, type MediaWorkspace } from '../support/media-fixtures.js';

const MP3: JobSpec = { outputs: [{ kind: 'audio', name: 'mp3', format: 'MP3', bitrateKbps: 128, sampleRate: null, channels: null, bitDepth: null }] };

/**
 * A source server that sends the first half of a file at once and holds the rest until `release()`
 * (then sends it, or cuts the connection): what a slow download looks like to the worker.
 */
async function startHalfServer(bytes: Buffer, ending: 'send' | 'cut'): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const server: Server = createServer((request, response) => {
    response.writeHead(200, { 'content-length': bytes.length, 'content-type': 'audio/wav' });
    const half = Math.floor(bytes.length / 2);
    response.write(bytes.subarray(0, half));
    void released.then(() => (ending === 'send' ? response.end(bytes.subarray(half)) : response.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/source.wav`,
    release,
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

describe('a WAV source transcoded while it downloads', () => {
  it('is probed from its head exactly as the whole file is, and ffmpeg runs on it before the last byte is in', async () => {
    const fixture = await workspace.fixture('wav-68s-stereo-48k.wav');
    const bytes = await readFile(fixture);
    const server = await startHalfServer(bytes, 'send');
    const dir = await workspace.subdir('streamed');
    const input = path.join(dir, 'source');
    try {
      const signal = new AbortController().signal;
      const download = startDownload(server.url, input, { signal, expectedBytes: bytes.length });
      const early = await probeWhileDownloading(download, input, bytes.length, signal);
      expect(download.written).toBeLessThan(bytes.length);
      expect(early).toEqual(await probeFile(fixture));

      const plan = buildFfmpegArgs(MP3, early!, { input, outputDir: path.join(dir, 'out') });
      let progressBeforeTheEnd: ProgressReport | null = null;
      const running = runPlan(plan, path.join(dir, 'out'), {
        streamedInput: { file: input, open: () => download.follow(), complete: download.done },
        onProgress: (report) => {
          // ffmpeg has encoded part of the source while the server still holds its second half.
          if (!progressBeforeTheEnd && (report.outTimeSeconds ?? 0) > 0 && download.written < bytes.length) {
            progressBeforeTheEnd = report;
            server.release();
          }
        },
      });
      await running;
      expect(progressBeforeTheEnd).not.toBeNull();
      expect(await download.done).toBe(bytes.length);
      expect((await stat(input)).size).toBe(bytes.length);
      const [mp3] = await verifyOutputs(plan, path.join(dir, 'out'), early!);
      expect(mp3!.durationSeconds).toBeGreaterThan(67);
    } finally {
      await server.close();
    }
  }, 120_000);

  it('fails with the download error, not with a short output, when the source stops arriving', async () => {
    const bytes = await readFile(await workspace.fixture('wav-68s-stereo-48k.wav'));
    const server = await startHalfServer(bytes, 'cut');
    const dir = await workspace.subdir('cut');
    const input = path.join(dir, 'source');
    try {
      const signal = new AbortController().signal;
      const download = startDownload(server.url, input, { signal, expectedBytes: bytes.length });
      const early = await probeWhileDownloading(download, input, bytes.length, signal);
      const plan = buildFfmpegArgs(MP3, early!, { input, outputDir: path.join(dir, 'out') });
      const running = runPlan(plan, path.join(dir, 'out'), {
        streamedInput: { file: input, open: () => download.follow(), complete: download.done },
        onProgress: (report) => {
          if ((report.outTimeSeconds ?? 0) > 0) server.release();
        },
      });
      const error = await running.then(() => null, (caught: unknown) => caught);
      expect(download.failure).toBeInstanceOf(Error);
      expect(error).toBe(download.failure);
      await expect(download.done).rejects.toThrow();
    } finally {
      await server.close();
    }
  }, 120_000);

  it('is not probed early when the format needs the whole file (an MP4 with its index at the end)', async () => {
    const bytes = await readFile(await workspace.fixture('h264-aac-360p.mp4'));
    const server = await startHalfServer(bytes, 'send');
    const dir = await workspace.subdir('mp4');
    const input = path.join(dir, 'source');
    try {
      const signal = new AbortController().signal;
      const download = startDownload(server.url, input, { signal, expectedBytes: bytes.length });
      server.release();
      expect(await probeWhileDownloading(download, input, bytes.length, signal)).toBeNull();
      expect(await download.done).toBe(bytes.length);
    } finally {
      await server.close();
    }
  });
});
