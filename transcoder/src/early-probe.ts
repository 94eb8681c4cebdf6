import { open, rm, truncate, writeFile } from 'node:fs/promises';
import { probeFile, type ProbeResult } from './media/index.js';
import type { SourceDownload } from './source-download.js';

/**
 * The bytes of a source that must be in before it is probed early: a WAV's header (format, then the
 * data chunk's size) sits in its first few hundred bytes, but a LIST chunk can come before the data.
 */
const HEAD_BYTES = 1024 * 1024;

/**
 * Probes a WAV source from its first megabyte while the rest downloads, so that ffmpeg can start on
 * it (reading it front to back as it arrives) instead of waiting for the last byte. Returns null for
 * anything else, or whenever the early probe is not certain, and the job probes the whole file as
 * before.
 *
 * Why the answer is the whole file's: the probe reads a copy of the head padded (sparsely) with zeros
 * to the source's full size, so ffprobe sees the same header and the same file size; a WAV's duration
 * comes from its header's data size, or, when that is unset, from the file size; its streams' format
 * from the header alone. What follows the data chunk (tags) changes nothing the job uses.
 */
export async function probeWhileDownloading(download: SourceDownload, input: string, sizeBytes: number, signal: AbortSignal): Promise<ProbeResult | null> {
  const headBytes = Math.min(sizeBytes, HEAD_BYTES);
  await download.waitFor(headBytes);
  if (download.written < headBytes) return null;
  const head = Buffer.alloc(headBytes);
  const handle = await open(input, 'r');
  try {
    await handle.read(head, 0, headBytes, 0);
  } finally {
    await handle.close();
  }
  if (!isWave(head)) return null;
  const copy = `${input}.head.wav`;
  try {
    await writeFile(copy, head);
    await truncate(copy, sizeBytes);
    const probe = await probeFile(copy, { signal });
    return probe.formatName === 'wav' && probe.audio && !probe.video ? probe : null;
  } catch {
    // Anything odd: the whole file's probe decides, and reports it, as before.
    return null;
  } finally {
    await rm(copy, { force: true });
  }
}

/** "RIFF" (or RF64 for WAVs over 4 GiB), a size, "WAVE". */
function isWave(head: Buffer): boolean {
  const riff = head.toString('latin1', 0, 4);
  return head.length >= 12 && (riff === 'RIFF' || riff === 'RF64') && head.toString('latin1', 8, 12) === 'WAVE';
}
