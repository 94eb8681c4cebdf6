/**
 * Fly's Swagger 2.0 description of the Machines API (March 2024, `../shared/research/fly-machines-swagger.json`,
 * copied to `test/fly/fixtures/fly-machines-swagger.json`) as JSON Schemas for ajv, made strict: an object
 * definition accepts only the properties the description lists (the file itself allows any), so that a
 * field only ffly knows fails. What the live API has gained or says differently since that file is
 * allowed here explicitly, field by field, each with where it is documented (`fly-machines-api.md`).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type Schema = Record<string, unknown>;

const swagger = JSON.parse(readFileSync(new URL('./fixtures/fly-machines-swagger.json', import.meta.url), 'utf8')) as {
  definitions: Record<string, Schema>;
  paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>>;
};

/**
 * Properties the newer API has that the March 2024 file lacks, per definition. Each is sent or answered
 * by the live API today; none is an invention of ffly's.
 */
const NEWER_PROPERTIES: Record<string, Record<string, Schema>> = {
  // fly-machines-api.md "Machine object": the host's health, and the config a server could not read when the host is unhealthy.
  // fly-machines-api.md "Machine object" (SPEC26): whether the proxy routes to it (`cordon`/`uncordon`).
  Machine: { host_status: { type: 'string', enum: ['ok', 'unknown', 'unreachable'] }, incomplete_config: { type: 'object' }, cordoned: { type: 'boolean' } },
  // SPEC26 / fly-go `MachineConfig.Rootfs`: the root filesystem size (`rootfs.size_gb`), which ffly sets for its workers.
  'fly.MachineConfig': { rootfs: { type: 'object', properties: { size_gb: { type: 'integer', minimum: 1 } }, additionalProperties: false } },
};

/**
 * Definitions the file states wrongly, replaced. Each replacement is what fly-go sends and the API reads.
 */
const CORRECTED_DEFINITIONS: Record<string, Schema> = {
  // fly-machines-api.md "Durations": `{"time.Duration": int}` is a swagger generator artifact; the API reads a Go
  // duration string ("30s", what fly-go and ffly send) or integer nanoseconds, and SPEC26 types it as a string.
  'fly.Duration': { type: ['string', 'integer'], pattern: '^(\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h))+$' },
};

/** Every object definition closed to the properties it lists (recursively, through nested inline objects). */
function strict(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  if (copy.properties && typeof copy.properties === 'object') {
    copy.properties = Object.fromEntries(Object.entries(copy.properties as Record<string, Schema>).map(([name, property]) => [name, strict(property)]));
    if (copy.additionalProperties === undefined) copy.additionalProperties = false;
  }
  if (copy.items && typeof copy.items === 'object') copy.items = strict(copy.items as Schema);
  return copy;
}

function definitions(): Record<string, Schema> {
  const result: Record<string, Schema> = {};
  for (const [name, definition] of Object.entries(swagger.definitions)) {
    const extended = NEWER_PROPERTIES[name] ? { ...definition, properties: { ...(definition.properties as Schema), ...NEWER_PROPERTIES[name] } } : definition;
    result[name] = CORRECTED_DEFINITIONS[name] ?? strict(extended);
  }
  return result;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'fly', definitions: definitions() });

const ref = (name: string): Schema => ({ $ref: `fly#/definitions/${name}` });

/** The success bodies the live API sends where the March 2024 file documents none, or documents them wrongly. */
export const RESPONSE_SCHEMAS = {
  machine: ref('Machine'),
  machines: { type: 'array', items: ref('Machine') },
  events: { type: 'array', items: ref('MachineEvent') },
  // The file says 200 with no body; the docs (`_machines_start_resp.erb`) and fly-go read this.
  start: { type: 'object', properties: { previous_state: { type: 'string' }, migrated: { type: 'boolean' }, new_host: { type: 'string' } }, required: ['previous_state'], additionalProperties: false },
  // Stop and destroy: the file says 200 with no body; the docs show `{"ok":true}`.
  ok: { type: 'object', properties: { ok: { const: true } }, required: ['ok'], additionalProperties: false },
  // Wait: `{"ok":true}` in the docs; SPEC26 adds `event_id`, `state` and `version`.
  wait: {
    type: 'object',
    properties: { ok: { const: true }, event_id: { type: 'string' }, state: { type: 'string' }, version: { type: 'string' } },
    required: ['ok'],
    additionalProperties: false,
  },
  // Leases: the file's flat `Lease` is wrong; the API answers in a `{status, data}` envelope (fly-go, flyctl,
  // and the distilled `machineLeases.patch.json` observed against the live API), `data` being the `Lease`.
  lease: { type: 'object', properties: { status: { const: 'success' }, data: ref('Lease') }, required: ['status', 'data'], additionalProperties: false },
  leaseReleased: {
    type: 'object',
    properties: { status: { const: 'success' }, data: { type: 'object', properties: { ok: { const: true } }, additionalProperties: false } },
    required: ['status', 'data'],
    additionalProperties: false,
  },
  error: ref('ErrorResponse'),
} satisfies Record<string, Schema>;

export const REQUEST_SCHEMAS = {
  create: ref('CreateMachineRequest'),
  update: ref('UpdateMachineRequest'),
  stop: ref('StopRequest'),
  lease: ref('CreateLeaseRequest'),
} satisfies Record<string, Schema>;

const compiled = new Map<Schema, ValidateFunction>();

/** The schema's complaints about `value`, as readable lines; empty when it conforms. */
export function problems(schema: Schema, value: unknown): string[] {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
  if (validate(value)) return [];
  return (validate.errors ?? []).map((error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
}

/** The query parameters the file lists for an operation (`/apps/{app_name}/machines/...`, lower-case method). */
export function documentedQuery(path: string, method: string): string[] {
  return (swagger.paths[path]?.[method]?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
}
