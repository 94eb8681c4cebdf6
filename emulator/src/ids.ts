/** Identifiers in the formats the real API uses, so clients that parse or log them see the real thing. */
import { randomBytes, randomInt } from 'node:crypto';

const ADJECTIVES = ['aged', 'bold', 'calm', 'damp', 'eager', 'fancy', 'gentle', 'hidden', 'icy', 'jolly', 'lively', 'misty', 'noisy', 'odd', 'proud', 'quiet', 'royal', 'shy', 'tiny', 'wild'];
const NOUNS = ['thunder', 'river', 'forest', 'meadow', 'pond', 'cloud', 'frost', 'dawn', 'field', 'moon', 'sun', 'wave', 'leaf', 'stone', 'star', 'snow', 'wind', 'brook', 'hill', 'fire'];

/** 14 lowercase hex characters, like `1857156b526dd8`. */
export function newMachineId(): string {
  return randomBytes(7).toString('hex');
}

/** `adjective-noun-NNNN`, like `aged-thunder-7371`. */
export function newMachineName(): string {
  const pick = (words: readonly string[]): string => words[randomInt(words.length)] ?? 'machine';
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1_000, 10_000)}`;
}

/** 12 hex characters, like `5c35f65c9f95`. */
export function newLeaseNonce(): string {
  return randomBytes(6).toString('hex');
}

/** A 6PN-looking address under `fdaa:`. */
export function newPrivateIp(): string {
  const group = (): string => randomBytes(2).toString('hex').replace(/^0+(?=.)/, '');
  return `fdaa:0:${group()}:a7b:${group()}:${group()}:${group()}:2`;
}
