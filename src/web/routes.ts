import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as documents from '../client/generated/graphql.js';
import type { Route } from '../http/app.js';

/** Where the page's assets are served; the page itself is at "/". */
export const WEB_ASSETS_PREFIX = '/web/';

const WEB_DIR = import.meta.dirname;
const require = createRequire(import.meta.url);

/**
 * Browser builds of dependencies, served as they ship (no CDN: the page works offline):
 * graphql-ws's ES module plus the chunk it imports, and hls.js's ES module, which plays an HLS
 * ladder in browsers without native HLS (loaded only when a card has one to preview).
 */
const VENDOR: ReadonlyArray<{ prefix: string; dir: string; files: RegExp }> = [
  { prefix: 'vendor/graphql-ws/', dir: path.dirname(require.resolve('graphql-ws/client')), files: /^(client|common-[A-Za-z0-9_-]+)\.js$/ },
  { prefix: 'vendor/hls.js/', dir: path.dirname(require.resolve('hls.js/dist/hls.min.mjs')), files: /^hls\.min\.mjs$/ },
];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * Scripts and styles only from this origin; uploads go to the store's presigned URL and
 * subscriptions to /graphql over WebSocket, whatever origin the store has. Previews load media and
 * images from the store's download URLs; hls.js feeds the video element through blob: URLs.
 */
const PAGE_SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: http: https:; media-src 'self' http: https: blob:; " +
    "connect-src 'self' http: https: ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * The web page (no build step): "/" serves index.html, "/web/<file>" its scripts and styles,
 * "/web/operations.js" the generated typed documents as an ES module, and "/web/vendor/*" the
 * browser builds of graphql-ws and hls.js.
 */
export function createWebRoutes(): Record<string, Route> {
  const cache = new Map<string, Promise<Asset | null>>();
  const asset = (name: string) => {
    let loaded = cache.get(name);
    if (!loaded) {
      loaded = loadAsset(name);
      cache.set(name, loaded);
    }
    return loaded;
  };
  return {
    '/': (request, response) => serve(request, response, asset('index.html')),
    [WEB_ASSETS_PREFIX]: (request, response) => {
      const name = new URL(request.url ?? '/', 'http://localhost').pathname.slice(WEB_ASSETS_PREFIX.length);
      return serve(request, response, isAssetName(name) ? asset(name) : Promise.resolve(null));
    },
  };
}

/** Only names that can be nothing but one of our assets: no dots in directories, no TypeScript. */
function isAssetName(name: string): boolean {
  if (name === 'operations.js') return true;
  const vendor = vendorOf(name);
  if (vendor) return vendor.files.test(name.slice(vendor.prefix.length));
  return /^[a-z][a-z0-9-]*\.(js|css)$/.test(name);
}

function vendorOf(name: string) {
  return VENDOR.find((entry) => name.startsWith(entry.prefix));
}

async function loadAsset(name: string): Promise<Asset | null> {
  let body: Buffer;
  if (name === 'operations.js') body = Buffer.from(operationsModule());
  else {
    const vendor = vendorOf(name);
    const file = vendor ? path.join(vendor.dir, name.slice(vendor.prefix.length)) : path.join(WEB_DIR, name);
    const read = await readFile(file).catch(() => null);
    if (!read) return null;
    body = read;
  }
  const contentType = CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream';
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/** Every generated operation document, as `export const CreateJobDocument = "mutation CreateJob ...";`. */
function operationsModule(): string {
  const lines = Object.entries(documents)
    .filter(([name, value]) => name.endsWith('Document') && value instanceof documents.TypedDocumentString)
    .map(([name, value]) => `export const ${name} = ${JSON.stringify(String(value))};`);
  return `// Generated from src/client/operations.graphql by the API at start-up.\n${lines.join('\n')}\n`;
}

async function serve(request: IncomingMessage, response: ServerResponse, loading: Promise<Asset | null>): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const found = await loading;
  if (!found) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
    return;
  }
  // Revalidated on every load, so a new release is picked up at once; unchanged files cost a 304.
  const headers = { 'content-type': found.contentType, 'cache-control': 'no-cache', etag: found.etag, ...PAGE_SECURITY_HEADERS };
  if (request.headers['if-none-match'] === found.etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, 'content-length': found.body.length });
  response.end(request.method === 'HEAD' ? undefined : found.body);
}
