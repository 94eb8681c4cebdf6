import { describe, expect, it } from 'vitest';
import { limitThreads, threadLimitFromEnv } from '../../transcoder/src/media/thread-limit.js';

describe('FFMPEG_THREADS', () => {
  it('is read as a positive whole number, else no limit', () => {
    expect(threadLimitFromEnv({ FFMPEG_THREADS: '1' })).toBe(1);
    expect(threadLimitFromEnv({})).toBeNull();
    expect(threadLimitFromEnv({ FFMPEG_THREADS: '0' })).toBeNull();
    expect(threadLimitFromEnv({ FFMPEG_THREADS: 'two' })).toBeNull();
  });

  it('limits the filter graphs, every decoder and every encoding output', () => {
    const args = ['-y', '-i', 'file:a', '-map', '0:v', '-c:v', 'libx264', 'file:b.mp4', '-map', '0:a', '-c:a', 'aac', 'file:c.m4a'];
    expect(limitThreads(args, 1)).toEqual([
      '-filter_threads', '1', '-filter_complex_threads', '1',
      '-y', '-threads', '1', '-i', 'file:a', '-map', '0:v', '-c:v', 'libx264', '-threads', '1', 'file:b.mp4', '-map', '0:a', '-c:a', 'aac', 'file:c.m4a',
    ]);
    expect(limitThreads(args, null)).toEqual(args);
  });
});
