import path from 'node:path';
import type { VideoOutputSpec } from '../../../protocol/job-spec.js';
import { MediaError } from './errors.js';
import { codecDisplayName, MP4_COPYABLE_AUDIO_CODECS, MP4_COPYABLE_VIDEO_CODECS } from './formats.js';
import type { VideoPlanContext, PresetPlan, VideoSource } from './video-context.js';

/**
 * PASSTHROUGH: the source's video and audio streams copied into an MP4 without re-encoding.
 *
 * @throws MediaError INPUT_REJECTED when a stream's codec cannot be stored in MP4 (decided from the
 *   probe, so the person sees why instead of ffmpeg's "Could not find tag for codec").
 */
export function planPassthrough(output: VideoOutputSpec, outputIndex: number, context: VideoPlanContext): PresetPlan {
  const { source } = context;
  assertCopyableToMp4(source);
  const fileName = `${output.name}.mp4`;
  const outputArgs = [
    '-map', `0:${source.video.streamIndex}`,
    ...(source.audio ? ['-map', `0:${source.audio.streamIndex}`] : []),
    '-c', 'copy',
    // Apple players only play HEVC in MP4 under the hvc1 sample entry; ffmpeg writes hev1 by default.
    ...(source.video.codec === 'hevc' ? ['-tag:v', 'hvc1'] : []),
    '-movflags', '+faststart',
    ...context.commonOutputArgs,
    '-f', 'mp4',
    `file:${path.join(context.outputDir, fileName)}`,
  ];
  const { video, audio } = source;
  return {
    outputArgs,
    directories: [],
    renditions: [
      {
        name: output.name,
        outputIndex,
        quality: null,
        fileName,
        contentType: 'video/mp4',
        durationSeconds: context.durationSeconds,
        expected: {
          kind: 'mp4',
          copied: true,
          video: { codec: video.codec, width: video.width, height: video.height },
          // The bit depth and bitrate of a copied stream are whatever the source had.
          audio: audio && {
            codec: audio.codec,
            sampleRate: audio.sampleRate,
            channels: audio.channels,
            bitDepth: null,
            bitrateKbps: null,
          },
        },
      },
    ],
  };
}

function assertCopyableToMp4(source: VideoSource): void {
  const problems: string[] = [];
  if (!MP4_COPYABLE_VIDEO_CODECS.has(source.video.codec)) {
    problems.push(`${codecDisplayName(source.video.codec)} video`);
  }
  if (source.audio && !MP4_COPYABLE_AUDIO_CODECS.has(source.audio.codec)) {
    problems.push(`${codecDisplayName(source.audio.codec)} audio`);
  }
  if (problems.length === 0) return;
  throw new MediaError(
    'INPUT_REJECTED',
    `PASSTHROUGH copies the streams into MP4 without re-encoding, but ${problems.join(' and ')} cannot be ` +
      'stored in MP4. Use the WEB_OPTIMIZED preset to convert it.',
  );
}
