/**
 * Validation of Machines API responses. Only what the client relies on is checked; unknown fields are
 * kept (a config must round-trip through update untouched), and the `null`s older servers send for
 * absent fields are dropped so that callers see `undefined` as the types say.
 */
import { z } from 'zod';
import type { Lease, Machine, MachineEvent, StartMachineResult, WaitResult } from '../../protocol/fly-machines.js';

const orEmpty = (schema: z.ZodString) => schema.nullish().transform((value) => value ?? '');

const eventSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  status: orEmpty(z.string()),
  source: orEmpty(z.string()),
  timestamp: z.number(),
  request: z.looseObject({}).nullish(),
});

const configSchema = z.looseObject({ image: z.string() }).transform(dropNullFields);

const machineSchema = z.looseObject({
  id: z.string().min(1),
  name: orEmpty(z.string()),
  state: z.string(),
  region: orEmpty(z.string()),
  instance_id: orEmpty(z.string()),
  config: configSchema.nullish().transform((value) => value ?? undefined),
  created_at: orEmpty(z.string()),
  updated_at: orEmpty(z.string()),
  events: z
    .array(eventSchema)
    .nullish()
    .transform((value) => value ?? []),
});

const leaseSchema = z.looseObject({
  nonce: z.string().min(1),
  expires_at: z.number(),
  owner: orEmpty(z.string()),
});

/** Lease endpoints answer `{status, data: Lease}`; the old spec shows a flat Lease, accepted too. */
const leaseEnvelopeSchema = z.union([z.looseObject({ data: leaseSchema }).transform((envelope) => envelope.data), leaseSchema]);

const startSchema = z.looseObject({}).nullish();

const waitSchema = z
  .looseObject({ ok: z.boolean().optional() })
  .nullish()
  .transform((value) => ({ ...value, ok: value?.ok ?? true }));

/** A response that does not have the shape the API documents. */
export class FlyResponseShapeError extends Error {
  override readonly name = 'FlyResponseShapeError';
}

export function parseMachine(value: unknown, context: string): Machine {
  return parseWith(machineSchema, value, context) as Machine;
}

export function parseMachines(value: unknown, context: string): Machine[] {
  return parseWith(z.array(machineSchema), value, context) as Machine[];
}

export function parseEvents(value: unknown, context: string): MachineEvent[] {
  return parseWith(z.array(eventSchema), value, context) as MachineEvent[];
}

export function parseLease(value: unknown, context: string): Lease {
  return parseWith(leaseEnvelopeSchema, value, context) as Lease;
}

export function parseStartResult(value: unknown, context: string): StartMachineResult {
  return (parseWith(startSchema, value, context) ?? {}) as StartMachineResult;
}

export function parseWaitResult(value: unknown, context: string): WaitResult {
  return parseWith(waitSchema, value, context) as WaitResult;
}

function parseWith<Schema extends z.ZodType>(schema: Schema, value: unknown, context: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new FlyResponseShapeError(`${context} returned an unexpected body: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function dropNullFields<T extends Record<string, unknown>>(config: T): T {
  return Object.fromEntries(Object.entries(config).filter(([, field]) => field !== null)) as T;
}
