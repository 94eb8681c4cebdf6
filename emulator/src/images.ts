/**
 * The registry as the emulator pretends it: every image exists, except those it is told are gone, as
 * Fly's registry prunes an image that was only ever pushed (`--build-only`) and never deployed. A create
 * or an image-changing update naming a gone image is refused; the real API's status and wording for
 * this are unverified (a 422 with the image and "manifest unknown" here, which `isImageMissing` reads).
 */
import type { EmulatorContext } from './context.js';
import { apiError } from './errors.js';

/** Throws the refusal the API gives a create or update whose image the registry no longer has. */
export function checkImageAvailable(context: EmulatorContext, image: string): void {
  if (!context.missingImages.has(image)) return;
  throw apiError(422, `failed to launch VM: unable to pull image "${image}": manifest unknown`);
}
