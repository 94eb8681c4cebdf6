import path from 'node:path';
import { GLOBAL_ARGS, inputArgs } from '../media/ffmpeg-args.js';
import { acceptedDemuxer } from '../media/formats.js';
import { keyframeGridArgs } from '../media/keyframe-grid.js';
import type { FfmpegRun } from '../media/plan.js';
import type { ProbeResult } from '../media/probe.js';
import { filterGraph } from '../media/video-args.js';
import { aacForVideo, x264Args } from '../media/video-context.js';
import { partFilePath, type SplitLayout } from './split-layout.js';

/** The span of the source one VIDEO_PART encodes: [startSeconds, endSeconds); `last` runs to the source's end. */
export interface PartSpan {
  startSeconds: number;
  endSeconds: number;
  last: boolean;
}

/**
 * One ffmpeg process that encodes a part's span, video only, for every video rendition of every split
 * output at once (one decode, as a single run), each into its own MP4 (`partFilePath`): MP4 keeps exact
 * per-frame timestamps, so the stitch joins the parts with the concat demuxer and stream copy, frame
 * for frame where a single run would have them. Rate control and the keyframe grid are the single run's;
 * the grid is on the source timeline (shifted by the cut), so keyframes fall where one run puts them.
 *
 * `-ss` before the input: ffmpeg seeks to the source keyframe before the cut, decodes from there and
 * drops frames before the cut, so the part starts exactly at it. Pure.
 */
export function buildPartRun(layout: SplitLayout, probe: ProbeResult, span: PartSpan, paths: { input: string; outputDir: string }): { run: FfmpegRun; files: string[] } {
  const video = probe.video;
  const demuxer = acceptedDemuxer(probe.formatName);
  if (!video || !demuxer) throw new Error('a split job needs a video source in an accepted container');
  const files: string[] = [];
  const outputs: string[] = [];
  const branches: Array<{ filters: string; label: string }> = [];
  const length = span.endSeconds - span.startSeconds;
  for (const split of layout.videos) {
    for (const target of split.targets) {
      const label = `[v${branches.length}]`;
      branches.push({ filters: `scale=-2:${target.height},format=yuv420p`, label });
      const file = partFilePath(split.output.name, target.label);
      files.push(file);
      outputs.push(
        '-map', label,
        '-an',
        ...x264Args(),
        '-maxrate', `${target.maxrateKbps}k`,
        '-bufsize', `${target.maxrateKbps * 2}k`,
        ...keyframeGridArgs(video.frameRate, span.startSeconds),
        '-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024',
        // Output -t counts output frames before the next cut exactly; the last part runs to the end.
        '-t', span.last ? String(Math.ceil(length + Math.max(10, length * 0.1))) : length.toFixed(6),
        '-f', 'mp4',
        `file:${path.join(path.resolve(paths.outputDir), file)}`,
      );
    }
  }
  const args = [
    ...GLOBAL_ARGS,
    ...(span.startSeconds > 0 ? ['-ss', span.startSeconds.toFixed(6)] : []),
    ...inputArgs(demuxer, paths.input),
    '-filter_complex', filterGraph(video, branches),
    ...outputs,
  ];
  return { run: { args, renditions: [] }, files };
}

/**
 * The AUDIO task's encode of the split renditions' audio: the whole source audio once per distinct
 * AAC bitrate, with the single run's settings, into M4A. Encoding it whole means no encoder priming or
 * padding at the joins. Null when the source has no audio or no split rendition needs it. Pure.
 */
export function buildAudioTrackRun(layout: SplitLayout, probe: ProbeResult, paths: { input: string; outputDir: string }): FfmpegRun | null {
  const audio = probe.audio;
  const demuxer = acceptedDemuxer(probe.formatName);
  if (!audio || !demuxer || layout.audioTracks.length === 0) return null;
  const aac = aacForVideo(audio);
  const duration = probe.durationSeconds ?? 0;
  const ceiling = Math.ceil(duration + Math.max(10, duration * 0.1));
  return {
    args: [
      ...GLOBAL_ARGS,
      ...inputArgs(demuxer, paths.input),
      ...layout.audioTracks.flatMap((track) => [
        '-map', `0:${audio.streamIndex}`,
        '-vn',
        ...aac.args(track.bitrateKbps),
        '-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024', '-t', String(ceiling),
        '-f', 'mp4',
        `file:${path.join(path.resolve(paths.outputDir), track.path)}`,
      ]),
    ],
    renditions: [],
  };
}
