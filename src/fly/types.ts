/** The Machines API wire types, defined once in protocol/fly-machines.ts for the client and the emulator. */
export * from '../../protocol/fly-machines.js';
