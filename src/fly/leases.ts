/**
 * Machine leases: a nonce that every guarded call (update, start, stop, destroy) must then carry. They
 * are how a pool hands one stopped machine to exactly one caller: a 409 on acquire means "take another".
 */
import type { FlyClient } from './client-types.js';
import { FlyApiError } from './errors.js';
import { parseLease } from './parse.js';
import type { Transport } from './transport.js';

type LeaseCalls = Pick<FlyClient, 'acquireLease' | 'getLease' | 'releaseLease'>;

export function createLeaseCalls(send: Transport, machinePath: (machineId: string, suffix?: string) => string): LeaseCalls {
  return {
    async acquireLease(machineId, options) {
      const path = machinePath(machineId, '/lease');
      const response = await send({
        method: 'POST',
        path,
        action: 'lease',
        machineId,
        body: { ttl: options.ttlSeconds, description: options.description },
        nonce: options.nonce,
        // A refresh (same nonce) can be repeated; a lost first acquire would make the retry 409 against
        // our own, unknown nonce, so a fresh acquire is not retried.
        retry: options.nonce ? 'idempotent' : 'unsafe',
        signal: options.signal,
      });
      return parseLease(response.body, `POST ${path}`);
    },

    async getLease(machineId, options = {}) {
      const path = machinePath(machineId, '/lease');
      try {
        const response = await send({ method: 'GET', path, action: 'lease', machineId, retry: 'idempotent', signal: options.signal });
        return parseLease(response.body, `GET ${path}`);
      } catch (error) {
        if (error instanceof FlyApiError && error.status === 404) return undefined;
        throw error;
      }
    },

    async releaseLease(machineId, nonce, options = {}) {
      const path = machinePath(machineId, '/lease');
      try {
        await send({ method: 'DELETE', path, action: 'lease', machineId, nonce, retry: 'idempotent', signal: options.signal });
      } catch (error) {
        // An expired lease is already released; flyctl ignores "lease not found" the same way.
        if (error instanceof FlyApiError && (error.status === 404 || error.errorText.includes('lease not found'))) return;
        throw error;
      }
    },
  };
}
