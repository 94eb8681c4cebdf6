import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { resolveWebhookTarget, type WebhookRefusal } from '../../src/webhooks/url-guard.js';

/** A resolver with fixed answers, standing in for DNS. */
const dns = (answers: Record<string, string[]>) => async (hostname: string): Promise<LookupAddress[]> => {
  const addresses = answers[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

const production = {
  allowPrivate: false,
  resolveHost: dns({
    'hooks.example.com': ['93.184.216.34', '2606:2800:220:1::1'],
    'metadata.example.com': ['169.254.169.254'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
    'v6-loopback.example.com': ['::1'],
  }),
};

async function refusal(url: string, options = production): Promise<WebhookRefusal> {
  const result = await resolveWebhookTarget(url, options);
  if (!('reason' in result)) throw new Error(`expected ${url} to be refused`);
  return result;
}

describe('the webhook URL guard', () => {
  it('allows a public host and pins every address it checked', async () => {
    const target = await resolveWebhookTarget('https://hooks.example.com/ffly?token=x', production);
    expect(target).toMatchObject({
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1::1', family: 6 },
      ],
    });
  });

  it.each(['ftp://hooks.example.com/', 'file:///etc/passwd', 'gopher://hooks.example.com/', 'not a url'])('refuses %s: only http and https', async (url) => {
    expect((await refusal(url)).reason).toMatch(/http or https/);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
    ['http://0x7f.1/hook', 'loopback'],
    ['http://2130706433/hook', 'loopback'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://metadata.example.com/', 'link-local'],
    ['http://v6-loopback.example.com/', 'loopback'],
    ['http://192.168.0.10/', 'private'],
  ])('refuses %s (%s) for good', async (url, category) => {
    const result = await refusal(url);
    expect(result.reason).toContain(`${category} address`);
    expect(result.transient).toBe(false);
  });

  it('refuses a host with one private address among public ones: a connection may use any', async () => {
    expect((await refusal('https://mixed.example.com/')).reason).toContain('private address');
  });

  it('never names the address a host resolved to', async () => {
    expect((await refusal('http://metadata.example.com/')).reason).not.toContain('169.254');
  });

  it('refuses a host that does not resolve, as something worth asking again', async () => {
    expect(await refusal('https://nowhere.example.com/')).toEqual({ reason: 'has a host name that could not be resolved', transient: true });
  });

  it('gives up on a resolver that does not answer in time', async () => {
    const hanging = { allowPrivate: false, resolveTimeoutMs: 50, resolveHost: () => new Promise<LookupAddress[]>(() => {}) };
    expect((await refusal('https://slow.example.com/', hanging)).transient).toBe(true);
  });

  it('allows private addresses when WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const target = await resolveWebhookTarget('http://127.0.0.1:9000/hook', { allowPrivate: true });
    expect(target).toMatchObject({ addresses: [{ address: '127.0.0.1', family: 4 }] });
  });
});
