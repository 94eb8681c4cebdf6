#!/usr/bin/env node
// The `ffly` executable (package.json "bin"): loads tsx so the TypeScript sources run as they are,
// resolved from this file rather than from the caller's working directory.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./main.ts');
process.exitCode = await runCli(process.argv.slice(2), process.env);
