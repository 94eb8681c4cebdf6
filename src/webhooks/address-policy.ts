import { BlockList, isIP } from 'node:net';

/**
 * Which IP addresses a webhook may not reach (the SSRF guard's pure core). Each category is one
 * `BlockList`; Node's BlockList also matches the IPv4-mapped IPv6 form (`::ffff:127.0.0.1`) of an
 * IPv4 rule, and every IPv4 rule is repeated under the NAT64 prefix (`64:ff9b::/96`), which an
 * IPv6-only host's gateway would translate back to the IPv4 address.
 */

type Category = 'unspecified' | 'loopback' | 'private' | 'link-local' | 'multicast' | 'reserved';

const RULES: Record<Category, { v4: Array<[string, number]>; v6: Array<[string, number]> }> = {
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
      ['fc00::', 7], // unique local, including AWS's metadata address fd00:ec2::254
      ['fec0::', 10], // deprecated site-local
    ],
  },
  // Includes 169.254.169.254, the cloud metadata service of AWS, GCP, Azure and others.
  'link-local': { v4: [['169.254.0.0', 16]], v6: [['fe80::', 10]] },
  multicast: { v4: [['224.0.0.0', 4]], v6: [['ff00::', 8]] },
  reserved: { v4: [['240.0.0.0', 4]], v6: [['100::', 64]] },
};

const NAT64_PREFIX = '64:ff9b::';

const BLOCK_LISTS = Object.entries(RULES).map(([category, { v4, v6 }]) => {
  const list = new BlockList();
  for (const [network, prefix] of v4) {
    list.addSubnet(network, prefix, 'ipv4');
    list.addSubnet(`${NAT64_PREFIX}${network}`, 96 + prefix, 'ipv6');
  }
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return { category: category as Category, list };
});

/**
 * The category of a non-public address ("loopback", "private", "link-local", ...), or null when the
 * address is public. Anything that is not an IP literal is refused as "invalid".
 */
export function classifyAddress(address: string): Category | 'invalid' | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // brackets, IPv6 zone id
  const family = isIP(bare);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { category, list } of BLOCK_LISTS) {
    if (list.check(bare, type)) return category;
  }
  return null;
}
