import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { Config } from '../config/load-config.js';
import { describeCategory, firstRefusedCategory } from '../../protocol/address-policy.js';
import { withTimeout } from '../with-timeout.js';

/** Resolves a host name to every address it has (the shape of `dns.lookup` with `all: true`). */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface WebhookGuardOptions {
  /** WEBHOOK_ALLOW_PRIVATE: skip the address policy (local development, tests). */
  allowPrivate: boolean;
  /** @default dns.lookup with all: true, verbatim: true */
  resolveHost?: ResolveHost;
  /** How long resolving may take before the URL is refused. @default 5000 */
  resolveTimeoutMs?: number;
}

/** Where one attempt connects: the addresses that were checked, so DNS cannot answer differently later. */
export interface WebhookTarget {
  url: URL;
  /** Every address of the host, each one checked; never empty. */
  addresses: LookupAddress[];
}

export interface WebhookRefusal {
  /** Completes a sentence starting with the URL's name, e.g. "input.webhookUrl <reason>". */
  reason: string;
  /** True when asking again later may succeed (DNS did not answer); false for the policy itself. */
  transient: boolean;
}

/**
 * The SSRF guard: only http and https, and (unless private addresses are allowed) a host whose
 * every address is public. A host with one private address among public ones is refused, since a
 * connection may pick any of them. Never includes the resolved address in the reason: that would
 * let a tenant probe the service's internal DNS.
 */
export async function resolveWebhookTarget(rawUrl: string, options: WebhookGuardOptions): Promise<WebhookTarget | WebhookRefusal> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { reason: 'must be an absolute http or https URL', transient: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { reason: 'must be an absolute http or https URL', transient: false };
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  if (isIP(hostname) !== 0) {
    addresses = [{ address: hostname, family: isIP(hostname) }];
  } else {
    try {
      const resolveHost = options.resolveHost ?? lookupAll;
      // dns.lookup cannot be canceled (it runs getaddrinfo on the thread pool); stop waiting for it instead.
      addresses = await withTimeout(resolveHost(hostname), options.resolveTimeoutMs ?? 5_000, () => {
        throw new Error('timed out');
      });
    } catch {
      return { reason: 'has a host name that could not be resolved', transient: true };
    }
  }
  if (addresses.length === 0) return { reason: 'has a host name that could not be resolved', transient: true };
  if (!options.allowPrivate) {
    const category = firstRefusedCategory(addresses.map(({ address }) => address));
    if (category !== null) return { reason: `must reach a public address, but its host is ${describeCategory(category)}`, transient: false };
  }
  return { url, addresses };
}

/** `ApiServices.checkWebhookUrl` for createJob: the reason to refuse a URL, or null. */
export function createWebhookUrlChecker(config: Pick<Config, 'webhookAllowPrivate'>): (url: string) => Promise<string | null> {
  return async (url) => {
    const result = await resolveWebhookTarget(url, { allowPrivate: config.webhookAllowPrivate });
    return 'reason' in result ? result.reason : null;
  };
}

/**
 * `Services.checkSourceUrl` for createJob: the same guard for a URL source, under INGEST_ALLOW_PRIVATE
 * (a source URL's host that is, or resolves to, a refused address). The worker checks it again, with
 * every redirect, when it fetches.
 */
export function createSourceUrlChecker(config: Pick<Config, 'ingestAllowPrivate'>, resolveHost?: ResolveHost): (url: string) => Promise<string | null> {
  return async (url) => {
    if (config.ingestAllowPrivate) return null;
    const result = await resolveWebhookTarget(url, { allowPrivate: false, resolveHost });
    return 'reason' in result ? result.reason : null;
  };
}

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}
