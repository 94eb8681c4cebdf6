import type { AudioFormat, OutputInput, VideoPreset, VideoQuality } from '../client/generated/graphql.js';
import { parseImageSpec, parseLoudness } from './image-specs.js';
import { UsageError } from './usage-error.js';

/**
 * The CLI's output flags, parsed strictly into `OutputInput`s. Anything unrecognised is an error
 * naming the flag, the field and what would be accepted; ranges the codecs impose (e.g. Opus
 * sample rates) are left to the API, whose ValidationError names the field.
 *
 *   --audio <format>[:<bitrate>k|<depth>bit[:<sampleRate>[:<channels>]]]   mp3:192k:44100:2, flac:24bit, opus::48000
 *   --video <preset>[:<quality>,...]                                         hls:720p,360p, web:1080p, passthrough
 *   --image poster[:<seconds>]|thumbnails[:<count>]|storyboard[:<tiles>]     poster, thumbnails:12, storyboard
 *   --waveform                                                               peaks as JSON
 *   --loudness [<LUFS>]                                                      every audio output normalised (bare: -16)
 */
export class OutputSpecError extends UsageError {
  override name = 'OutputSpecError';
}

const AUDIO_FORMATS: Readonly<Record<string, AudioFormat>> = { mp3: 'MP3', aac: 'AAC', opus: 'OPUS', flac: 'FLAC', wav: 'WAV' };
const VIDEO_PRESETS: Readonly<Record<string, VideoPreset>> = {
  hls: 'HLS',
  web: 'WEB_OPTIMIZED',
  web_optimized: 'WEB_OPTIMIZED',
  'web-optimized': 'WEB_OPTIMIZED',
  mp4: 'WEB_OPTIMIZED',
  passthrough: 'PASSTHROUGH',
};
const VIDEO_QUALITIES: readonly VideoQuality[] = ['P144', 'P240', 'P360', 'P480', 'P720', 'P1080'];

/** Parses one `--audio` value. */
export function parseAudioSpec(spec: string): OutputInput {
  const fail = (problem: string) => new OutputSpecError(`--audio "${spec}": ${problem}`);
  const [formatText = '', quality = '', rateText = '', channelsText = '', ...extra] = spec.split(':');
  if (extra.length > 0) throw fail('too many fields; expected <format>[:<bitrate>k|<depth>bit[:<sampleRate>[:<channels>]]]');
  const format = AUDIO_FORMATS[formatText.toLowerCase()];
  if (!format) throw fail(`unknown format "${formatText}"; expected one of ${Object.keys(AUDIO_FORMATS).join(', ')}`);

  const audio: NonNullable<OutputInput['audio']> = { format };
  if (quality !== '') {
    const bitrate = /^(\d{1,4})k$/i.exec(quality);
    const depth = /^(\d{1,2})bit$/i.exec(quality);
    if (bitrate) audio.bitrateKbps = Number(bitrate[1]);
    else if (depth) audio.bitDepth = Number(depth[1]);
    else throw fail(`"${quality}" is neither a bitrate like 192k nor a bit depth like 24bit`);
  }
  if (rateText !== '') {
    if (!/^\d{4,6}$/.test(rateText)) throw fail(`sample rate "${rateText}" is not a rate in Hz like 44100`);
    audio.sampleRate = Number(rateText);
  }
  if (channelsText !== '') {
    if (!/^[1-8]$/.test(channelsText)) throw fail(`channels "${channelsText}" is not a count from 1 to 8`);
    audio.channels = Number(channelsText);
  }
  return { audio };
}

/** Parses one `--video` value. */
export function parseVideoSpec(spec: string): OutputInput {
  const fail = (problem: string) => new OutputSpecError(`--video "${spec}": ${problem}`);
  const [presetText = '', qualitiesText, ...extra] = spec.split(':');
  if (extra.length > 0) throw fail('too many fields; expected <preset>[:<quality>,...]');
  const preset = VIDEO_PRESETS[presetText.toLowerCase()];
  if (!preset) throw fail(`unknown preset "${presetText}"; expected hls, web or passthrough`);
  if (qualitiesText === undefined) return { video: { preset } };
  if (preset === 'PASSTHROUGH') throw fail('passthrough keeps the source as it is and takes no qualities');

  const qualities = qualitiesText.split(',').map((text) => {
    const quality = `P${/^p?(\d+)p?$/i.exec(text)?.[1] ?? ''}` as VideoQuality;
    if (!VIDEO_QUALITIES.includes(quality)) {
      throw fail(`unknown quality "${text}"; expected ${VIDEO_QUALITIES.map((value) => `${value.slice(1)}p`).join(', ')}`);
    }
    return quality;
  });
  const duplicate = qualities.find((quality, index) => qualities.indexOf(quality) !== index);
  if (duplicate) throw fail(`quality ${duplicate.slice(1)}p is listed twice`);
  return { video: { preset, qualities } };
}

/** The flags beside --audio and --video: images, a waveform, and loudness for the audio outputs. */
export interface ExtraOutputFlags {
  image?: readonly string[];
  waveform?: boolean;
  /** `true` for a bare --loudness (-16 LUFS), else its value. */
  loudness?: string | boolean;
}

/**
 * Every output, audio first, then video, images and the waveform, each paired with the flag it came
 * from (for error messages). --loudness normalises every audio output.
 */
export function parseOutputSpecs(audio: readonly string[], video: readonly string[], extra: ExtraOutputFlags = {}): Array<{ flag: string; output: OutputInput }> {
  const loudness = extra.loudness === undefined || extra.loudness === false ? null : parseLoudness(extra.loudness);
  if (loudness && audio.length === 0) throw new OutputSpecError('--loudness normalises audio outputs: give at least one --audio');
  const loudnessFlag = loudness ? ` --loudness ${loudness.integratedLufs}` : '';
  const outputs = [
    ...audio.map((spec) => {
      const output = parseAudioSpec(spec);
      if (loudness) output.audio!.loudness = loudness;
      return { flag: `--audio ${spec}${loudnessFlag}`, output };
    }),
    ...video.map((spec) => ({ flag: `--video ${spec}`, output: parseVideoSpec(spec) })),
    ...(extra.image ?? []).map((spec) => ({ flag: `--image ${spec}`, output: parseImageSpec(spec) })),
    ...(extra.waveform ? [{ flag: '--waveform', output: { waveform: {} } }] : []),
  ];
  if (outputs.length === 0) throw new OutputSpecError('no outputs: give at least one --audio, --video, --image or --waveform');
  return outputs;
}
