import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { isPlaylistUrl, localFileName, rewritePlaylistForOffline, safeFileName } from './m3u8.js';
import { rewriteStoryboardForOffline } from './storyboard.js';

export interface DownloadProgress {
  /** Called with the bytes received so far by this download (all files, for an HLS ladder). */
  onProgress?: (receivedBytes: number) => void;
  signal?: AbortSignal;
}

/** A completed job's output, as the API lists it. */
export interface DownloadableOutput {
  name: string;
  contentType: string | null;
  url: string | null;
}

const HLS_CONTENT_TYPE = 'application/vnd.apple.mpegurl';
const STORYBOARD_CONTENT_TYPE = 'text/vtt';

/**
 * Downloads one output into `directory` and returns the local path: a file "<name><ext>", or for
 * HLS a folder "<name>/" holding the master, the variant playlists and the segments, with every
 * URI rewritten to a relative local name so the ladder plays offline; for a storyboard a folder
 * "<name>/" with its WebVTT and sprite sheet, the cues pointing at the local sheet.
 */
export async function downloadOutput(output: DownloadableOutput, directory: string, options: DownloadProgress = {}): Promise<string> {
  if (!output.url) throw new Error(`Output "${output.name}" has no download URL (is the job COMPLETED?)`);
  await mkdir(directory, { recursive: true });
  if (output.contentType === HLS_CONTENT_TYPE || isPlaylistUrl(output.url)) {
    return downloadHlsLadder(output.url, path.join(directory, safeFileName(output.name, 'hls')), options);
  }
  if (output.contentType === STORYBOARD_CONTENT_TYPE) {
    return downloadStoryboard(output.url, path.join(directory, safeFileName(output.name, 'storyboard')), options);
  }
  const extension = path.extname(new URL(output.url).pathname).replace(/[^A-Za-z0-9.]/g, '');
  const target = path.join(directory, `${safeFileName(output.name, 'output')}${extension}`);
  await downloadFile(output.url, target, options.signal, (bytes) => options.onProgress?.(bytes));
  return target;
}

/** Downloads an HLS ladder into `directory` and returns the local master playlist's path. */
export async function downloadHlsLadder(masterUrl: string, directory: string, options: DownloadProgress = {}): Promise<string> {
  await mkdir(directory, { recursive: true });
  const names = new Map<string, string>();
  const taken = new Set<string>();
  // One local name per distinct URL; a clash of last segments gets a numeric suffix.
  const nameFor = (url: string, fallback: string) => {
    let name = names.get(url);
    if (!name) {
      const base = localFileName(url, fallback);
      name = base;
      for (let index = 2; taken.has(name); index += 1) name = base.replace(/(\.[^.]*)?$/, (ext) => `-${index}${ext}`);
      taken.add(name);
      names.set(url, name);
    }
    return name;
  };

  let received = 0;
  const count = (bytes: number) => {
    received += bytes;
    options.onProgress?.(received);
  };
  const master = nameFor(masterUrl, 'master.m3u8');
  const fetched = new Set<string>();
  const playlists = [masterUrl];
  const media: string[] = [];
  while (playlists.length > 0) {
    const url = playlists.shift()!;
    if (fetched.has(url)) continue;
    fetched.add(url);
    const text = await fetchText(url, options.signal);
    const rewritten = rewritePlaylistForOffline(text, url, (reference) => nameFor(reference.url, reference.isPlaylist ? 'playlist.m3u8' : 'segment'));
    for (const reference of rewritten.references) (reference.isPlaylist ? playlists : media).push(reference.url);
    await writeFile(path.join(directory, nameFor(url, 'playlist.m3u8')), rewritten.text);
    count(Buffer.byteLength(rewritten.text));
  }
  const segments = [...new Set(media)];
  await forEachLimited(segments, 4, async (url) => {
    let last = 0;
    await downloadFile(url, path.join(directory, nameFor(url, 'segment')), options.signal, (bytes) => {
      count(bytes - last);
      last = bytes;
    });
  });
  return path.join(directory, master);
}

/** Downloads a storyboard's WebVTT and its sheets into `directory`; returns the local VTT's path. */
export async function downloadStoryboard(vttUrl: string, directory: string, options: DownloadProgress = {}): Promise<string> {
  await mkdir(directory, { recursive: true });
  const { text, sheets } = rewriteStoryboardForOffline(await fetchText(vttUrl, options.signal));
  let done = Buffer.byteLength(text);
  for (const sheet of sheets) {
    let last = 0;
    await downloadFile(sheet.url, path.join(directory, sheet.fileName), options.signal, (bytes) => {
      last = bytes;
      options.onProgress?.(done + bytes);
    });
    done += last;
  }
  const target = path.join(directory, localFileName(vttUrl, 'storyboard.vtt'));
  await writeFile(target, text);
  return target;
}

/** Streams a URL to `target` through a ".part" file, so a failed download never looks complete. */
async function downloadFile(url: string, target: string, signal: AbortSignal | undefined, onBytes: (bytes: number) => void): Promise<void> {
  const response = await fetch(url, { signal: signal ?? null });
  if (!response.ok || !response.body) throw new Error(`A download failed: HTTP ${response.status} for ${path.basename(target)}`);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      onBytes(received);
      callback(null, chunk);
    },
  });
  const partial = `${target}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as ReadableStream), counter, createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

async function fetchText(url: string, signal: AbortSignal | undefined): Promise<string> {
  const response = await fetch(url, { signal: signal ?? null });
  if (!response.ok) throw new Error(`A playlist download failed: HTTP ${response.status} for ${localFileName(url, 'playlist')}`);
  return response.text();
}

/** Runs `run` over `items`, `limit` at a time; after a failure no new item starts. */
async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      await run(items[next++]!).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  });
  await Promise.all(lanes);
}
