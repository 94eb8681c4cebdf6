import { describe, expect, it } from 'vitest';
import { resolveBinaries } from '../../../transcoder/src/media/index.js';

/** The npm packages are optional dependencies: some installs (or platforms) do not have them. */
const installerPresent = await import('@ffmpeg-installer/ffmpeg').then(
  () => true,
  () => false,
);

describe('resolveBinaries', () => {
  it('prefers FFMPEG_PATH and FFPROBE_PATH', async () => {
    const env = { FFMPEG_PATH: '/opt/ffmpeg/bin/ffmpeg', FFPROBE_PATH: '/opt/ffmpeg/bin/ffprobe', PATH: '/usr/bin' };
    await expect(resolveBinaries(env)).resolves.toEqual({
      ffmpeg: '/opt/ffmpeg/bin/ffmpeg',
      ffprobe: '/opt/ffmpeg/bin/ffprobe',
    });
  });

  it('finds the system binaries on PATH', async () => {
    await expect(resolveBinaries({ PATH: '/nonexistent:/usr/bin' })).resolves.toEqual({
      ffmpeg: '/usr/bin/ffmpeg',
      ffprobe: '/usr/bin/ffprobe',
    });
  });

  it.runIf(installerPresent)('falls back to the optional npm packages when nothing is on PATH', async () => {
    const { ffmpeg, ffprobe } = await resolveBinaries({ PATH: '' });
    expect(ffmpeg).toMatch(/node_modules\/@ffmpeg-installer\/.+\/ffmpeg$/);
    expect(ffprobe).toMatch(/node_modules\/@ffprobe-installer\/.+\/ffprobe$/);
  });

  it.skipIf(installerPresent)('says where to look when ffmpeg is nowhere', async () => {
    await expect(resolveBinaries({ PATH: '' })).rejects.toThrow(/set FFMPEG_PATH/);
  });
});
