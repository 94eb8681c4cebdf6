import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../protocol/address-policy.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
  ])('refuses %s as %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['[::ffff:10.0.0.1]', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
  ])('sees through the IPv6 form %s of an IPv4 address', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  // Every IPv6 form that carries an IPv4 address is judged by that address (issue 12: `::127.0.0.1`
  // and `2002:7f00:1::` passed the webhook check).
  it.each([
    // IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96
    ['::ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:10.0.0.1', 'private'],
    // IPv4-compatible ::/96
    ['::127.0.0.1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::169.254.169.254', 'link-local'],
    ['::10.1.2.3', 'private'],
    ['::0.0.0.2', 'unspecified'],
    // 6to4 2002::/16: bits 16-47
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['2002:c0a8:0101:1::5', 'private'],
    // NAT64 well-known 64:ff9b::/96
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    // NAT64 local-use 64:ff9b:1::/48, with the /48 and the /96 embeddings
    ['64:ff9b:1:7f00:1::', 'loopback'],
    ['64:ff9b:1:a9fe:00a9:fe00::', 'link-local'],
    ['64:ff9b:1::10.0.0.1', 'private'],
    // Teredo 2001::/32: the client address is the last 32 bits, inverted (127.0.0.1 -> 80ff:fffe)
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // 10.0.0.1
    ['2001::5601:5601', 'link-local'], // 169.254.169.254 inverted
    // Fly.io 6PN
    ['fdaa:0:1:a7b:1::2', 'private'],
    ['[fdaa::3]', 'private'],
  ])('judges the IPv4 address inside %s: %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    '8.8.8.8',
    '93.184.216.34',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '::8.8.8.8',
    '2002:0808:0808::1',
    '64:ff9b:1:0808:0008:0800::',
    '2001:0:4136:e378:8000:63bf:f7f7:f7f7', // Teredo client 8.8.8.8
    '2001:db9::1',
  ])(
    'allows the public address %s',
    (address) => {
      expect(classifyAddress(address)).toBeNull();
    },
  );

  it('refuses anything that is not an IP address', () => {
    expect(classifyAddress('example.com')).toBe('invalid');
  });
});
