import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses the service may not reach on a tenant's behalf (the SSRF guard's pure core),
 * shared by webhooks (the API) and URL sources (the API at createJob, the worker on every hop of the
 * fetch): one copy in protocol/, since the worker may import nothing from src/. Each category is one
 * `BlockList`.
 *
 * An IPv6 address may carry an IPv4 address that a gateway, tunnel or the kernel turns back into an
 * IPv4 connection; for those forms the embedded IPv4 address is what gets judged (see
 * {@link embeddedIPv4}), so `::127.0.0.1` or `2002:7f00:1::` is loopback, not "public IPv6".
 */

export type AddressCategory = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'multicast' | 'reserved';

const RULES: Record<AddressCategory, { v4: Array<[string, number]>; v6: Array<[string, number]> }> = {
  unspecified: { v4: [['0.0.0.0', 8]], v6: [['::', 128]] },
  loopback: { v4: [['127.0.0.0', 8]], v6: [['::1', 128]] },
  private: {
    v4: [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
      ['100.64.0.0', 10], // carrier-grade NAT: often the provider's internal network (Fly's 6PN egress, Tailscale)
      ['192.0.0.0', 24], // IETF protocol assignments
      ['198.18.0.0', 15], // benchmarking, used by some proxies as internal space
    ],
    v6: [
      ['fdaa::', 16], // Fly.io's private network (6PN): other apps and machines of the organisation
      ['fc00::', 7], // unique local, including AWS's metadata address fd00:ec2::254
      ['fec0::', 10], // deprecated site-local
    ],
  },
  // Includes 169.254.169.254, the cloud metadata service of AWS, GCP, Azure and others.
  'link-local': { v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  multicast: { v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  reserved: { v4: [['240.0.0.0', 4]], v6: [['100::', 64]] },
};

const BLOCK_LISTS = Object.entries(RULES).map(([category, { v4, v6 }]) => {
  const list = new BlockList();
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4');
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return { category: category as AddressCategory, list };
});

/**
 * The category of a non-public address ("loopback", "private", "link-local", ...), or null when the
 * address is public. Anything that is not an IP literal is refused as "invalid".
 */
export function classifyAddress(address: string): AddressCategory | 'invalid' | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // brackets, IPv6 zone id
  const family = isIP(bare);
  if (family === 0) return 'invalid';
  if (family === 4) return classify(bare, 'ipv4');
  // `::` and `::1` lie inside the IPv4-compatible range but are IPv6's own unspecified and loopback.
  const own = classify(bare, 'ipv6');
  if (own === 'unspecified' || own === 'loopback') return own;
  for (const embedded of embeddedIPv4(parseIPv6(bare))) {
    const category = classify(embedded, 'ipv4');
    if (category !== null) return category;
  }
  return own;
}

function classify(address: string, type: 'ipv4' | 'ipv6'): AddressCategory | null {
  for (const { category, list } of BLOCK_LISTS) if (list.check(address, type)) return category;
  return null;
}

/**
 * Every IPv4 address an IPv6 address carries, by the form it has:
 * - `::ffff:0:0/96` IPv4-mapped and `::ffff:0:0:0/96` IPv4-translated (SIIT): the last 32 bits;
 * - `::/96` IPv4-compatible (deprecated, still routed by some stacks): the last 32 bits;
 * - `64:ff9b::/96` NAT64 well-known prefix: the last 32 bits;
 * - `64:ff9b:1::/48` NAT64 local-use prefix (RFC 8215), whose operator picks the prefix length: the
 *   /96 embedding when bits 48-95 are zero, else the /48 one of RFC 6052 (bits 48-63 and 72-87);
 * - `2002::/16` 6to4: bits 16-47;
 * - `2001::/32` Teredo: the client address, bits 96-127 inverted.
 */
export function embeddedIPv4(bytes: Uint8Array): string[] {
  const word = (index: number) => (bytes[index]! << 8) | bytes[index + 1]!;
  const v4 = (...indexes: number[]) => indexes.map((index) => bytes[index]!).join('.');
  const last32 = v4(12, 13, 14, 15);
  const zeroUpTo = (end: number) => bytes.subarray(0, end).every((byte) => byte === 0);
  if (zeroUpTo(10) && word(10) === 0xffff) return [last32];
  if (zeroUpTo(8) && word(8) === 0xffff && word(10) === 0) return [last32];
  if (zeroUpTo(12)) return [last32];
  if (word(0) === 0x64 && word(2) === 0xff9b && bytes.subarray(4, 12).every((byte) => byte === 0)) return [last32];
  if (word(0) === 0x64 && word(2) === 0xff9b && word(4) === 1) {
    return bytes.subarray(6, 12).every((byte) => byte === 0) ? [last32] : [v4(6, 7, 9, 10)];
  }
  if (word(0) === 0x2002) return [v4(2, 3, 4, 5)];
  if (word(0) === 0x2001 && word(2) === 0) return [[12, 13, 14, 15].map((index) => bytes[index]! ^ 0xff).join('.')];
  return [];
}

/** The 16 bytes of a valid IPv6 literal (checked with `isIP` first), dotted IPv4 tail included. */
export function parseIPv6(address: string): Uint8Array {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [left, right] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const head = groups(left);
  const tail = groups(right);
  const words = right === undefined ? head : [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  words.forEach((value, index) => {
    bytes[index * 2] = value >> 8;
    bytes[index * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** The category of the first refused address among a host's addresses, or null when every one is public. */
export function firstRefusedCategory(addresses: readonly string[]): AddressCategory | 'invalid' | null {
  for (const address of addresses) {
    const category = classifyAddress(address);
    if (category !== null) return category;
  }
  return null;
}

/** "a loopback address", "an invalid address": the words a refusal uses. */
export function describeCategory(category: AddressCategory | 'invalid'): string {
  return `${/^[aeiou]/.test(category) ? 'an' : 'a'} ${category} address`;
}
