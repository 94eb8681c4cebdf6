import { z } from 'zod';
import {
  AUDIO_FORMATS,
  QUALITY_HEIGHT,
  VIDEO_PRESETS,
  VIDEO_QUALITIES,
  expandRenditions,
  type AudioFormat,
  type JobSpec,
  type OutputSpec,
  type VideoQuality,
} from '../../protocol/job-spec.js';
import { ValidationError } from './errors.js';
import { filenameFromUrl, sourceUrlSchema } from './url-source.js';
import { defaultImageName, imageInputSchema, validateImage, validateWaveform, waveformInputSchema, type ImageInput, type WaveformInput } from './output-inputs/images.js';
import { loudnessInputSchema, loudnessLabel, loudnessTarget } from './output-inputs/loudness.js';

/** The createJob input as GraphQL delivers it (nullable fields may be null or absent). */
export interface CreateJobInput {
  source: { filename?: string | null; contentType?: string | null; sizeBytes?: number | null; multipart?: boolean | null; url?: string | null };
  outputs: Array<{
    audio?: {
      name?: string | null;
      format: AudioFormat;
      bitrateKbps?: number | null;
      sampleRate?: number | null;
      channels?: number | null;
      bitDepth?: number | null;
      loudness?: { integratedLufs: number; truePeakDb?: number | null } | null;
    } | null;
    video?: { name?: string | null; preset: (typeof VIDEO_PRESETS)[number]; qualities?: VideoQuality[] | null } | null;
    image?: ImageInput | null;
    waveform?: WaveformInput | null;
  }>;
  webhookUrl?: string | null;
  priority?: number | null;
  idempotencyKey?: string | null;
  /** Checked by {@link validateLifecycleInput}. */
  metadata?: Record<string, unknown> | null;
  expiresAt?: Date | null;
}

export interface ValidatedCreateJob {
  spec: JobSpec;
  /**
   * An upload (`sizeBytes`, `url` null) or a URL source (`url`, `sizeBytes` null until fetched).
   * `multipart`: the upload goes in parts (asked for, or forced above S3's 5 GiB single-PUT limit).
   */
  source: { filename: string; contentType: string | null; sizeBytes: number | null; url: string | null; objectName: string; multipart: boolean };
  webhookUrl: string | null;
  priority: number;
  idempotencyKey: string | null;
}

export interface CreateInputLimits {
  maxUploadBytes: number;
}

/** Per-codec rules. Sample rates are the ones each encoder accepts (libmp3lame, aac, libopus, flac, pcm). */
export const AUDIO_RULES: Record<
  AudioFormat,
  { lossy: boolean; bitrate?: [number, number]; defaultBitrate?: number; sampleRates: number[]; maxChannels: number; bitDepths: number[] }
> = {
  MP3: { lossy: true, bitrate: [32, 320], defaultBitrate: 192, sampleRates: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000], maxChannels: 2, bitDepths: [] },
  AAC: { lossy: true, bitrate: [16, 512], defaultBitrate: 128, sampleRates: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000], maxChannels: 8, bitDepths: [] },
  OPUS: { lossy: true, bitrate: [6, 510], defaultBitrate: 96, sampleRates: [8000, 12000, 16000, 24000, 48000], maxChannels: 8, bitDepths: [] },
  FLAC: { lossy: false, sampleRates: [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000], maxChannels: 8, bitDepths: [16, 24] },
  WAV: { lossy: false, sampleRates: [8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000], maxChannels: 8, bitDepths: [16, 24, 32] },
};

export const DEFAULT_QUALITIES: Record<'WEB_OPTIMIZED' | 'HLS', VideoQuality[]> = {
  WEB_OPTIMIZED: ['P720'],
  HLS: ['P720', 'P480', 'P360'],
};

