import { ExecaError } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError, runFfmpeg, type ProgressSnapshot } from '../../../transcoder/src/media/index.js';
import {
  createMediaWorkspace,
  progressBlock,
  writeFakeFfmpeg,
  type MediaWorkspace,
} from '../../support/media-fixtures.js';

let workspace: MediaWorkspace;
beforeAll(async () => {
  workspace = await createMediaWorkspace();
});
afterAll(() => workspace.cleanup());

const PROGRESS_ARGS = [
  '-nostdin', '-hide_banner', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1', '-stats_period', '0.5',
];

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => new Error('expected the run to fail'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('runFfmpeg', () => {
  it('reports progress blocks in order and resolves when ffmpeg exits 0', async () => {
    const snapshots: ProgressSnapshot[] = [];
    const args = [...PROGRESS_ARGS, '-f', 'lavfi', '-i', 'sine=d=2', '-f', 'null', '-'];
    const result = await runFfmpeg(args, { onProgress: (snapshot) => snapshots.push(snapshot) });
    expect(snapshots.at(-1)).toMatchObject({ ended: true });
    expect(snapshots.at(-1)?.outTimeSeconds).toBeGreaterThan(1.9);
    expect(result.lastProgress).toBe(snapshots.at(-1));
  });

  it('stops a real encode when its AbortSignal fires and ends with CANCELED', async () => {
    const controller = new AbortController();
    // -re reads the source in real time, so this run would take a minute without the cancel.
    const args = [...PROGRESS_ARGS, '-re', '-f', 'lavfi', '-i', 'sine=d=60', '-f', 'null', '-'];
    const started = Date.now();
    const error = await failure(runFfmpeg(args, { signal: controller.signal, onProgress: () => controller.abort() }));
    expect(error.code).toBe('CANCELED');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails with CANCELED at once when the signal is already aborted', async () => {
    const error = await failure(runFfmpeg(PROGRESS_ARGS, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('CANCELED');
  });

  it('kills a run that prints one block and then hangs, ending with STALLED', async () => {
    const ffmpegPath = await writeFakeFfmpeg(
      workspace.dir,
      'hangs.js',
      `process.stdout.write(${JSON.stringify(progressBlock(500_000))}); setInterval(() => {}, 1000);`,
    );
    const error = await failure(runFfmpeg([], { ffmpegPath, stallMs: 400, killGraceMs: 500 }));
    expect(error.code).toBe('STALLED');
    expect(error.message).toContain('no progress');
  });

  it('counts a run that keeps printing the same position as stalled', async () => {
    const ffmpegPath = await writeFakeFfmpeg(
      workspace.dir,
      'spins.js',
      `setInterval(() => process.stdout.write(${JSON.stringify(progressBlock(500_000))}), 50);`,
    );
    const error = await failure(runFfmpeg([], { ffmpegPath, stallMs: 400, killGraceMs: 500 }));
    expect(error.code).toBe('STALLED');
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    const ffmpegPath = await writeFakeFfmpeg(
      workspace.dir,
      'stubborn.js',
      `process.on('SIGTERM', () => {}); process.stdout.write(${JSON.stringify(progressBlock(0))}); setInterval(() => {}, 1000);`,
    );
    const controller = new AbortController();
    const started = Date.now();
    const error = await failure(
      runFfmpeg([], { ffmpegPath, signal: controller.signal, killGraceMs: 300, onProgress: () => controller.abort() }),
    );
    expect(error.code).toBe('CANCELED');
    expect((error.cause as ExecaError).isForcefullyTerminated).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a failed run as FFMPEG_FAILED with ffmpeg’s last words, minus URLs and tokens', async () => {
    const secretUrl = 'https://bucket.s3.example.com/in.mp4?X-Amz-Signature=0123456789abcdef0123456789abcdef';
    const ffmpegPath = await writeFakeFfmpeg(
      workspace.dir,
      'fails.js',
      [
        `process.stderr.write('noise line\\n'.repeat(2000));`,
        `process.stderr.write('Authorization: Bearer abc.def.ghi token=hunter2\\n');`,
        `process.stderr.write(${JSON.stringify(`${secretUrl}: Invalid data found when processing input\n`)});`,
        'process.exit(1);',
      ].join('\n'),
    );
    const error = await failure(runFfmpeg([], { ffmpegPath }));
    expect(error.code).toBe('FFMPEG_FAILED');
    expect(error.message).toBe('Transcoding failed: [redacted-url]: Invalid data found when processing input');
    expect(error.stderrTail?.length).toBeLessThanOrEqual(4096);
    expect(error.stderrTail).toContain('Bearer [redacted] token=[redacted]');
    expect(error.stderrTail).not.toMatch(/hunter2|abc\.def|X-Amz|s3\.example/);
  });

  it('reports real ffmpeg errors, such as an output it cannot write', async () => {
    const args = [...PROGRESS_ARGS, '-f', 'lavfi', '-i', 'sine=d=1', '-f', 'wav', `${workspace.dir}/missing-dir/out.wav`];
    const error = await failure(runFfmpeg(args));
    expect(error.code).toBe('FFMPEG_FAILED');
    expect(error.message).toContain('No such file or directory');
  });

  it('reports a binary that does not exist as FFMPEG_FAILED', async () => {
    const error = await failure(runFfmpeg([], { ffmpegPath: `${workspace.dir}/no-such-ffmpeg` }));
    expect(error).toMatchObject({ code: 'FFMPEG_FAILED', message: 'ffmpeg could not be started.' });
  });
});
