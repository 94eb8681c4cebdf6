import path from 'node:path';
import { HLS_MASTER_FILE, type VideoOutputSpec } from '../../../protocol/job-spec.js';
import { expectedEncodedVideo, x264Args, type PresetPlan, type VideoPlanContext } from './video-context.js';
import { KEYFRAME_GRID_SECONDS, keyframeGridArgs } from './keyframe-grid.js';
import type { VideoTarget } from './video-ladder.js';

/** Apple's HLS authoring guidance recommends 6 s segments: one per step of the keyframe grid. */
export const HLS_SEGMENT_SECONDS = KEYFRAME_GRID_SECONDS;

/**
 * HLS: one `-f hls` output holding every ladder step, written as
 * `<name>/master.m3u8`, `<name>/<label>.m3u8` and `<name>/<label>-00000.ts`. Variant playlists and
 * segments sit next to the master, so every URI inside is a bare relative file name that resolves
 * wherever the directory is published.
 */
export function planHls(
  output: VideoOutputSpec,
  outputIndex: number,
  targets: readonly VideoTarget[],
  context: VideoPlanContext,
): PresetPlan {
  const { source } = context;
  const directory = path.join(context.outputDir, output.name);
  const audioBitrateKbps = targets[0]?.audioBitrateKbps ?? 128;
  const outputArgs = [
    ...targets.flatMap((target) => ['-map', context.branch(target.height)]),
    // One audio copy per variant: each variant is a self-contained stream, the most compatible layout.
    ...(source.audio ? targets.flatMap(() => ['-map', `0:${source.audio?.streamIndex}`]) : []),
    ...x264Args(),
    ...targets.flatMap((target, index) => [
      `-maxrate:v:${index}`, `${target.maxrateKbps}k`,
      `-bufsize:v:${index}`, `${target.maxrateKbps * 2}k`,
    ]),
    ...keyframeGridArgs(source.video.frameRate),
    ...(context.audio?.args(audioBitrateKbps) ?? []),
    ...context.commonOutputArgs,
    ...muxerArgs(targets, source.audio !== null, directory),
  ];
  return {
    outputArgs,
    directories: [output.name],
    renditions: [
      {
        name: output.name,
        outputIndex,
        quality: null,
        fileName: `${output.name}/${HLS_MASTER_FILE}`,
        contentType: 'application/vnd.apple.mpegurl',
        durationSeconds: context.durationSeconds,
        expected: {
          kind: 'hls',
          audio: context.audio?.expected(audioBitrateKbps) ?? null,
          variants: targets.map((target) => ({
            label: target.label,
            playlist: `${output.name}/${target.label}.m3u8`,
            video: expectedEncodedVideo(target, source.video),
          })),
        },
      },
    ],
  };
}

/** `-f hls` is explicit: HLS options on a path the muxer does not recognise are silently ignored. */
export function muxerArgs(targets: readonly VideoTarget[], withAudio: boolean, directory: string): string[] {
  const streamMap = targets
    .map((target, index) => `v:${index}${withAudio ? `,a:${index}` : ''},name:${target.label}`)
    .join(' ');
  return [
    '-f', 'hls',
    '-hls_time', String(HLS_SEGMENT_SECONDS),
    '-hls_playlist_type', 'vod',
    '-hls_flags', 'independent_segments',
    '-hls_segment_type', 'mpegts',
    '-master_pl_name', HLS_MASTER_FILE,
    '-var_stream_map', streamMap,
    '-hls_segment_filename', path.join(directory, '%v-%05d.ts'),
    path.join(directory, '%v.m3u8'),
  ];
}