export const MAX_OUTPUTS = 10;
/** S3 and R2 refuse a single PUT above 5 GiB: bigger sources are always uploaded in parts. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const ALLOWED_CONTENT_TYPE = /^(audio|video)\/[a-z0-9][a-z0-9.+-]*$|^application\/(octet-stream|ogg|mp4|x-matroska)$/;

const name = z
  .string()
  .regex(NAME_PATTERN, 'must be 1 to 48 lowercase letters, digits or hyphens, starting and ending with a letter or digit')
  .nullish();

const inputSchema = z.object({
  source: z.object({
    filename: z
      .string()
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must not contain control characters')
      .nullish(),
    contentType: z
      .string()
      .transform((value) => value.trim().toLowerCase())
      .refine((value) => ALLOWED_CONTENT_TYPE.test(value), 'must be an audio/* or video/* media type (or application/octet-stream)')
      .nullish(),
    sizeBytes: z.number().int().min(1, 'must be at least 1 byte (an empty file cannot be transcoded)').nullish(),
    multipart: z.boolean().nullish(),
    url: sourceUrlSchema.nullish(),
  }),
  outputs: z
    .array(
      z.object({
        audio: z
          .object({
            name,
            format: z.enum(AUDIO_FORMATS),
            bitrateKbps: z.number().int().nullish(),
            sampleRate: z.number().int().nullish(),
            channels: z.number().int().min(1, 'must be from 1 to 8').max(8, 'must be from 1 to 8').nullish(),
            bitDepth: z.number().int().nullish(),
            loudness: loudnessInputSchema,
          })
          .nullish(),
        video: z
          .object({ name, preset: z.enum(VIDEO_PRESETS), qualities: z.array(z.enum(VIDEO_QUALITIES)).nullish() })
          .nullish(),
        image: imageInputSchema(name).nullish(),
        waveform: waveformInputSchema(name).nullish(),
      }),
    )
    .min(1, 'at least one output is required')
    .max(MAX_OUTPUTS, `at most ${MAX_OUTPUTS} outputs per job`),
  webhookUrl: z
    .string()
    .max(2048, 'must be at most 2048 characters')
    .refine((value) => isHttpUrl(value), 'must be an absolute http or https URL')
    .nullish(),
  priority: z.number().int().min(-1000, 'must be from -1000 to 1000').max(1000, 'must be from -1000 to 1000').nullish(),
  idempotencyKey: z
    .string()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters')
    .refine((value) => /^[\x21-\x7e]+$/.test(value), 'must be printable ASCII without spaces')
    .nullish(),
});

/**
 * Validates the whole createJob input and fills every default, pure. The first problem becomes a
 * ValidationError whose `field` is the input path ("input.outputs.1.audio.sampleRate").
 */
export function validateCreateJobInput(input: CreateJobInput, limits: CreateInputLimits): ValidatedCreateJob | ValidationError {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = fieldPath(issue.path);
    return new ValidationError(`${field} ${issue.message}`, field);
  }
  const value = parsed.data;
  const source = validateSource(value.source);
  if (source instanceof ValidationError) return source;
  if (source.sizeBytes !== null && source.sizeBytes > limits.maxUploadBytes) {
    return new ValidationError(
      `input.source.sizeBytes is ${source.sizeBytes} bytes; the most this service accepts is ${limits.maxUploadBytes} bytes`,
      'input.source.sizeBytes',
    );
  }

  const outputs: OutputSpec[] = [];
  for (const [index, output] of value.outputs.entries()) {
    const path = `input.outputs.${index}`;
    const given = [output.audio, output.video, output.image, output.waveform].filter((member) => member !== null && member !== undefined);
    if (given.length !== 1) return new ValidationError(`${path} must set exactly one of audio, video, image or waveform`, path);
    const spec = output.audio
      ? validateAudio(output.audio, `${path}.audio`)
      : output.video
        ? validateVideo(output.video, `${path}.video`)
        : output.image
          ? validateImage(output.image, `${path}.image`)
          : validateWaveform(output.waveform!);
    if (spec instanceof ValidationError) return spec;
    outputs.push(spec);
  }
  const named = assignNames(outputs, value.outputs.map((output) => (output.audio ?? output.video ?? output.image ?? output.waveform)?.name ?? null));
  if (named instanceof ValidationError) return named;

  return {
    spec: { outputs: named },
    source: {
      ...source,
      contentType: value.source.contentType ?? null,
      objectName: sanitizeFilename(source.filename),
      multipart: source.sizeBytes !== null && (value.source.multipart === true || source.sizeBytes > MAX_SINGLE_PUT_BYTES),
    },
    webhookUrl: value.webhookUrl ?? null,
    priority: value.priority ?? 0,
    idempotencyKey: value.idempotencyKey ?? null,
  };
}

