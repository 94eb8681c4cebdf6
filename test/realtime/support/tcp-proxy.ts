import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** The URL with its host and port replaced by the proxy's. */
  url(target: string): string;
  /**
   * Stops forwarding, both ways, on every connection whose client has sent `marker`, without closing
   * them: to each end the other looks alive but silent, like a half-open socket behind a dead NAT.
   * Returns how many connections froze.
   */
  freeze(marker: string): number;
  /** An outage: every connection is dropped and new ones are refused (reset) until `up()`. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`targetPort`, to make a connection go half-open on demand. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const connections = new Set<{ client: net.Socket; upstream: net.Socket; sent: string }>();
  let isDown = false;
  const server = net.createServer((client) => {
    if (isDown) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const connection = { client, upstream, sent: '' };
    connections.add(connection);
    client.on('data', (chunk) => {
      // Only the start matters for recognising a session (its first queries); keep it bounded.
      if (connection.sent.length < 10_000) connection.sent += chunk.toString('latin1');
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      connections.delete(connection);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url(target) {
      const parsed = new URL(target);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    freeze(marker) {
      let frozen = 0;
      for (const { client, upstream, sent } of connections) {
        if (!sent.toLowerCase().includes(marker.toLowerCase())) continue;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        // Whatever either end sends from now on goes nowhere; neither end is told.
        client.removeAllListeners('close').removeAllListeners('error').on('error', () => {});
        upstream.removeAllListeners('close').removeAllListeners('error').on('error', () => {});
        frozen += 1;
      }
      return frozen;
    },
    down() {
      isDown = true;
      for (const { client, upstream } of connections) {
        client.destroy();
        upstream.destroy();
      }
    },
    up() {
      isDown = false;
    },
    async close() {
      for (const { client, upstream } of connections) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
