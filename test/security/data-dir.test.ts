import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createFlyEmulator } from '../../emulator/src/index.js';
import { startTestApp } from '../support/app.js';
import { captureLogs } from '../support/log-capture.js';

const mode = (path: string) => statSync(path).mode & 0o777;

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'ffly-datadir-'));
  onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

describe('DATA_DIR is private', () => {
  it('is created 0700, with its secrets 0600 and the store 0700', async () => {
    const dataDir = join(temporaryDirectory(), 'data');
    const logs = captureLogs('warn');
    const app = await startTestApp({ DATA_DIR: dataDir }, { logger: logs.logger });
    onTestFinished(() => app.stop());
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'webhook-secret'))).toBe(0o600);
    expect(mode(join(dataDir, 's3-secret'))).toBe(0o600);
    expect(mode(join(dataDir, 's3'))).toBe(0o700);
    expect(logs.lines().filter((line) => line.includes('other users can read'))).toEqual([]);
  });

  it("keeps the emulator's state (worker tokens) and token 0600", async () => {
    const dataDir = join(temporaryDirectory(), 'fly-emulator');
    const emulator = await createFlyEmulator({ dataDir, machineCommand: { command: process.execPath, args: ['-e', ''] }, createDelayMs: 0, rateLimits: false });
    await fetch(`${emulator.url}/v1/apps/a/machines`, {
      method: 'POST',
      headers: { authorization: `Bearer ${emulator.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ config: { image: 'x', env: { WORKER_TOKEN: 'secret' } }, skip_launch: true }),
    });
    await emulator.close();
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'state.json'))).toBe(0o600);
    expect(mode(join(dataDir, 'token'))).toBe(0o600);
  });

  it('warns at start, naming the fix, when DATA_DIR or a secret in it is readable by others', async () => {
    const dataDir = temporaryDirectory();
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'webhook-secret'), `whsec_${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o644 });
    mkdirSync(join(dataDir, 's3'), { mode: 0o755 });
    const logs = captureLogs('warn');
    const app = await startTestApp({ DATA_DIR: dataDir }, { logger: logs.logger });
    onTestFinished(() => app.stop());
    const warnings = logs.records().filter((record) => String(record.msg).includes('other users can read'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(`chmod 700 ${join(dataDir, '.')}`.replace(/\/\.$/, ''));
    expect(warnings[0]!.msg).toContain(`chmod 600 ${join(dataDir, 'webhook-secret')}`);
    expect(warnings[0]!.msg).toContain(`chmod 700 ${join(dataDir, 's3')}`);
  });
});
