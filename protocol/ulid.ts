import { randomBytes } from 'node:crypto';

/** Crockford base32, the ULID alphabet (no I, L, O, U). */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_LENGTH = 10;
const RANDOM_LENGTH = 16;

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A monotonic ULID (26 characters), the format Fly uses for `instance_id`, event ids and request ids.
 * Ids made within the same millisecond increase, so sorting them as strings sorts them in time, which
 * the emulator relies on for `from_event_id`.
 */
export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    incrementRandom(lastRandom);
  } else {
    lastTime = now;
    lastRandom = Array.from(randomBytes(RANDOM_LENGTH), (byte) => byte % ALPHABET.length);
  }
  return encodeTime(lastTime) + lastRandom.map((digit) => ALPHABET[digit]).join('');
}

function encodeTime(time: number): string {
  let remaining = time;
  let encoded = '';
  for (let index = 0; index < TIME_LENGTH; index += 1) {
    encoded = ALPHABET[remaining % ALPHABET.length] + encoded;
    remaining = Math.floor(remaining / ALPHABET.length);
  }
  return encoded;
}

function incrementRandom(digits: number[]): void {
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    const digit = digits[index] ?? 0;
    if (digit < ALPHABET.length - 1) {
      digits[index] = digit + 1;
      return;
    }
    digits[index] = 0;
  }
}
