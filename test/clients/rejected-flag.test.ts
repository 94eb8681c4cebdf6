import { describe, expect, it } from 'vitest';
import { rejectedFlagError } from '../../src/cli/rejected-flag.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { ApiError, JobRequestError } from '../../src/client/errors.js';

const sources = { outputFlags: ['--audio mp3:999k', '--video hls:720p'], file: 'talk.mov', contentType: 'video/quicktime;x' };
const rejected = (field: string, message: string) => rejectedFlagError(new JobRequestError('ValidationError', message, field), sources);

describe('naming the command-line flag behind an API ValidationError', () => {
  it('names the output flag and the setting in the words the flag uses', () => {
    const error = rejected('input.outputs.0.audio.bitrateKbps', 'input.outputs.0.audio.bitrateKbps must be from 32 to 320 for MP3');
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe('--audio mp3:999k: bitrate must be from 32 to 320 for MP3');
    expect((rejected('input.outputs.1.video.qualities', 'input.outputs.1.video.qualities lists a quality twice') as Error).message).toBe(
      '--video hls:720p: qualities lists a quality twice',
    );
  });

  it('names the file for the source and --content-type for its media type', () => {
    expect((rejected('input.source.sizeBytes', 'input.source.sizeBytes is 9 bytes; the most this service accepts is 1 bytes') as Error).message).toBe(
      'talk.mov: size is 9 bytes; the most this service accepts is 1 bytes',
    );
    expect((rejected('input.source.contentType', 'input.source.contentType must be an audio/* or video/* media type') as Error).message).toBe(
      '--content-type video/quicktime;x: media type must be an audio/* or video/* media type',
    );
  });

  it('leaves other errors as they are', () => {
    const notFound = new JobRequestError('NotFoundError', 'No job with this id');
    expect(rejectedFlagError(notFound, sources)).toBe(notFound);
    const down = new ApiError('Cannot reach the API', 0);
    expect(rejectedFlagError(down, sources)).toBe(down);
  });
});
