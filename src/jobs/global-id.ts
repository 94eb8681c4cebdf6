/**
 * Global ids (the `id` of every Node). A job's id is `job_` plus its UUID's 16 bytes in base62:
 * 26 characters that a double-click selects whole and a terminal shows on one line. Ids issued
 * before (Relay's base64 of "Job:<uuid>", 56 characters) keep resolving: decoding accepts both.
 *
 * The relay plugin's `encodeGlobalID`/`decodeGlobalID` options point here (src/graphql/builder.ts),
 * and everything else that mints or reads an id (webhook payloads, the job mutations) calls these,
 * so there is one encoding.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^22 > 2^128, so 22 digits hold any 16 bytes; shorter numbers are left-padded with "0". */
const UUID_DIGITS = 22;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Short prefixes per GraphQL type; a type not listed here keeps Relay's base64 "Type:id". */
const PREFIXES: Readonly<Record<string, string>> = { Job: 'job' };
const TYPE_OF_PREFIX: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(PREFIXES).map(([type, prefix]) => [prefix, type]));

/** A decoded global id: the GraphQL type name and the database id. */
export interface GlobalId {
  typename: string;
  id: string;
}

/** `("Job", "0d6b…-uuid")` -> `"job_0Ab3…"` (26 characters). */
export function encodeGlobalId(typename: string, id: string | number | bigint): string {
  const prefix = PREFIXES[typename];
  const text = String(id);
  if (prefix && UUID_PATTERN.test(text)) return `${prefix}_${uuidToBase62(text)}`;
  return Buffer.from(`${typename}:${text}`).toString('base64');
}

/** Reads the short form or the older base64 "Type:id"; throws on anything else. */
export function decodeGlobalId(globalId: string): GlobalId {
  const short = /^([a-z]+)_([0-9A-Za-z]{22})$/.exec(globalId);
  if (short) {
    const typename = TYPE_OF_PREFIX[short[1]!];
    const id = typename ? base62ToUuid(short[2]!) : null;
    if (!typename || !id) throw new TypeError(`Invalid global id: ${globalId}`);
    return { typename, id };
  }
  const decoded = Buffer.from(globalId, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon <= 0) throw new TypeError(`Invalid global id: ${globalId}`);
  return { typename: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/** The job's UUID from either form of its global id, or null when it is malformed or names another type. */
export function jobUuidOf(globalId: string): string | null {
  try {
    const { typename, id } = decodeGlobalId(globalId);
    return typename === 'Job' && UUID_PATTERN.test(id) ? id.toLowerCase() : null;
  } catch {
    return null;
  }
}

function uuidToBase62(uuid: string): string {
  let value = BigInt(`0x${uuid.replaceAll('-', '')}`);
  let digits = '';
  while (value > 0n) {
    digits = BASE62[Number(value % 62n)]! + digits;
    value /= 62n;
  }
  return digits.padStart(UUID_DIGITS, '0');
}

function base62ToUuid(digits: string): string | null {
  let value = 0n;
  for (const digit of digits) value = value * 62n + BigInt(BASE62.indexOf(digit));
  if (value >= 1n << 128n) return null;
  const hex = value.toString(16).padStart(32, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
