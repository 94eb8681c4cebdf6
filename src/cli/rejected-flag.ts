import { JobRequestError } from '../client/errors.js';
import { UsageError } from './usage-error.js';

/** What each part of the createJob input came from on the command line. */
export interface CommandLineSources {
  /** The flag behind each output, in input order: `--audio mp3:999k`. */
  outputFlags: readonly string[];
  /** The file argument (for `input.source...`). */
  file: string;
  /** The `--content-type` value, when one was given. */
  contentType?: string;
}

/** Input field names as the CLI's flags spell them. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  bitrateKbps: 'bitrate',
  sampleRate: 'sample rate',
  bitDepth: 'bit depth',
  sizeBytes: 'size',
};

/**
 * A ValidationError from createJob names an input path ("input.outputs.0.audio.bitrateKbps"); the
 * person typed flags. This rewrites it as a UsageError (exit code 2: nothing was created) that
 * names the flag, e.g. "--audio mp3:999k: bitrate must be from 32 to 320 for MP3". Any other error
 * is returned as it is.
 */
export function rejectedFlagError(error: unknown, sources: CommandLineSources): unknown {
  if (!(error instanceof JobRequestError) || error.typename !== 'ValidationError') return error;
  const field = error.field ?? '';
  // The API starts its messages with the path; what follows reads on after the field's own name.
  const rest = field && error.message.startsWith(`${field} `) ? error.message.slice(field.length + 1) : error.message;
  const [, section, index, , leaf] = field.split('.');
  const said = (name: string | undefined) => (name ? `${FIELD_WORDS[name] ?? name} ${rest}` : rest);

  if (section === 'outputs' && index !== undefined && sources.outputFlags[Number(index)]) {
    return new UsageError(`${sources.outputFlags[Number(index)]}: ${said(leaf)}`);
  }
  if (section === 'source') {
    const subject = field.endsWith('.contentType') && sources.contentType ? `--content-type ${sources.contentType}` : sources.file;
    const name = field.split('.')[2];
    return new UsageError(`${subject}: ${name === 'contentType' ? `media type ${rest}` : said(name)}`);
  }
  return new UsageError(field ? `${field}: ${rest}` : rest);
}
