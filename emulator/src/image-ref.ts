import { createHash } from 'node:crypto';
import type { ImageRef } from '../../protocol/fly-machines.js';

/**
 * The `image_ref` the API derives from `config.image`: Docker reference rules (a first path component
 * with a dot, a colon or `localhost` is a registry; Docker Hub images get `library/`), with a digest
 * made up from the reference when it has none, since nothing is pulled.
 */
export function parseImageRef(image: string): ImageRef {
  const [withoutDigest = image, digest] = image.split('@');
  const slash = withoutDigest.indexOf('/');
  const first = slash === -1 ? '' : withoutDigest.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let path = hasRegistry ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = path.lastIndexOf(':');
  const tag = colon === -1 ? 'latest' : path.slice(colon + 1);
  if (colon !== -1) path = path.slice(0, colon);
  const repository = !hasRegistry && !path.includes('/') ? `library/${path}` : path;
  return {
    registry,
    repository,
    tag,
    digest: digest ?? `sha256:${createHash('sha256').update(image).digest('hex')}`,
    labels: {},
  };
}
