import { builder } from '../graphql/builder.js';

export interface WorkerMachineShape {
  id: string;
  state: string;
}

export const WorkerMachineRef = builder.objectRef<WorkerMachineShape>('WorkerMachine').implement({
  description: 'A Fly Machine of the worker pool.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'The Fly machine id.' }),
    state: t.exposeString('state', { description: 'Fly machine state: created, starting, started, stopping, stopped, ...' }),
  }),
});

builder.queryField('machines', (t) =>
  t.field({
    type: [WorkerMachineRef],
    description: 'The worker pool as the scheduler sees it. Operator data: with API_KEYS set, only keys in ADMIN_API_KEYS may read it.',
    authScopes: { admin: true },
    resolve: (_root, _args, context) => context.services.machines.list(),
  }),
);
