/**
 * Waveform peaks in the audiowaveform JSON format, version 2 (what peaks.js and wavesurfer draw as is):
 * `{ version: 2, channels, sample_rate, samples_per_pixel, bits, length, data }` where `data` holds, for
 * each pixel, a min/max pair per channel (`[min0, max0, min1, max1, ...]`), as signed 8- or 16-bit
 * values. The worker computes them from the raw PCM (s16le, interleaved) that the job's single ffmpeg
 * process writes to a pipe, so no output decodes the source again.
 */

export interface WaveformJson {
  version: 2;
  channels: number;
  sample_rate: number;
  samples_per_pixel: number;
  bits: 8 | 16;
  length: number;
  data: number[];
}

export interface WaveformSettings {
  sampleRate: number;
  channels: number;
  pixelsPerSecond: number;
  bits: 8 | 16;
}

/** Whole samples per pixel, at least 1: the format needs an integer. */
export function samplesPerPixel(sampleRate: number, pixelsPerSecond: number): number {
  return Math.max(1, Math.round(sampleRate / pixelsPerSecond));
}

/** Accumulates min/max per pixel from s16le interleaved PCM chunks of any size. */
export class WaveformBuilder {
  private readonly perPixel: number;
  private readonly mins: number[];
  private readonly maxs: number[];
  private inPixel = 0;
  private channel = 0;
  /** A byte of a sample split across chunks. */
  private carry: number | null = null;
  private readonly data: number[] = [];

  constructor(private readonly settings: WaveformSettings) {
    this.perPixel = samplesPerPixel(settings.sampleRate, settings.pixelsPerSecond);
    this.mins = new Array<number>(settings.channels).fill(0);
    this.maxs = new Array<number>(settings.channels).fill(0);
    this.resetPixel();
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    if (this.carry !== null && chunk.length > 0) {
      this.sample(((chunk[0]! << 8) | this.carry) << 16 >> 16);
      this.carry = null;
      offset = 1;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (; offset + 1 < chunk.length; offset += 2) this.sample(view.getInt16(offset, true));
    if (offset < chunk.length) this.carry = chunk[offset]!;
  }

  /** Closes the last, partial pixel and returns the document. */
  finish(): WaveformJson {
    if (this.inPixel > 0) this.flushPixel();
    const { channels, sampleRate, bits } = this.settings;
    return {
      version: 2,
      channels,
      sample_rate: sampleRate,
      samples_per_pixel: this.perPixel,
      bits,
      length: this.data.length / (2 * channels),
      data: this.data,
    };
  }

  private sample(value: number): void {
    const channel = this.channel;
    if (value < this.mins[channel]!) this.mins[channel] = value;
    if (value > this.maxs[channel]!) this.maxs[channel] = value;
    this.channel += 1;
    if (this.channel === this.settings.channels) {
      this.channel = 0;
      this.inPixel += 1;
      if (this.inPixel === this.perPixel) this.flushPixel();
    }
  }

  private flushPixel(): void {
    // 8 bits: the top byte, as audiowaveform does (arithmetic shift keeps the sign).
    const scale = this.settings.bits === 8 ? (value: number) => value >> 8 : (value: number) => value;
    for (let channel = 0; channel < this.settings.channels; channel += 1) {
      this.data.push(scale(this.mins[channel]!), scale(this.maxs[channel]!));
    }
    this.inPixel = 0;
    this.resetPixel();
  }

  private resetPixel(): void {
    this.mins.fill(32767);
    this.maxs.fill(-32768);
  }
}

/**
 * Checks a document against the format: the fields and their types, `data` holding exactly `length`
 * min/max pairs per channel within the bit range, min <= max. Returns the problem, or null.
 */
export function waveformProblem(document: unknown): string | null {
  if (typeof document !== 'object' || document === null) return 'it is not a JSON object';
  const doc = document as Partial<Record<keyof WaveformJson, unknown>>;
  if (doc.version !== 2) return 'its version is not 2';
  const positiveInt = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;
  if (!positiveInt(doc.channels) || !positiveInt(doc.sample_rate) || !positiveInt(doc.samples_per_pixel)) {
    return 'channels, sample_rate and samples_per_pixel must be positive integers';
  }
  if (doc.bits !== 8 && doc.bits !== 16) return 'bits must be 8 or 16';
  if (!Number.isInteger(doc.length) || (doc.length as number) < 0) return 'length must be a whole number';
  if (!Array.isArray(doc.data)) return 'data must be an array';
  if (doc.data.length !== (doc.length as number) * 2 * doc.channels) return `data holds ${doc.data.length} values, not length x channels x 2`;
  const limit = doc.bits === 8 ? 128 : 32768;
  for (let index = 0; index < doc.data.length; index += 2) {
    const min: unknown = doc.data[index];
    const max: unknown = doc.data[index + 1];
    if (!Number.isInteger(min) || !Number.isInteger(max)) return 'data must hold whole numbers';
    if ((min as number) < -limit || (max as number) >= limit || (min as number) > (max as number)) {
      return `data[${index}] is not a min/max pair within ${doc.bits} bits`;
    }
  }
  return null;
}
