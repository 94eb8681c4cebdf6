import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { resolveBinaries } from '../../transcoder/src/media/binaries.js';

/**
 * Small media inputs generated with ffmpeg's lavfi sources, 2-3 s each so the media tests stay fast.
 * Audio carries pink noise on one channel, so lossy encoders actually spend their bitrate.
 */
const FIXTURES = {
  /** 3 s, stereo, 44.1 kHz, 16-bit PCM WAV. */
  'wav-16bit-stereo-44k.wav': [
    '-f', 'lavfi', '-i', 'anoisesrc=d=3:c=pink:r=44100:a=0.3:seed=42',
    '-f', 'lavfi', '-i', 'sine=f=440:d=3:sample_rate=44100',
    '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le',
  ],
  /** 68 s, stereo, 48 kHz, 16-bit PCM WAV: about 12.5 MiB, three parts of 5 MiB for uploads in parts. */
  'wav-68s-stereo-48k.wav': [
    '-f', 'lavfi', '-i', 'anoisesrc=d=68:c=pink:r=48000:a=0.3:seed=42',
    '-f', 'lavfi', '-i', 'sine=f=440:d=68:sample_rate=48000',
    '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s16le',
  ],
  /** 2 s, stereo, 48 kHz, 24-bit PCM WAV. */
  'wav-24bit-stereo-48k.wav': [
    '-f', 'lavfi', '-i', 'anoisesrc=d=2:c=pink:r=48000:a=0.3:seed=42',
    '-f', 'lavfi', '-i', 'sine=f=440:d=2:sample_rate=48000',
    '-filter_complex', '[0][1]amerge=inputs=2', '-c:a', 'pcm_s24le',
  ],
  /** 3 s, 640x360 at 30 fps H.264 + stereo 44.1 kHz AAC, index (moov) at the end as most encoders write it. */
  'h264-aac-360p.mp4': [
    '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=30:d=3',
    '-f', 'lavfi', '-i', 'sine=f=440:d=3:sample_rate=44100',
    '-ac', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest',
  ],
  /** 3 s, 320x180 VP9 + stereo Opus in WebM. */
  'vp9-opus-180p.webm': [
    '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=3',
    '-f', 'lavfi', '-i', 'sine=f=440:d=3:sample_rate=48000',
    '-ac', '2', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k',
    '-c:a', 'libopus', '-b:a', '64k', '-shortest',
  ],
  /** 2 s, 320x180 VP8 + Vorbis in WebM: neither fits MP4. */
  'vp8-vorbis-180p.webm': [
    '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=2',
    '-f', 'lavfi', '-i', 'sine=f=440:d=2:sample_rate=44100',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libvorbis', '-shortest',
  ],
  /** 2 s, 426x240 H.264 without any audio. */
  'video-only-240p.mp4': [
    '-f', 'lavfi', '-i', 'testsrc2=s=426x240:r=30:d=2',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
  ],
  /** 2 s, 321x181 (odd) FFV1 + PCM in Matroska: odd dimensions, and nothing MP4 can copy. */
  'ffv1-odd-size.mkv': [
    '-f', 'lavfi', '-i', 'testsrc2=s=322x182:r=25:d=2,scale=321:181,format=yuv444p',
    '-f', 'lavfi', '-i', 'sine=d=2:sample_rate=48000',
    '-c:v', 'ffv1', '-c:a', 'pcm_s16le', '-shortest',
  ],
  /** 2 s mono MP3 with a JPEG cover: the cover is a "video" stream that is not video. */
  'mp3-with-cover.mp3': [
    '-f', 'lavfi', '-i', 'sine=d=2:sample_rate=44100',
    '-f', 'lavfi', '-i', 'color=c=red:s=64x64:d=1',
    '-map', '0', '-map', '1', '-frames:v', '1', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic',
    '-c:a', 'libmp3lame', '-b:a', '128k',
  ],
} satisfies Record<string, string[]>;

export type FixtureName = keyof typeof FIXTURES;

export interface MediaWorkspace {
  dir: string;
  /** Generates the fixture once per workspace and returns its path. */
  fixture(name: FixtureName): Promise<string>;
  /** A fresh empty directory inside the workspace. */
  subdir(name: string): Promise<string>;
  cleanup(): Promise<void>;
}

/** A temp directory to generate fixtures and write outputs in. */
export async function createMediaWorkspace(): Promise<MediaWorkspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ffly-media-'));
  const generated = new Map<FixtureName, Promise<string>>();
  return {
    dir,
    fixture(name) {
      let file = generated.get(name);
      if (!file) {
        const target = path.join(dir, name);
        file = resolveBinaries()
          .then(({ ffmpeg }) => execa(ffmpeg, ['-nostdin', '-v', 'error', ...FIXTURES[name], '-y', target]))
          .then(() => target);
        generated.set(name, file);
      }
      return file;
    },
    async subdir(name) {
      const sub = path.join(dir, name);
      await rm(sub, { recursive: true, force: true });
      await mkdir(sub, { recursive: true });
      return sub;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Writes `content` to a file in `dir` and returns its path: crafted inputs, playlists, scripts. */
export async function writeFixtureText(dir: string, name: string, content: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

export interface CanaryServer {
  url: string;
  /** Requests received so far, of any path. */
  requests(): number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that counts requests: proof that nothing reached the network. */
export async function startCanaryServer(): Promise<CanaryServer> {
  let count = 0;
  const server = createServer((_request, response) => {
    count += 1;
    response.end('#EXTM3U\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * A stand-in for ffmpeg: a Node script that runs `body` (JavaScript). Lets tests reproduce hangs and
 * stubborn processes that real ffmpeg only shows on bad days.
 */
export async function writeFakeFfmpeg(dir: string, name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!${process.execPath}\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/** One `-progress` block as ffmpeg 5.1 prints it for an audio-only run. */
export function progressBlock(outTimeUs: number, end = false): string {
  return [
    'bitrate= 192.0kbits/s',
    'total_size=1024',
    `out_time_us=${outTimeUs}`,
    `out_time_ms=${outTimeUs}`,
    'out_time=00:00:00.000000',
    'dup_frames=0',
    'drop_frames=0',
    'speed=1.0x',
    `progress=${end ? 'end' : 'continue'}`,
    '',
  ].join('\n');
}
