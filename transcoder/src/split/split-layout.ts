import type { JobSpec, OutputSpec, VideoOutputSpec } from '../../../protocol/job-spec.js';
import type { ProbeResult } from '../media/probe.js';
import { selectQualities, type VideoTarget } from '../media/video-ladder.js';

/** A WEB_OPTIMIZED or HLS output: the only kinds whose video is encoded in parts. */
export interface SplitVideoOutput {
  /** Index in the job's spec. */
  outputIndex: number;
  output: VideoOutputSpec & { preset: 'WEB_OPTIMIZED' | 'HLS' };
  /** The renditions encoded (qualities above the source are dropped, as in a single run). */
  targets: VideoTarget[];
}

/** One AAC encoding of the whole source audio, shared by every split rendition that uses that bitrate. */
export interface SplitAudioTrack {
  bitrateKbps: number;
  /** Path the AUDIO task uploads it under (relative to its output directory). */
  path: string;
}

/**
 * What every task of a split job agrees on, derived from the spec and the planner's probe alone: the
 * split outputs and their renditions, the file each part writes per rendition, the audio tracks. Pure
 * and deterministic, so the planner, parts, audio task and stitch compute the same layout separately.
 */
export interface SplitLayout {
  videos: SplitVideoOutput[];
  audioTracks: SplitAudioTrack[];
  /** The job's other outputs (audio presets, images, waveforms, PASSTHROUGH), produced by the AUDIO task whole, with their spec indexes. */
  others: Array<{ output: OutputSpec; outputIndex: number }>;
}

export function isSplitOutput(output: OutputSpec): output is SplitVideoOutput['output'] {
  return output.kind === 'video' && (output.preset === 'WEB_OPTIMIZED' || output.preset === 'HLS');
}

export function splitLayout(spec: JobSpec, probe: ProbeResult): SplitLayout {
  const videos: SplitVideoOutput[] = [];
  const others: SplitLayout['others'] = [];
  spec.outputs.forEach((output, outputIndex) => {
    if (isSplitOutput(output) && probe.video) {
      videos.push({ outputIndex, output, targets: selectQualities(output.qualities, probe.video.height).targets });
    } else {
      others.push({ output, outputIndex });
    }
  });
  const bitrates = new Set<number>();
  if (probe.audio) {
    for (const video of videos) {
      // As in a single run: WEB_OPTIMIZED carries each quality's own audio bitrate, HLS the top step's for every variant.
      if (video.output.preset === 'HLS') bitrates.add(video.targets[0]?.audioBitrateKbps ?? 128);
      else for (const target of video.targets) bitrates.add(target.audioBitrateKbps);
    }
  }
  const audioTracks = [...bitrates].sort((a, b) => b - a).map((bitrateKbps) => ({ bitrateKbps, path: audioTrackPath(bitrateKbps) }));
  return { videos, audioTracks, others };
}

/** The audio track a split rendition is muxed with. */
export function audioBitrateFor(video: SplitVideoOutput, target: VideoTarget): number {
  return video.output.preset === 'HLS' ? (video.targets[0]?.audioBitrateKbps ?? 128) : target.audioBitrateKbps;
}

export function partFilePath(outputName: string, label: string): string {
  return `split/video/${outputName}/${label}.mp4`;
}

export function audioTrackPath(bitrateKbps: number): string {
  return `split/audio/aac-${bitrateKbps}k.m4a`;
}
