/**
 * The local Fly Machines emulator. Tests and the local stack import it from here; production code
 * only ever talks to it over HTTP, through the client in `src/fly/`.
 */
export { createFlyEmulator, type FlyEmulator } from './emulator.js';
export { type CreateFailure, emulatorOptionsFromEnv, type FlyEmulatorOptions, type MachineCommand } from './options.js';
export { localTranscoderCommand, TRANSCODER_ENTRY } from './transcoder-command.js';
