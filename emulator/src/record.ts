/**
 * What the emulator keeps per machine (persisted as is in `state.json`), and the wire view of it.
 */
import type { Machine, MachineConfig, MachineEvent, MachineState } from '../../protocol/fly-machines.js';
import { parseImageRef } from './image-ref.js';

/** Events kept per machine: the most the events endpoint ever returns. */
export const MAX_EVENTS = 50;
/** Events embedded in GET and list responses (how many the real API embeds is unverified). */
const EMBEDDED_EVENTS = 10;

export interface StoredLease {
  nonce: string;
  /** Epoch ms. */
  expiresAt: number;
  owner: string;
  description: string;
  /** The machine version when the lease was taken. */
  version: string;
}

export interface MachineRecord {
  id: string;
  app: string;
  name: string;
  region: string;
  instanceId: string;
  privateIp: string;
  config: MachineConfig;
  state: MachineState;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  /** Newest first, at most MAX_EVENTS. */
  events: MachineEvent[];
  /** Versions superseded by updates, for `wait?version=` on an old one. */
  replacedVersions: string[];
  lease?: StoredLease;
  /** When the image pull of the current version is done (epoch ms); a boot waits for it. */
  imageReadyAt: number;
  destroyedAt?: number;
  /** Automatic restarts since the last user start: their times (for the 5-minute window) and count. */
  restartTimes: number[];
  restartCount: number;
  /**
   * The pid of the running main process (its process group's id), kept so that an emulator restarted
   * after a crash finds its machines still running, as Fly's VMs outlive any API client.
   */
  pid?: number;
}

export interface WireOptions {
  summary?: boolean;
  /** Included only in the create response that took a lease. */
  nonce?: string;
}

/** A machine as the API sends it; summary listings leave out `events` (and config, checks, ...). */
export type WireMachine = Omit<Machine, 'events'> & { events?: MachineEvent[] };

export function toWireMachine(record: MachineRecord, options: WireOptions = {}): WireMachine {
  const machine: WireMachine = {
    id: record.id,
    name: record.name,
    state: record.state,
    region: record.region,
    instance_id: record.instanceId,
    private_ip: record.privateIp,
    created_at: rfc3339Seconds(record.createdAt),
    updated_at: rfc3339Seconds(record.updatedAt),
    image_ref: parseImageRef(record.config.image),
  };
  if (options.summary) return machine;
  return {
    ...machine,
    config: record.config,
    events: record.events.slice(0, EMBEDDED_EVENTS),
    checks: [],
    host_status: 'ok',
    cordoned: false,
    ...(options.nonce ? { nonce: options.nonce } : {}),
  };
}

/** `2023-11-08T01:52:30Z`: the API's timestamps stop at the second. */
export function rfc3339Seconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
