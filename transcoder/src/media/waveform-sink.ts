import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { PcmPipe } from './plan.js';
import { WaveformBuilder } from './waveform.js';

/**
 * Reads a run's PCM pipe to its end, feeding every waveform of the plan at once, then writes each
 * waveform's JSON into the output directory. Memory: the peaks only (4 values per pixel and channel).
 */
export async function writeWaveforms(stream: Readable, pcm: PcmPipe, outputDir: string): Promise<void> {
  const builders = pcm.waveforms.map((waveform) => ({
    fileName: waveform.fileName,
    builder: new WaveformBuilder({ sampleRate: pcm.sampleRate, channels: pcm.channels, pixelsPerSecond: waveform.pixelsPerSecond, bits: waveform.bits }),
  }));
  for await (const chunk of stream) {
    for (const { builder } of builders) builder.push(chunk as Buffer);
  }
  for (const { fileName, builder } of builders) {
    await writeFile(path.join(outputDir, fileName), JSON.stringify(builder.finish()));
  }
}
