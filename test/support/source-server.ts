import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1:0 that serves URL sources the ways servers do:
 * - `/plain/<name>`: the body with its Content-Length;
 * - `/chunked/<name>`: the body in pieces, chunked, with no length;
 * - `/redirect/<n>/<name>`: `n` redirects (302, relative) before `/plain/<name>`;
 * - `/to?target=<url>`: one redirect (302) to any URL;
 * - `/zeros/<bytes>` (chunked) and `/zeros-declared/<bytes>` (with its length): that many zero bytes;
 * - `/stall`: a 200 with a length, a few bytes, then nothing;
 * - `/status/<code>`: that status, with a short text body;
 * - anything else: 404.
 * Every GET is counted by path (`gets`).
 */
export interface SourceServer {
  url: string;
  /** Serves `body` as `<name>` on the routes above. */
  add(name: string, body: Buffer): void;
  /** GET requests received, by path (query left out). */
  gets: Map<string, number>;
  /** GETs of every path that serves the body of `name`. */
  bodyGets(name: string): number;
  close(): Promise<void>;
}

export async function startSourceServer(): Promise<SourceServer> {
  const files = new Map<string, Buffer>();
  const gets = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    gets.set(url.pathname, (gets.get(url.pathname) ?? 0) + 1);
    open.add(response);
    response.on('close', () => open.delete(response));
    const [, route, first, second] = url.pathname.split('/');
    if (route === 'plain' && files.has(first!)) {
      const body = files.get(first!)!;
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      return response.end(body);
    }
    if (route === 'chunked' && files.has(first!)) return sendChunked(response, files.get(first!)!);
    if (route === 'redirect') {
      const left = Number(first);
      return redirect(response, left > 1 ? `../${left - 1}/${second}` : `/plain/${second}`);
    }
    if (route === 'to') return redirect(response, url.searchParams.get('target')!);
    if (route === 'zeros') return sendChunked(response, Buffer.alloc(Number(first)));
    if (route === 'zeros-declared') {
      response.writeHead(200, { 'content-length': Number(first) });
      return response.end(Buffer.alloc(Number(first)));
    }
    if (route === 'stall') {
      response.writeHead(200, { 'content-length': 1_000_000 });
      return response.write(Buffer.alloc(1000));
    }
    if (route === 'status') {
      response.writeHead(Number(first), { 'content-type': 'text/plain' });
      return response.end('a status');
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const handle: SourceServer = {
    url: `http://127.0.0.1:${port}`,
    add: (name, body) => void files.set(name, body),
    gets,
    bodyGets: (name) => [...gets].filter(([path]) => path.endsWith(`/${name}`) && /^\/(plain|chunked)\//.test(path)).reduce((sum, [, count]) => sum + count, 0),
    async close() {
      for (const response of open) response.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return handle;
}

function sendChunked(response: ServerResponse, body: Buffer): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  const piece = 64 * 1024;
  let offset = 0;
  const next = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + piece);
      offset += chunk.length;
      if (!response.write(chunk)) return void response.once('drain', next);
    }
    response.end();
  };
  next();
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { location });
  response.end();
}
