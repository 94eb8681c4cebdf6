import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GENERATED_DIR = path.join(ROOT, 'src/client/generated');

describe('the committed codegen output', () => {
  it('is what `npm run codegen` generates from schema/schema.graphql and the client operations', async () => {
    // In memory (saveToFile false): the committed files are compared, never rewritten.
    const outputs: Array<{ filename: string; content: string }> = await generate({ ...config, cwd: ROOT, silent: true }, false);
    const expected = new Map(outputs.map((output) => [path.resolve(ROOT, output.filename), output.content]));
    const committed = (await readdir(GENERATED_DIR)).map((name) => path.join(GENERATED_DIR, name));

    expect(committed.sort(), 'files in src/client/generated (run `npm run codegen`)').toEqual([...expected.keys()].sort());
    for (const [file, content] of expected) {
      expect(await readFile(file, 'utf8'), `${path.relative(ROOT, file)} is stale: run \`npm run codegen\``).toBe(content);
    }
  });
});
