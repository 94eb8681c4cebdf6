/**
 * `POST .../machines/{id}`: a new version with a new `instance_id`, answered while the machine is still
 * `replacing`. A running machine is stopped and booted on the new config (unless `skip_launch`); a
 * machine that was not running stays down, as flyd does ("machine was in a non-started state prior to
 * the update so leaving the new version stopped"), and flyctl expects by waiting for `stopped`.
 */
import { ulid } from '../../protocol/ulid.js';
import { isRecord, normaliseConfig, stopSettings, type StopSettings } from './config.js';
import { type EmulatorContext, later, setState } from './context.js';
import { apiError, badRequest, failedPrecondition } from './errors.js';
import { checkImageAvailable } from './images.js';
import { bootMachine, endProcess } from './lifecycle.js';
import { type MachineRecord, toWireMachine, type WireMachine } from './record.js';

export function updateMachine(context: EmulatorContext, record: MachineRecord, body: unknown): WireMachine {
  if (!isRecord(body)) throw badRequest('body must be a JSON object');
  if (record.state === 'replacing') throw apiError(409, 'aborted: machine is replacing: concurrent update in progress');
  if (record.state === 'destroying') throw failedPrecondition('machine is being destroyed');
  if (body.name !== undefined && body.name !== record.name) throw badRequest('name cannot be changed');
  if (body.region !== undefined && body.region !== record.region) throw badRequest('region cannot be changed');
  if (typeof body.current_version === 'string' && body.current_version !== record.instanceId) {
    throw failedPrecondition(`machine version mismatch: current version is ${record.instanceId}, not ${body.current_version}`);
  }
  const config = normaliseConfig(body.config);
  if (config.image !== record.config.image) checkImageAvailable(context, config.image);
  const plan: UpdatePlan = {
    wasRunning: record.state === 'started' || record.state === 'starting',
    neverStarted: record.state === 'created',
    skipLaunch: body.skip_launch === true,
    // The running process was started under the old config, so it is stopped the old config's way.
    stop: stopSettings(record.config),
  };
  if (config.image !== record.config.image) record.imageReadyAt = Date.now() + context.options.createDelayMs;
  record.replacedVersions.push(record.instanceId);
  record.instanceId = ulid();
  record.config = config;
  setState(context, record, 'replacing', { type: 'update', status: 'replacing', source: 'user' });
  later(context, record, context.options.replaceDelayMs, () => void finishUpdate(context, record, plan));
  return toWireMachine(record);
}

interface UpdatePlan {
  wasRunning: boolean;
  neverStarted: boolean;
  skipLaunch: boolean;
  stop: StopSettings;
}

async function finishUpdate(context: EmulatorContext, record: MachineRecord, plan: UpdatePlan): Promise<void> {
  // Also waits out a process that was already stopping when the update came in.
  await endProcess(context, record, plan.stop);
  // Destroyed while replacing: nothing left to do.
  if (record.state !== 'replacing') return;
  if (plan.wasRunning && !plan.skipLaunch) {
    record.restartTimes = [];
    record.restartCount = 0;
    bootMachine(context, record, { source: 'flyd', eventType: 'start' });
    return;
  }
  setState(context, record, plan.neverStarted ? 'created' : 'stopped');
}
