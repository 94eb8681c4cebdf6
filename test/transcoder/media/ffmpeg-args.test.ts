import { describe, expect, it } from 'vitest';
import type { JobSpec, VideoQuality } from '../../../protocol/job-spec.js';
import { buildFfmpegArgs, type FfmpegPlan } from '../../../transcoder/src/media/index.js';
import { audioOutput, sampleProbe, videoOutput } from './sample-probes.js';

const paths = { input: '/jobs/j1/input.bin', outputDir: '/jobs/j1/out' };

/** The value following `flag` in an argv (the first occurrence after `from`). */
function valueOf(args: string[], flag: string, from = 0): string | undefined {
  const index = args.indexOf(flag, from);
  return index >= 0 ? args[index + 1] : undefined;
}

function onlyRun(plan: FfmpegPlan): string[] {
  expect(plan.runs).toHaveLength(1);
  return plan.runs[0]?.args ?? [];
}

describe('buildFfmpegArgs: hardening', () => {
  const spec: JobSpec = {
    outputs: [audioOutput({ format: 'MP3', bitrateKbps: 192 }), videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P720'] })],
  };

  it('starts every run with the hardening and progress flags, before the input', () => {
    const args = onlyRun(buildFfmpegArgs(spec, sampleProbe(), paths));
    const inputAt = args.indexOf('-i');
    for (const flag of ['-nostdin', '-hide_banner', '-y', '-nostats']) {
      expect(args.indexOf(flag)).toBeGreaterThanOrEqual(0);
      expect(args.indexOf(flag)).toBeLessThan(inputAt);
    }
    expect(valueOf(args, '-progress')).toBe('pipe:1');
    expect(valueOf(args, '-stats_period')).toBe('0.5');
    expect(valueOf(args, '-protocol_whitelist')).toBe('file');
    expect(args.indexOf('-protocol_whitelist')).toBeLessThan(inputAt);
    expect(valueOf(args, '-format_whitelist')).toBe('mov,matroska,avi,mpegts,flv,mp3,aac,wav,w64,flac,ogg,aiff');
    expect(args.indexOf('-format_whitelist')).toBeLessThan(inputAt);
  });

  it('forces the demuxer ffprobe identified and opens the input through the file protocol', () => {
    const args = onlyRun(buildFfmpegArgs(spec, sampleProbe(), paths));
    expect(args.slice(args.indexOf('-i') - 2, args.indexOf('-i') + 2)).toEqual(['-f', 'mov', '-i', 'file:/jobs/j1/input.bin']);
    const webm = onlyRun(buildFfmpegArgs(spec, sampleProbe({ formatName: 'matroska,webm' }), paths));
    expect(valueOf(webm, '-f')).toBe('matroska');
  });

  it('drops the source metadata on every output and never sets metadata itself', () => {
    const args = onlyRun(buildFfmpegArgs(spec, sampleProbe(), paths));
    const outputs = args.filter((arg) => arg.startsWith('file:/jobs/j1/out/'));
    expect(outputs).toEqual(['file:/jobs/j1/out/web-720p.mp4', 'file:/jobs/j1/out/mp3.mp3']);
    expect(args.filter((arg) => arg === '-map_metadata')).toHaveLength(2);
    expect(args.some((arg) => arg.startsWith('-metadata'))).toBe(false);
  });

  it('caps every output a little past the probed duration', () => {
    const args = onlyRun(buildFfmpegArgs(spec, sampleProbe({ durationSeconds: 60 }), paths));
    expect(args.filter((arg, index) => args[index - 1] === '-t')).toEqual(['70', '70']);
  });
});

describe('buildFfmpegArgs: runs', () => {
  it('decodes the video once for every video output, with one split filter in one process', () => {
    const spec: JobSpec = {
      outputs: [
        videoOutput({ preset: 'WEB_OPTIMIZED', qualities: ['P1080', 'P720', 'P480'] }),
        videoOutput({ preset: 'HLS', qualities: ['P720', 'P360'] }),
        videoOutput({ preset: 'PASSTHROUGH', name: 'original' }),
      ],
    };
    const plan = buildFfmpegArgs(spec, sampleProbe(), paths);
    const args = onlyRun(plan);
    const graph = valueOf(args, '-filter_complex') ?? '';
    // Five encoded pictures, four sizes: the WEB_OPTIMIZED 720p and the HLS 720p share one scaler.
    expect(graph.startsWith('[0:0]fps=30,split=4[s0][s1][s2][s3];')).toBe(true);
    expect(graph.match(/scale=-2:(\d+)/g)).toEqual(['scale=-2:1080', 'scale=-2:720', 'scale=-2:480', 'scale=-2:360']);
    expect(graph).toContain('[s1]scale=-2:720,format=yuv420p,split=2[v1][v3]');
    // Every label the outputs map is produced by the graph exactly once.
    const mapped = args.filter((arg, index) => args[index - 1] === '-map' && arg.startsWith('['));
    expect(mapped.sort()).toEqual(['[v0]', '[v1]', '[v2]', '[v3]', '[v4]']);
    for (const label of mapped) expect(graph.split(label).length - 1).toBe(1);
    expect(plan.runs[0]?.renditions).toEqual(['web-1080p', 'web-720p', 'web-480p', 'hls', 'original']);
  });

  it('gives an audio-only job one process per output so they can run in parallel', () => {
    const spec: JobSpec = { outputs: [audioOutput({ format: 'MP3' }), audioOutput({ format: 'FLAC' })] };
    const plan = buildFfmpegArgs(spec, sampleProbe({ video: null }), paths);
    expect(plan.runs.map((run) => run.renditions)).toEqual([['mp3'], ['flac']]);
  });

  it('measures an audio-only job against its audio track, which may end before the video', () => {
    const spec: JobSpec = { outputs: [audioOutput({ format: 'MP3' })] };
    const plan = buildFfmpegArgs(spec, sampleProbe({ durationSeconds: 60, audio: { durationSeconds: 45 } }), paths);
    expect(plan.sourceDurationSeconds).toBe(45);
    expect(plan.renditions[0]?.durationSeconds).toBe(45);
  });

  it('lists renditions in request order with the file names of protocol/job-spec', () => {
    const spec: JobSpec = {
      outputs: [videoOutput({ preset: 'HLS', qualities: ['P720'] }), audioOutput({ format: 'AAC', name: 'aac-128k' })],
    };
    const plan = buildFfmpegArgs(spec, sampleProbe(), paths);
    expect(plan.renditions.map((rendition) => [rendition.name, rendition.fileName, rendition.contentType])).toEqual([
      ['hls', 'hls/master.m3u8', 'application/vnd.apple.mpegurl'],
      ['aac-128k', 'aac-128k.m4a', 'audio/mp4'],
    ]);
    expect(plan.directories).toEqual(['hls']);
  });
});

describe('buildFfmpegArgs: no upscaling', () => {
  const web = (qualities: VideoQuality[]): JobSpec => ({ outputs: [videoOutput({ preset: 'WEB_OPTIMIZED', qualities })] });

  it('drops the qualities above the source height and says why', () => {
    const plan = buildFfmpegArgs(web(['P1080', 'P720', 'P360']), sampleProbe({ video: { width: 1280, height: 720 } }), paths);
    expect(plan.renditions.map((rendition) => rendition.name)).toEqual(['web-720p', 'web-360p']);
    expect(plan.dropped).toEqual([
      { name: 'web-1080p', quality: 'P1080', reason: "1080p is above the source's 720p; videos are never upscaled" },
    ]);
  });

  it('produces the highest standard quality that fits when every requested one is too high', () => {
    const plan = buildFfmpegArgs(web(['P1080', 'P720']), sampleProbe({ video: { width: 854, height: 480 } }), paths);
    expect(plan.renditions.map((rendition) => [rendition.name, rendition.quality])).toEqual([['web-480p', 'P480']]);
    expect(plan.dropped.map((dropped) => dropped.name)).toEqual(['web-1080p', 'web-720p']);
  });

  it('caps 144p at the source height (rounded down to even) for sources smaller than 144p', () => {
    const plan = buildFfmpegArgs(web(['P360']), sampleProbe({ video: { width: 160, height: 121 } }), paths);
    expect(plan.renditions[0]).toMatchObject({
      name: 'web-144p',
      expected: { kind: 'mp4', video: { height: 120, width: 158 } },
    });
  });

  it('drops the ladder steps of an HLS output that are above the source', () => {
    const spec: JobSpec = { outputs: [videoOutput({ preset: 'HLS', qualities: ['P1080', 'P720', 'P480'] })] };
    const plan = buildFfmpegArgs(spec, sampleProbe({ video: { width: 1280, height: 720 } }), paths);
    const expected = plan.renditions[0]?.expected;
    expect(expected?.kind === 'hls' && expected.variants.map((variant) => variant.label)).toEqual(['720p', '480p']);
    expect(plan.dropped).toEqual([expect.objectContaining({ name: 'hls', quality: 'P1080' })]);
  });

  it('compares qualities with the displayed height of a rotated video', () => {
    // A portrait phone video: stored 1920x1080 with a 90 degree rotation, shown 1080x1920.
    const probe = sampleProbe({ video: { width: 1080, height: 1920, rotation: 90 } });
    const plan = buildFfmpegArgs(web(['P1080', 'P720']), probe, paths);
    expect(plan.renditions.map((rendition) => rendition.name)).toEqual(['web-1080p', 'web-720p']);
    expect(plan.renditions[1]?.expected).toMatchObject({ video: { width: 406, height: 720 } });
  });
});

describe('buildFfmpegArgs: HLS', () => {
  const spec: JobSpec = { outputs: [videoOutput({ preset: 'HLS', qualities: ['P720', 'P480', 'P360'] })] };
  const args = onlyRun(buildFfmpegArgs(spec, sampleProbe({ video: { frameRate: 30000 / 1001 } }), paths));

  it('writes an explicit VOD HLS ladder with a master playlist in the rendition directory', () => {
    expect(valueOf(args, '-f', args.indexOf('-i'))).toBe('hls');
    expect(valueOf(args, '-hls_playlist_type')).toBe('vod');
    expect(valueOf(args, '-master_pl_name')).toBe('master.m3u8');
    expect(valueOf(args, '-var_stream_map')).toBe('v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:360p');
    expect(valueOf(args, '-hls_segment_filename')).toBe('/jobs/j1/out/hls/%v-%05d.ts');
    expect(args.at(-1)).toBe('/jobs/j1/out/hls/%v.m3u8');
  });

  it('aligns keyframes across the ladder with a fixed GOP and no scene-cut keyframes', () => {
    expect(valueOf(args, '-g')).toBe('180');
    expect(valueOf(args, '-keyint_min')).toBe('180');
    expect(valueOf(args, '-sc_threshold')).toBe('0');
    expect(valueOf(args, '-force_key_frames')).toBe('expr:gte(t,n_forced*6)');
    expect(valueOf(args, '-filter_complex')).toMatch(/^\[0:0\]fps=30000\/1001,split=3/);
  });
});

describe('buildFfmpegArgs: audio parameters', () => {
  const audioArgs = (output: Parameters<typeof audioOutput>[0], source = {}) =>
    onlyRun(buildFfmpegArgs({ outputs: [audioOutput(output)] }, sampleProbe({ audio: source }), paths));

  it('keeps the source sample rate and channels when the codec supports them', () => {
    const args = audioArgs({ format: 'MP3', bitrateKbps: 192 }, { sampleRate: 44100, channels: 2 });
    expect([valueOf(args, '-c:a'), valueOf(args, '-b:a'), valueOf(args, '-ar'), valueOf(args, '-ac')]).toEqual([
      'libmp3lame', '192k', '44100', '2',
    ]);
  });

  it('moves Opus from 44.1 kHz up to 48 kHz and MP3 from 96 kHz down to 48 kHz', () => {
    expect(valueOf(audioArgs({ format: 'OPUS' }, { sampleRate: 44100 }), '-ar')).toBe('48000');
    expect(valueOf(audioArgs({ format: 'MP3' }, { sampleRate: 96000 }), '-ar')).toBe('48000');
    expect(valueOf(audioArgs({ format: 'OPUS' }, { sampleRate: 22050 }), '-ar')).toBe('24000');
  });

  it('clamps MP3 to two channels, whatever the source has', () => {
    expect(valueOf(audioArgs({ format: 'MP3' }, { channels: 6 }), '-ac')).toBe('2');
    expect(valueOf(audioArgs({ format: 'AAC' }, { channels: 6 }), '-ac')).toBe('6');
  });

  it('chooses the WAV bit depth through the PCM codec, 16 bits by default', () => {
    expect(valueOf(audioArgs({ format: 'WAV', bitDepth: 24 }), '-c:a')).toBe('pcm_s24le');
    expect(valueOf(audioArgs({ format: 'WAV', bitDepth: 32 }), '-c:a')).toBe('pcm_s32le');
    expect(valueOf(audioArgs({ format: 'WAV' }, { bitDepth: 24 }), '-c:a')).toBe('pcm_s16le');
  });

  it('writes AAC as an M4A with the index at the front and names every muxer explicitly', () => {
    const args = audioArgs({ format: 'AAC', bitrateKbps: 128 });
    expect(valueOf(args, '-movflags')).toBe('+faststart');
    expect(valueOf(args, '-f', args.indexOf('-i'))).toBe('ipod');
    const opus = audioArgs({ format: 'OPUS' });
    expect(valueOf(opus, '-f', opus.indexOf('-i'))).toBe('opus');
  });
});

describe('buildFfmpegArgs: refusals', () => {
  it('refuses PASSTHROUGH of streams MP4 cannot hold, naming them and the alternative', () => {
    const probe = sampleProbe({ formatName: 'matroska,webm', video: { codec: 'vp8' }, audio: { codec: 'vorbis' } });
    const plan = () => buildFfmpegArgs({ outputs: [videoOutput({ preset: 'PASSTHROUGH' })] }, probe, paths);
    expect(plan).toThrow(expect.objectContaining({ code: 'INPUT_REJECTED' }));
    expect(plan).toThrow(/VP8 video and Vorbis audio cannot be stored in MP4\. Use the WEB_OPTIMIZED preset/);
  });

  it('refuses an input whose duration is unknown', () => {
    const spec: JobSpec = { outputs: [audioOutput({ format: 'MP3' })] };
    const plan = () => buildFfmpegArgs(spec, sampleProbe({ durationSeconds: null }), paths);
    expect(plan).toThrow(expect.objectContaining({ code: 'INPUT_REJECTED' }));
  });
});
