/**
 * The local Fly Machines emulator: a development tool that answers the Machines API over HTTP and runs
 * each machine as a local process. Tests and the local stack (`src/local-emulator.ts`) import it from
 * here; it imports nothing from `src/` (only `protocol/` and `transcoder/`), and production code only
 * ever talks to a Machines API over HTTP, through the client in `src/fly/`.
 */
export { createFlyEmulator, type FlyEmulator } from './emulator.js';
export { type CreateFailure, emulatorOptionsFromEnv, type FlyEmulatorOptions, type MachineCommand } from './options.js';
export { localTranscoderCommand, TRANSCODER_ENTRY } from './transcoder-command.js';