/** Either an upload (sizeBytes, with a filename) or a URL (filename derived when omitted), never both. */
function validateSource(source: z.infer<typeof inputSchema>['source']): { filename: string; sizeBytes: number | null; url: string | null } | ValidationError {
  const url = source.url ?? null;
  const sizeBytes = source.sizeBytes ?? null;
  if (url !== null && sizeBytes !== null) {
    return new ValidationError('input.source takes either sizeBytes (an upload) or url (a source the service fetches), not both', 'input.source.url');
  }
  if (url === null && sizeBytes === null) {
    return new ValidationError('input.source needs sizeBytes (the size of the file you will upload) or url (a source the service fetches)', 'input.source.sizeBytes');
  }
  if (url === null && !source.filename) return new ValidationError('input.source.filename is required for an upload', 'input.source.filename');
  if (url !== null && source.multipart === true) {
    return new ValidationError('input.source.multipart applies to uploads; a URL source is copied into the store by the service', 'input.source.multipart');
  }
  return { filename: source.filename ?? filenameFromUrl(url!), sizeBytes, url };
}

type AudioInput = NonNullable<z.infer<typeof inputSchema>['outputs'][number]['audio']>;
type VideoInput = NonNullable<z.infer<typeof inputSchema>['outputs'][number]['video']>;

function validateAudio(audio: AudioInput, path: string): OutputSpec | ValidationError {
  const rules = AUDIO_RULES[audio.format];
  const bitrate = audio.bitrateKbps ?? null;
  if (bitrate !== null) {
    if (!rules.lossy || !rules.bitrate) {
      return new ValidationError(`${path}.bitrateKbps applies to lossy formats only (MP3, AAC, OPUS); ${audio.format} is lossless`, `${path}.bitrateKbps`);
    }
    const [min, max] = rules.bitrate;
    if (bitrate < min || bitrate > max) {
      return new ValidationError(`${path}.bitrateKbps must be from ${min} to ${max} for ${audio.format}`, `${path}.bitrateKbps`);
    }
  }
  const sampleRate = audio.sampleRate ?? null;
  if (sampleRate !== null && !rules.sampleRates.includes(sampleRate)) {
    return new ValidationError(
      `${path}.sampleRate ${sampleRate} is not supported by ${audio.format}; use one of ${rules.sampleRates.join(', ')}`,
      `${path}.sampleRate`,
    );
  }
  const channels = audio.channels ?? null;
  if (channels !== null && channels > rules.maxChannels) {
    return new ValidationError(`${path}.channels must be from 1 to ${rules.maxChannels} for ${audio.format}`, `${path}.channels`);
  }
  const loudness = loudnessTarget(audio.loudness);
  const bitDepth = audio.bitDepth ?? null;
  if (bitDepth !== null) {
    if (rules.bitDepths.length === 0) {
      return new ValidationError(`${path}.bitDepth applies to WAV and FLAC only`, `${path}.bitDepth`);
    }
    if (!rules.bitDepths.includes(bitDepth)) {
      return new ValidationError(`${path}.bitDepth must be one of ${rules.bitDepths.join(', ')} for ${audio.format}`, `${path}.bitDepth`);
    }
  }
  return {
    kind: 'audio',
    name: '',
    format: audio.format,
    bitrateKbps: rules.lossy ? (bitrate ?? rules.defaultBitrate!) : null,
    sampleRate,
    channels,
    bitDepth,
    // Only when asked for: the specs of outputs without it stay as they were.
    ...(loudness ? { loudness } : {}),
  };
}

