import { describe, expect, it } from 'vitest';
import { validateCreateJobInput } from '../../src/jobs/create-input.js';
import { ValidationError } from '../../src/jobs/errors.js';
import { filenameFromUrl, sourceUrlProblem } from '../../src/jobs/url-source.js';

const outputs = [{ audio: { format: 'MP3' as const } }];
const limits = { maxUploadBytes: 1_000 };

describe('URL sources at createJob', () => {
  it('refuses multipart for a URL source, which the service copies itself', () => {
    const refused = validateCreateJobInput({ source: { url: 'https://cdn.example.com/x.mp4', multipart: true }, outputs }, limits);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).field).toBe('input.source.multipart');
  });

  it.each([
    ['https://cdn.example.com/media/talk.mp4?X-Amz-Signature=abc', 'talk.mp4'],
    ['https://cdn.example.com/media/my%20talk%C3%A9.wav', 'my talké.wav'],
    ['https://cdn.example.com/', 'source'],
    ['https://cdn.example.com/a/b/', 'b'],
    ['https://cdn.example.com/%E0%A4%A', '%E0%A4%A'],
  ])('names the source of %s "%s" when no filename is given', (url, filename) => {
    expect(filenameFromUrl(url)).toBe(filename);
  });

  it('takes a URL without a size and keeps a given filename', () => {
    const validated = validateCreateJobInput({ source: { url: 'https://cdn.example.com/x.mp4', filename: 'named.mp4' }, outputs }, limits);
    expect(validated).not.toBeInstanceOf(ValidationError);
    expect((validated as Exclude<typeof validated, ValidationError>).source).toEqual({
      filename: 'named.mp4',
      contentType: null,
      sizeBytes: null,
      url: 'https://cdn.example.com/x.mp4',
      objectName: 'named.mp4',
      multipart: false,
    });
  });

  it.each([
    ['ftp://example.com/a.wav', 'must be an absolute http or https URL'],
    ['file:///etc/passwd', 'must be an absolute http or https URL'],
    ['not a url', 'must be an absolute http or https URL'],
    ['https://user:secret@example.com/a.wav', 'must not carry a user name or password; use a signed URL instead'],
  ])('refuses %s', (url, problem) => {
    expect(sourceUrlProblem(url)).toBe(problem);
    expect(validateCreateJobInput({ source: { url }, outputs }, limits)).toEqual(new ValidationError(`input.source.url ${problem}`, 'input.source.url'));
  });

  it('refuses a size and a URL together, and neither', () => {
    const both = validateCreateJobInput({ source: { url: 'https://example.com/a.wav', sizeBytes: 10, filename: 'a.wav' }, outputs }, limits);
    expect(both).toMatchObject({ field: 'input.source.url' });
    const neither = validateCreateJobInput({ source: { filename: 'a.wav' }, outputs }, limits);
    expect(neither).toMatchObject({ field: 'input.source.sizeBytes' });
    const noName = validateCreateJobInput({ source: { sizeBytes: 10 }, outputs }, limits);
    expect(noName).toMatchObject({ field: 'input.source.filename' });
  });
});
