import { builder } from './builder.js';
import '../resolvers/enums.js';
import '../resolvers/errors.js';
import '../resolvers/job.js';
import '../resolvers/job-mutations.js';
import '../resolvers/job-lifecycle.js';
import '../resolvers/job-subscription.js';
import '../resolvers/upload-part-urls.js';
import '../resolvers/webhook-delivery.js';
import '../resolvers/worker-machine.js';

/** The executable schema: importing the resolver files registers their types on the builder. */
export const schema = builder.toSchema({ sortSchema: true });
