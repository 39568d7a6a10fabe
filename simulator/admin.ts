/**
 * The simulator's own control surface under `/_sim/`, for scripts, the README walkthrough and tests
 * in other processes (in-process tests can use `sim.state` and `sim.faults` directly):
 *
 * - `GET /_sim/state`: everything stored, as JSON.
 * - `POST /_sim/reset` `{ fixtures?: 'demo' | 'empty' }`: wipe and reseed (faults are cleared too).
 * - `GET /_sim/faults`: faults in force and the routes they can target.
 * - `POST /_sim/faults` `{ route, kind, times?, delayMs?, status?, retryAfterSeconds? }`: inject one.
 * - `DELETE /_sim/faults[?route=POST%20/v1/refunds]`: clear all, or one route's.
 * - `POST /_sim/charges/:id/settle` `{ status?: 'succeeded' | 'failed' }`: a pending charge settles.
 * - `POST /_sim/charges/:id/dispute` `{ reason? }`: the cardholder opens a chargeback.
 * - `POST /_sim/operator-inbox`, `GET /_sim/operator-inbox`: a stand-in operator webhook that records
 *   what Steward tells its operators (deduplicated by `Idempotency-Key`).
 */

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { FaultRegistry, FaultSpec } from './faults.js';
import { openDispute, settleCharge, type SimState } from './state.js';

export type FixtureSet = 'demo' | 'empty';

export interface AdminContext {
  state: SimState;
  faults: FaultRegistry;
  reset(fixtures?: FixtureSet): void;
}

export async function registerAdminRoutes(app: FastifyInstance, context: AdminContext): Promise<void> {
  const { state, faults } = context;
  await app.register(async (admin) => {
    admin.setErrorHandler((error, _request, reply) => {
      const status = (error as { statusCode?: number }).statusCode ?? 400;
      return reply.code(status >= 400 && status < 600 ? status : 400).send({ error: (error as Error).message });
    });

    admin.get('/_sim/state', async () => state.snapshot());

    admin.post<{ Body: { fixtures?: FixtureSet } | undefined }>('/_sim/reset', async (request) => {
      const fixtures = request.body?.fixtures;
      if (fixtures !== undefined && fixtures !== 'demo' && fixtures !== 'empty') throw new Error('fixtures must be "demo" or "empty"');
      context.reset(fixtures);
      return { reset: true, fixtures: fixtures ?? 'default' };
    });

    admin.get('/_sim/faults', async () => ({ faults: faults.list(), routes: faults.knownRoutes }));

    admin.post<{ Body: FaultSpec }>('/_sim/faults', async (request, reply) => {
      const fault = faults.inject(request.body ?? ({} as FaultSpec));
      return reply.code(201).send(fault);
    });

    admin.delete<{ Querystring: { route?: string } }>('/_sim/faults', async (request) => {
      const route = typeof request.query.route === 'string' ? request.query.route : undefined;
      faults.clear(route);
      return { cleared: route ?? 'all' };
    });

    admin.post<{ Params: { id: string }; Body: { status?: 'succeeded' | 'failed' } | undefined }>(
      '/_sim/charges/:id/settle',
      async (request) => settleCharge(state, request.params.id, request.body?.status ?? 'succeeded'),
    );

    admin.post<{ Params: { id: string }; Body: { reason?: string } | undefined }>('/_sim/charges/:id/dispute', async (request) =>
      openDispute(state, request.params.id, request.body?.reason ? { reason: request.body.reason } : {}),
    );

    admin.post('/_sim/operator-inbox', async (request, reply) => {
      const header = request.headers['idempotency-key'];
      const key = typeof header === 'string' ? header : null;
      const seen = key ? state.operatorInbox.find((message) => message.idempotencyKey === key) : undefined;
      const message = seen ?? {
        requestId: `op_${randomBytes(8).toString('hex')}`,
        idempotencyKey: key,
        receivedAt: new Date().toISOString(),
        body: request.body ?? null,
      };
      if (!seen) state.operatorInbox.push(message);
      return reply.header('x-request-id', message.requestId).send({ received: true, duplicate: Boolean(seen) });
    });

    admin.get('/_sim/operator-inbox', async () => ({ messages: state.operatorInbox }));
  });
}
