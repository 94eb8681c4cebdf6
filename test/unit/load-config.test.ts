import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig } from '../../src/config/load-config.js';

describe('loadConfig', () => {
  it('gives the contract defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      databaseUrl: null,
      localMode: true,
      maxMachines: 2,
      workerIdleMs: 10_000,
      apiKeys: null,
      webhookSecret: null,
      webhookAllowPrivate: true,
      maxUploadBytes: 53_687_091_200, // 50 GiB
      uploadUrlTtlSeconds: 900,
      uploadPartBytes: 16 * 1024 ** 2,
      multipartUploadTtlSeconds: 86_400,
    });
    expect(config.dataDir.endsWith('.data')).toBe(true);
    expect(config.s3.endpoint).toBeNull();
    expect(config.fly.apiToken).toBeNull();
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MAX_MACHINES: '-1', DATABASE_URL: 'mysql://x', WEBHOOK_SECRET: 'plain', S3_FORCE_PATH_STYLE: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'MAX_MACHINES', 'DATABASE_URL', 'WEBHOOK_SECRET', 'S3_FORCE_PATH_STYLE']) expect(message).toContain(`${name}:`);
    expect((error as ConfigError).problems).toHaveLength(5);
  });

  it('never echoes a URL that may carry a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db' })).toThrow(/^(?![\s\S]*hunter2)/);
  });

  it('refuses to run without API keys on a non-loopback address, and says why', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/API_KEYS: must be set when HOST \(0\.0\.0\.0\) is not a loopback address/);
    expect(loadConfig({ HOST: '0.0.0.0', API_KEYS: 'a-long-enough-key-123456' }).apiKeys).toEqual(['a-long-enough-key-123456']);
  });

  it('refuses short, duplicated or empty API keys', () => {
    expect(() => loadConfig({ API_KEYS: 'short' })).toThrow(/at least 16 characters/);
    expect(() => loadConfig({ API_KEYS: 'a-long-enough-key-123456,a-long-enough-key-123456' })).toThrow(/listed twice/);
    expect(() => loadConfig({ API_KEYS: ' , ' })).toThrow(/lists no key/);
  });

  it('requires credentials with an external S3 endpoint, and the worker app and image with a Fly token', () => {
    expect(() => loadConfig({ S3_ENDPOINT: 'https://s3.example.com' })).toThrow(/AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
    expect(() => loadConfig({ FLY_API_TOKEN: 'fo1_x' })).toThrow(/FLY_WORKER_APP[\s\S]*FLY_WORKER_IMAGE/);
  });

  it('refuses a Fly token without a worker URL, and a wildcard worker URL, which no worker can reach', () => {
    const fly = { FLY_API_TOKEN: 'fo1_x', FLY_WORKER_APP: 'ffly-worker', FLY_WORKER_IMAGE: 'registry.fly.io/ffly-worker:1' };
    expect(() => loadConfig(fly)).toThrow(/WORKER_API_URL: required when FLY_API_TOKEN is set/);
    expect(() => loadConfig({ ...fly, WORKER_API_URL: 'http://0.0.0.0:8080' })).toThrow(/WORKER_API_URL: "0.0.0.0" is a wildcard/);
    expect(() => loadConfig({ ...fly, WORKER_API_URL: 'http://[::]:8080' })).toThrow(/WORKER_API_URL: "\[::\]" is a wildcard/);
    expect(() => loadConfig({ WORKER_API_URL: 'http://0.0.0.0:8080' })).toThrow(/WORKER_API_URL/);
    expect(loadConfig({ ...fly, WORKER_API_URL: 'http://ffly-api.flycast' }).workerApiUrl).toBe('http://ffly-api.flycast');
    // A shared local emulator (contract: FLY_API_URL on loopback with the emulator's token): its
    // machines are local processes, so the instance's own (loopback) URL reaches them.
    expect(loadConfig({ ...fly, FLY_API_URL: 'http://127.0.0.1:4280' }).workerApiUrl).toBeNull();
  });

  it('takes a token for a local emulator without a worker app or image', () => {
    const config = loadConfig({ FLY_API_TOKEN: 'ffly_emu_x', FLY_API_URL: 'http://127.0.0.1:4280' });
    expect(config.fly).toMatchObject({ apiToken: 'ffly_emu_x', apiUrl: 'http://127.0.0.1:4280' });
    expect(() => loadConfig({ FLY_API_TOKEN: 'fo1_x', FLY_API_URL: 'https://api.machines.dev' })).toThrow(/FLY_WORKER_APP/);
  });

  it('reads CORS_ORIGINS as origins and MAX_PENDING_UPLOADS as a count', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173', MAX_PENDING_UPLOADS: '5' });
    expect(config.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.maxPendingUploads).toBe(5);
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({}).maxPendingUploads).toBe(100);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://app.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });

  it('turns the private-webhook guard on when an external database is configured', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://db/ffly' }).webhookAllowPrivate).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://db/ffly', WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate).toBe(true);
  });

  it('reads the fair-sharing cap, the admin keys and the metrics port (all unset by default)', () => {
    expect(loadConfig({})).toMatchObject({ tenantMaxRunning: null, adminApiKeys: null, metricsPort: null });
    expect(loadConfig({ TENANT_MAX_RUNNING: '3', METRICS_PORT: '9091' })).toMatchObject({ tenantMaxRunning: 3, metricsPort: 9091 });
    expect(() => loadConfig({ TENANT_MAX_RUNNING: '0' })).toThrow(/TENANT_MAX_RUNNING/);
    const keys = { API_KEYS: 'a-long-enough-key-123456', ADMIN_API_KEYS: 'an-operator-key-1234567' };
    expect(loadConfig(keys).adminApiKeys).toEqual(['an-operator-key-1234567']);
    expect(() => loadConfig({ ADMIN_API_KEYS: 'an-operator-key-1234567' })).toThrow(/ADMIN_API_KEYS: only means something with API_KEYS/);
    expect(() => loadConfig({ ...keys, ADMIN_API_KEYS: 'short' })).toThrow(/ADMIN_API_KEYS: every key/);
  });

  it('knows the loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', 'example.com'].some(isLoopback)).toBe(false);
  });
});
