import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localTranscoderCommand } from '../../emulator/src/transcoder-command.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

/** One supported runtime everywhere: the tests, and the workers they start, run on Node 24. */
describe('the runtime', () => {
  it('is the Node 24 that package.json promises, even where the machine has an older one', () => {
    expect(manifest.engines.node).toBe('>=24');
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('starts local worker machines on the same Node, from the bundle rather than TypeScript', () => {
    const { command, args } = localTranscoderCommand();
    expect(command).toBe(process.execPath);
    expect(args).toHaveLength(1);
    expect(args[0]).toMatch(/worker-[0-9a-f]{16}\/worker\.mjs$/);
    expect(execFileSync(command, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()).toBe(process.versions.node);
  });
});

describe('the worker bundle', () => {
  it('is built by the worker image with the options the emulator uses', async () => {
    const { WORKER_BUILD: image } = (await import(path.join(ROOT, 'transcoder', 'build.mjs'))) as { WORKER_BUILD: unknown };
    const { WORKER_BUILD: local } = await import('../../emulator/src/transcoder-command.js');
    expect(image).toEqual(local);
  });
});
