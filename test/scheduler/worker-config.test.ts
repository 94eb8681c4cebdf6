import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { buildWorkerConfig } from '../../src/pool/index.js';

const input = {
  image: 'registry.fly.io/ffly-worker:deployment-1',
  guest: { cpuKind: 'performance' as const, cpus: 2, memoryMb: 4096 },
  rootfsGb: 12,
  apiUrl: 'http://ffly-api.flycast',
  credential: 'ffm_secret',
  idleMs: 10_000,
};

describe('worker machine config', () => {
  it('is a reusable worker: restart policy no, no auto-destroy, SIGTERM to stop, the API address and credential in env', () => {
    const { config, version } = buildWorkerConfig(input);
    expect(config).toMatchObject({
      image: input.image,
      guest: { cpu_kind: 'performance', cpus: 2, memory_mb: 4096 },
      rootfs: { size_gb: 12 },
      restart: { policy: 'no' },
      auto_destroy: false,
      stop_config: { signal: 'SIGTERM' },
      env: { API_URL: 'http://ffly-api.flycast', WORKER_TOKEN: 'ffm_secret', WORKER_IDLE_MS: '10000' },
      metadata: { ffly_pool: 'transcoder', ffly_config_version: version },
    });
  });

  it('has a version that changes with the image, the API address, the credential, the size and the disk, and only with them', () => {
    const { version } = buildWorkerConfig(input);
    expect(buildWorkerConfig({ ...input }).version).toBe(version);
    for (const changed of [
      { image: 'registry.fly.io/ffly-worker:deployment-2' },
      { apiUrl: 'http://elsewhere' },
      { credential: 'ffm_other' },
      { guest: { ...input.guest, memoryMb: 8192 } },
      { rootfsGb: 40 },
    ]) {
      expect(buildWorkerConfig({ ...input, ...changed }).version).not.toBe(version);
    }
  });
});

describe('worker size settings', () => {
  it('default to a performance-2x machine with 4 GB', () => {
    expect(loadConfig({}).fly.workerGuest).toEqual({ cpuKind: 'performance', cpus: 2, memoryMb: 4096 });
    expect(loadConfig({ FLY_WORKER_CPU_KIND: 'shared', FLY_WORKER_CPUS: '1' }).fly.workerGuest).toEqual({ cpuKind: 'shared', cpus: 1, memoryMb: 1024 });
  });

  it('refuse a size Fly would refuse in the start-up error; emulator knobs are the emulator\'s to read', () => {
    const attempt = () => loadConfig({ FLY_WORKER_CPU_KIND: 'shared', FLY_WORKER_CPUS: '3', FLY_EMULATOR_CREATE_DELAY_MS: 'soon' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/FLY_WORKER_CPUS[^\n]*1, 2, 4, 6, 8 CPUs, not 3/);
    expect(loadConfig({ FLY_EMULATOR_CREATE_DELAY_MS: 'soon' }).fly.emulatorEnv).toEqual({ FLY_EMULATOR_CREATE_DELAY_MS: 'soon' });
    expect(() => loadConfig({ FLY_WORKER_CPU_KIND: 'performance', FLY_WORKER_MEMORY_MB: '1024' })).toThrow(/2 performance CPUs take 4096 to 16384 MB/);
  });
});

describe('worker disk settings', () => {
  const GIB = 1024 ** 3;

  it('default to room for the largest accepted source, its outputs and 2 GB: max(8, ceil(2 × MAX_UPLOAD_BYTES / GiB) + 2)', () => {
    expect(loadConfig({}).fly.workerRootfsGb).toBe(102); // 50 GiB uploads
    expect(loadConfig({ MAX_UPLOAD_BYTES: String(20 * GIB) }).fly.workerRootfsGb).toBe(42);
    expect(loadConfig({ MAX_UPLOAD_BYTES: String(100 * 1024 ** 2) }).fly.workerRootfsGb).toBe(8); // never below Fly's default
  });

  it('take FLY_WORKER_ROOTFS_GB over the default, and refuse a bad value at start', () => {
    expect(loadConfig({ FLY_WORKER_ROOTFS_GB: '50', MAX_UPLOAD_BYTES: String(20 * GIB) }).fly.workerRootfsGb).toBe(50);
    expect(() => loadConfig({ FLY_WORKER_ROOTFS_GB: 'lots' })).toThrow(/FLY_WORKER_ROOTFS_GB/);
    expect(() => loadConfig({ FLY_WORKER_ROOTFS_GB: '0' })).toThrow(/FLY_WORKER_ROOTFS_GB/);
  });
});
