import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../../../protocol/job-spec.js';
import { checkInput, MediaError } from '../../../transcoder/src/media/index.js';
import { audioOutput, sampleProbe, videoOutput } from './sample-probes.js';

const limits = { maxDurationSeconds: 3600, maxWidth: 3840, maxHeight: 2160 };
const audioJob: JobSpec = { outputs: [audioOutput({ format: 'MP3' })] };
const videoJob: JobSpec = { outputs: [videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P720'] })] };

function rejection(spec: JobSpec, probe = sampleProbe()): MediaError {
  try {
    checkInput(spec, probe, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).code).toBe('INPUT_REJECTED');
    return error as MediaError;
  }
  throw new Error('expected checkInput to reject');
}

describe('checkInput', () => {
  it('accepts an input within every limit', () => {
    expect(() => checkInput({ outputs: [...audioJob.outputs, ...videoJob.outputs] }, sampleProbe(), limits)).not.toThrow();
  });

  it('rejects a file longer than the duration limit, saying both lengths', () => {
    const error = rejection(audioJob, sampleProbe({ durationSeconds: 5400 }));
    expect(error.message).toBe('The file is 1 h 30 min long; the limit is 1 h.');
  });

  it('rejects a file whose duration is unknown or zero', () => {
    expect(rejection(audioJob, sampleProbe({ durationSeconds: null })).message).toContain('does not state how long');
    expect(rejection(audioJob, sampleProbe({ durationSeconds: 0 })).message).toContain('does not state how long');
  });

  it('rejects a video larger than the size limit', () => {
    const error = rejection(videoJob, sampleProbe({ video: { width: 7680, height: 4320 } }));
    expect(error.message).toBe('The video is 7680x4320; the largest accepted size is 3840x2160.');
  });

  it('accepts a portrait video whose sides fit the limits turned sideways', () => {
    expect(() => checkInput(videoJob, sampleProbe({ video: { width: 2160, height: 3840 } }), limits)).not.toThrow();
  });

  it('rejects an audio output when the file has no audio track', () => {
    expect(rejection(audioJob, sampleProbe({ audio: null })).message).toContain('no audio track');
  });

  it('rejects a video output when the file has no video track', () => {
    expect(rejection(videoJob, sampleProbe({ video: null })).message).toContain('no video track');
  });

  it('accepts a video output from a file without audio', () => {
    expect(() => checkInput(videoJob, sampleProbe({ audio: null }), limits)).not.toThrow();
  });
});