function validateVideo(video: VideoInput, path: string): OutputSpec | ValidationError {
  const qualities = video.qualities ?? null;
  if (video.preset === 'PASSTHROUGH') {
    if (qualities !== null && qualities.length > 0) {
      return new ValidationError(`${path}.qualities does not apply to PASSTHROUGH, which keeps the source's streams`, `${path}.qualities`);
    }
    return { kind: 'video', name: '', preset: 'PASSTHROUGH', qualities: [] };
  }
  if (qualities !== null && qualities.length === 0) {
    return new ValidationError(`${path}.qualities must list at least one quality (or be omitted for the default)`, `${path}.qualities`);
  }
  if (qualities !== null && new Set(qualities).size !== qualities.length) {
    return new ValidationError(`${path}.qualities lists a quality twice`, `${path}.qualities`);
  }
  const chosen = [...(qualities ?? DEFAULT_QUALITIES[video.preset])].sort((a, b) => QUALITY_HEIGHT[b] - QUALITY_HEIGHT[a]);
  return { kind: 'video', name: '', preset: video.preset, qualities: chosen };
}

/** Gives every output its name: the given one, or a derived default made unique ("mp3-192k", "mp3-192k-2"). */
function assignNames(outputs: OutputSpec[], givenNames: Array<string | null>): OutputSpec[] | ValidationError {
  const taken = new Set<string>();
  for (const [index, given] of givenNames.entries()) {
    if (given === null) continue;
    if (taken.has(given)) {
      const kind = outputs[index]!.kind;
      return new ValidationError(`input.outputs.${index}.${kind}.name "${given}" is used by another output`, `input.outputs.${index}.${kind}.name`);
    }
    taken.add(given);
  }
  const named = outputs.map((output, index) => {
    let name = givenNames[index];
    if (name === null || name === undefined) {
      const base = defaultName(output);
      name = base;
      for (let suffix = 2; taken.has(name); suffix++) name = `${base}-${suffix}`;
      taken.add(name);
    }
    return { ...output, name };
  });
  // WEB_OPTIMIZED renditions are "<name>-<quality>": they must not collide with another output's name.
  const seen = new Map<string, number>();
  for (const rendition of expandRenditions({ outputs: named })) {
    const other = seen.get(rendition.name);
    if (other !== undefined && other !== rendition.outputIndex) {
      const kind = named[rendition.outputIndex]!.kind;
      return new ValidationError(
        `input.outputs.${rendition.outputIndex}.${kind}.name gives a rendition "${rendition.name}" that another output already uses`,
        `input.outputs.${rendition.outputIndex}.${kind}.name`,
      );
    }
    seen.set(rendition.name, rendition.outputIndex);
  }
  return named;
}

/**
 * A default name that says what the output is: the format and every setting the request gave
 * ("mp3-192k", "flac-24bit", "wav-48k-mono", "aac-128k-44k1-stereo"), so two outputs of one format
 * differ by what differs between them rather than by a counter.
 */
export function defaultName(output: OutputSpec): string {
  if (output.kind === 'video') return { PASSTHROUGH: 'passthrough', WEB_OPTIMIZED: 'web', HLS: 'hls' }[output.preset];
  if (output.kind === 'image' || output.kind === 'waveform') return defaultImageName(output);
  const parts: string[] = [output.format.toLowerCase()];
  if (output.bitrateKbps !== null) parts.push(`${output.bitrateKbps}k`);
  if (output.bitDepth !== null) parts.push(`${output.bitDepth}bit`);
  if (output.sampleRate !== null) parts.push(sampleRateLabel(output.sampleRate));
  if (output.channels !== null) parts.push(CHANNEL_LABELS[output.channels] ?? `${output.channels}ch`);
  if (output.loudness) parts.push(loudnessLabel(output.loudness));
  return parts.join('-');
}

const CHANNEL_LABELS: Readonly<Record<number, string>> = { 1: 'mono', 2: 'stereo' };

/** 48000 -> "48k", 44100 -> "44k1", 22050 -> "22k05" (the audio engineer's notation; a name may not hold dots). */
function sampleRateLabel(hertz: number): string {
  const thousands = Math.floor(hertz / 1000);
  const rest = String(hertz % 1000).padStart(3, '0').replace(/0+$/, '');
  return `${thousands}k${rest}`;
}

/** The uploaded file's object name: the base name with anything unsafe in an S3 key replaced. */
export function sanitizeFilename(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents off their letters
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(-100);
  return cleaned === '' ? 'source' : cleaned;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function fieldPath(path: PropertyKey[]): string {
  return ['input', ...path.map(String)].join('.');
}
