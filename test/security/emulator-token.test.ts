import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFlyEmulator } from '../../emulator/src/index.js';
import { createFlyClient } from '../../src/fly/index.js';

const FLY_401 = { error: 'Authenticate: token validation error' };

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ffly-emu-token-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('the Fly Machines emulator requires its token', () => {
  it('answers 401 in Fly\'s shape to a missing or wrong token, and never shows machines (or their env) to it', async () => {
    const dataDir = temporaryDirectory();
    const emulator = await createFlyEmulator({ dataDir, machineCommand: { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] }, createDelayMs: 0, rateLimits: false });
    onTestFinished(() => emulator.close());
    // The generated token is kept in DATA_DIR, readable by its owner only.
    expect(emulator.token).toMatch(/^ffly_emu_/);
    expect(statSync(join(dataDir, 'token')).mode & 0o777).toBe(0o600);

    const owner = createFlyClient({ baseUrl: emulator.url, token: emulator.token, appName: 'ffly-worker', rateLimits: false });
    await owner.createMachine({ config: { image: 'x', env: { WORKER_TOKEN: 'worker-secret' }, restart: { policy: 'no' } } });

    for (const authorization of [undefined, 'Bearer anything', 'FlyV1 fm2_forged', `Bearer ${emulator.token}x`, 'Bearer ']) {
      const response = await fetch(`${emulator.url}/v1/apps/ffly-worker/machines`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual(FLY_401);
      expect(text).not.toContain('worker-secret');
    }
    for (const authorization of [`Bearer ${emulator.token}`, `FlyV1 ${emulator.token}`, `Bearer FlyV1 ${emulator.token}`]) {
      const response = await fetch(`${emulator.url}/v1/apps/ffly-worker/machines`, { headers: { authorization } });
      expect(response.status).toBe(200);
    }
  });

  it('keeps its token across restarts, and takes one given to it instead', async () => {
    const dataDir = temporaryDirectory();
    const command = { command: process.execPath, args: ['-e', ''] };
    const first = await createFlyEmulator({ dataDir, machineCommand: command });
    const token = first.token;
    await first.close();
    const second = await createFlyEmulator({ dataDir, machineCommand: command });
    onTestFinished(() => second.close());
    expect(second.token).toBe(token);
    const given = await createFlyEmulator({ dataDir: temporaryDirectory(), machineCommand: command, token: 'from-the-environment' });
    onTestFinished(() => given.close());
    expect((await fetch(`${given.url}/v1/apps/a/machines`, { headers: { authorization: 'Bearer from-the-environment' } })).status).toBe(200);
    expect((await fetch(`${given.url}/v1/apps/a/machines`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('prints its token at start (`npm run fly:emulator`)', async () => {
    const dataDir = temporaryDirectory();
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/src/main.ts'], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, FLY_EMULATOR_PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => void child.kill('SIGKILL'));
    let output = '';
    const printed = await new Promise<RegExpExecArray>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /FLY_API_URL=(\S+) FLY_API_TOKEN=(\S+)/.exec(output);
        if (match) resolve(match);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${output}`)));
    });
    const [, url, token] = printed;
    expect((await fetch(`${url}/v1/apps/a/machines`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}/v1/apps/a/machines`, { headers: { authorization: 'Bearer local-emulator' } })).status).toBe(401);
    child.kill('SIGTERM');
  });
});
