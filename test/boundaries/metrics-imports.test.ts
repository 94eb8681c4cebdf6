import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Every file under src/ that imports prom-client, as a path relative to the repository. */
function promClientImporters(): string[] {
  const found: string[] = [];
  for (const file of fs.readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const source = fs.readFileSync(path.join(ROOT, 'src', file), 'utf8');
    if (/from\s+'prom-client'|import\(\s*'prom-client'\s*\)/.test(source)) found.push(`src/${file.split(path.sep).join('/')}`);
  }
  return found.sort();
}

describe('metrics', () => {
  it('live in src/metrics/ alone: other modules (the Fly client above all) report through hooks, never prom-client', () => {
    const importers = promClientImporters();
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((file) => !file.startsWith('src/metrics/'))).toEqual([]);
  });
});
