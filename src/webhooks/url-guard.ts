import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import type { Config } from '../config/load-config.js';
import { classifyAddress } from '../net/address-policy.js';

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
      addresses = await withTimeout(resolveHost(hostname), options.resolveTimeoutMs ?? 5_000);
    } catch {
      return { reason: 'has a host name that could not be resolved', transient: true };
    }
  }
  if (addresses.length === 0) return { reason: 'has a host name that could not be resolved', transient: true };
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const category = classifyAddress(address);
      if (category !== null) {
        return { reason: `must reach a public address, but its host is ${article(category)} ${category} address`, transient: false };
      }
    }
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

function lookupAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/** dns.lookup cannot be canceled (it runs getaddrinfo on the thread pool); stop waiting for it instead. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}
