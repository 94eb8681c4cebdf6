/** `npm run schema:print`: writes the sorted SDL to schema/schema.graphql (committed; a test checks drift). */
import fs from 'node:fs/promises';
import path from 'node:path';
import { printSchemaFile, SCHEMA_FILE } from '../src/graphql/print.js';

await fs.mkdir(path.dirname(SCHEMA_FILE), { recursive: true });
await fs.writeFile(SCHEMA_FILE, printSchemaFile());
console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
