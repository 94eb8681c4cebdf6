import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { createJob, jobUuid } from '../support/jobs.js';

/** createJob with image, waveform and loudness outputs: every rule answers a ValidationError naming its field. */

const source = { filename: 'clip.mp4', contentType: 'video/mp4', sizeBytes: 1000 };
const OUTPUTS = 'mutation ($input: CreateJobInput!) { createJob(input: $input) { __typename ... on ValidationError { field message } ... on Job { id outputs { name contentType width height loudness { integratedLufs } url } } } }';

describe('image, waveform and loudness outputs at createJob', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.stop());

  async function create(outputs: unknown[]) {
    const result = await app.graphql(OUTPUTS, { input: { source, outputs } });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data.createJob;
  }

  it('fills the defaults and names every output, one per thumbnail', async () => {
    const job = await create([
      { image: { kind: 'POSTER' } },
      { image: { kind: 'THUMBNAILS', count: 3, format: 'WEBP' } },
      { image: { kind: 'STORYBOARD', format: 'PNG', width: 160 } },
      { waveform: {} },
      { audio: { format: 'MP3', loudness: { integratedLufs: -16 } } },
      { audio: { format: 'MP3' } },
    ]);
    expect(job.__typename).toBe('Job');
    expect(job.outputs.map((output: { name: string; contentType: string }) => [output.name, output.contentType])).toEqual([
      ['poster', 'image/jpeg'],
      ['thumbnails-1', 'image/webp'],
      ['thumbnails-2', 'image/webp'],
      ['thumbnails-3', 'image/webp'],
      ['storyboard', 'text/vtt'],
      ['waveform', 'application/json'],
      ['mp3-192k-16lufs', 'audio/mpeg'],
      ['mp3-192k', 'audio/mpeg'],
    ]);
    expect(job.outputs[0]).toMatchObject({ width: null, height: null, loudness: null, url: null });

    const [row] = await app.server.services.db.execute<{ spec: { outputs: unknown[] } }>(sql`select spec from jobs where id = ${jobUuid(job.id)}`);
    expect(row!.spec.outputs).toEqual([
      { kind: 'image', name: 'poster', imageKind: 'POSTER', format: 'JPEG', width: null, atSeconds: null, count: null },
      { kind: 'image', name: 'thumbnails', imageKind: 'THUMBNAILS', format: 'WEBP', width: null, atSeconds: null, count: 3 },
      { kind: 'image', name: 'storyboard', imageKind: 'STORYBOARD', format: 'PNG', width: 160, atSeconds: null, count: null },
      { kind: 'waveform', name: 'waveform', pixelsPerSecond: 20, bits: 8 },
      expect.objectContaining({ kind: 'audio', name: 'mp3-192k-16lufs', loudness: { integratedLufs: -16, truePeakDb: -1 } }),
      expect.objectContaining({ kind: 'audio', name: 'mp3-192k' }),
    ]);
    expect(row!.spec.outputs[5]).not.toHaveProperty('loudness');
  });

  it('gives THUMBNAILS ten frames by default', async () => {
    const job = await create([{ image: { kind: 'THUMBNAILS', name: 'thumbs' } }]);
    expect(job.outputs.map((output: { name: string }) => output.name)).toEqual(Array.from({ length: 10 }, (_, index) => `thumbs-${index + 1}`));
  });

  it('keeps the values given within range', async () => {
    const job = await create([
      { image: { kind: 'POSTER', atSeconds: 0, width: 16 } },
      { image: { kind: 'THUMBNAILS', count: 100, width: 3840 } },
      { image: { kind: 'STORYBOARD', count: 400 } },
      { waveform: { pixelsPerSecond: 1000, bits: 16 } },
      { audio: { format: 'FLAC', loudness: { integratedLufs: -70, truePeakDb: -9 } } },
      { audio: { format: 'WAV', loudness: { integratedLufs: -5, truePeakDb: 0 } } },
    ]);
    expect(job.__typename).toBe('Job');
    expect(job.outputs).toHaveLength(1 + 100 + 1 + 1 + 2);
  });

  it.each([
    ['width below 16', { image: { kind: 'POSTER', width: 15 } }, 'image.width', /must be from 16 to 3840/],
    ['width above 3840', { image: { kind: 'STORYBOARD', width: 3841 } }, 'image.width', /must be from 16 to 3840/],
    ['a negative poster time', { image: { kind: 'POSTER', atSeconds: -0.5 } }, 'image.atSeconds', /must be 0 or more/],
    ['a time on thumbnails', { image: { kind: 'THUMBNAILS', atSeconds: 3 } }, 'image.atSeconds', /applies to POSTER only/],
    ['a count on a poster', { image: { kind: 'POSTER', count: 2 } }, 'image.count', /does not apply to POSTER/],
    ['no thumbnails', { image: { kind: 'THUMBNAILS', count: 0 } }, 'image.count', /from 1 to 100 for THUMBNAILS/],
    ['101 thumbnails', { image: { kind: 'THUMBNAILS', count: 101 } }, 'image.count', /from 1 to 100 for THUMBNAILS/],
    ['no storyboard tiles', { image: { kind: 'STORYBOARD', count: 0 } }, 'image.count', /from 1 to 400 tiles for STORYBOARD/],
    ['401 storyboard tiles', { image: { kind: 'STORYBOARD', count: 401 } }, 'image.count', /from 1 to 400 tiles for STORYBOARD/],
    ['a bad image name', { image: { kind: 'POSTER', name: 'Poster!' } }, 'image.name', /lowercase letters, digits or hyphens/],
    ['0 pixels per second', { waveform: { pixelsPerSecond: 0 } }, 'waveform.pixelsPerSecond', /must be from 1 to 1000/],
    ['1001 pixels per second', { waveform: { pixelsPerSecond: 1001 } }, 'waveform.pixelsPerSecond', /must be from 1 to 1000/],
    ['12-bit peaks', { waveform: { bits: 12 } }, 'waveform.bits', /must be 8 or 16/],
    ['a target below -70 LUFS', { audio: { format: 'MP3', loudness: { integratedLufs: -70.5 } } }, 'audio.loudness.integratedLufs', /from -70 to -5 LUFS/],
    ['a target above -5 LUFS', { audio: { format: 'MP3', loudness: { integratedLufs: -4 } } }, 'audio.loudness.integratedLufs', /from -70 to -5 LUFS/],
    ['a true peak above 0', { audio: { format: 'MP3', loudness: { integratedLufs: -16, truePeakDb: 0.5 } } }, 'audio.loudness.truePeakDb', /from -9 to 0 dBTP/],
    ['a true peak below -9', { audio: { format: 'MP3', loudness: { integratedLufs: -16, truePeakDb: -9.5 } } }, 'audio.loudness.truePeakDb', /from -9 to 0 dBTP/],
  ])('refuses %s, naming the field', async (_what, output, field, message) => {
    const result = await create([{ audio: { format: 'OPUS' } }, output]);
    expect(result).toMatchObject({ __typename: 'ValidationError', field: `input.outputs.1.${field}` });
    expect(result.message).toMatch(message);
  });

  it('refuses a name that another output already has, given or derived for a thumbnail', async () => {
    const taken = await create([{ image: { kind: 'POSTER', name: 'cover' } }, { waveform: { name: 'cover' } }]);
    expect(taken).toMatchObject({ __typename: 'ValidationError', field: 'input.outputs.1.waveform.name' });
    expect(taken.message).toMatch(/"cover" is used by another output/);

    const derived = await create([{ audio: { format: 'MP3', name: 'thumbs-2' } }, { image: { kind: 'THUMBNAILS', name: 'thumbs', count: 3 } }]);
    expect(derived).toMatchObject({ __typename: 'ValidationError', field: 'input.outputs.1.image.name' });
    expect(derived.message).toMatch(/gives a rendition "thumbs-2" that another output already uses/);
  });

  it('makes default names unique when two outputs are alike', async () => {
    const job = await create([{ image: { kind: 'POSTER' } }, { image: { kind: 'POSTER', atSeconds: 1 } }, { waveform: {} }, { waveform: { bits: 16 } }]);
    expect(job.outputs.map((output: { name: string }) => output.name)).toEqual(['poster', 'poster-2', 'waveform', 'waveform-2']);
  });

  it('takes exactly one member of OutputInput', async () => {
    const result = await app.graphql(OUTPUTS, { input: { source, outputs: [{ image: { kind: 'POSTER' }, waveform: {} }] } });
    expect(result.data).toBeUndefined();
    expect(JSON.stringify(result.errors)).toMatch(/exactly one/i);
  });
});
