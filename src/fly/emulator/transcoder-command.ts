import { fileURLToPath } from 'node:url';
import type { MachineCommand } from './options.js';

/** The transcoder's entry point in this repository. */
export const TRANSCODER_ENTRY = fileURLToPath(new URL('../../../transcoder/src/main.ts', import.meta.url));

/**
 * The command local machines run: the transcoder under tsx, by absolute paths, because each machine
 * starts in its own fresh directory where neither `transcoder/` nor `node_modules` would resolve.
 */
export function localTranscoderCommand(): MachineCommand {
  return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), TRANSCODER_ENTRY] };
}
