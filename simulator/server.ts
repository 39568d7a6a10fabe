/**
 * One HTTP server that plays both Stripe (`/v1/...`) and HubSpot (`/crm/v3/...`) for Steward's real
 * SDKs, plus the `/_sim/...` control routes. Point stripe-node at it with `host`/`port`/`protocol`
 * and @hubspot/api-client with `basePath`; nothing in the SDKs is patched.
 *
 * @example
 * const sim = await startSimulator({ port: 0, fixtures: 'empty' });
 * const billing = createStripeBilling(createStripeClient({ apiKey: 'sk_test_x', baseUrl: sim.url }));
 * sim.faults.inject({ route: 'POST /v1/refunds', kind: 'slow_success', delayMs: 2_000 });
 * ...
 * await sim.close();
 */

import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerAdminRoutes, type FixtureSet } from './admin.js';
import { FaultRegistry, type ActiveFault } from './faults.js';
import { loadDemoFixtures, type DemoIds } from './fixtures.js';
import { decodeForm } from './form.js';
import { hubspotErrorBody, hubspotNotFound, registerHubSpotRoutes } from './hubspot.js';
import { SimState } from './state.js';
import { registerStripeRoutes, stripeNotFound } from './stripe.js';

export interface SimulatorOptions {
  /** Default 0: any free port (read it back from `url`). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** `demo` (default) seeds the README's customers and tickets; `empty` starts blank. */
  fixtures?: FixtureSet;
  /** Log every request with pino. Default false. */
  logger?: boolean;
}

export interface Simulator {
  /** Base URL for both SDKs, e.g. `http://127.0.0.1:12111`. */
  url: string;
  state: SimState;
  faults: FaultRegistry;
  /** Ids of the demo data, when the current fixtures are `demo`. */
  readonly demo: DemoIds | null;
  /** Wipes state and faults and reseeds (`fixtures` defaults to the set the simulator started with). */
  reset(fixtures?: FixtureSet): void;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const state = new SimState();
  const faults = new FaultRegistry();
  const defaultFixtures = options.fixtures ?? 'demo';
  let demo: DemoIds | null = null;
  const reset = (fixtures: FixtureSet = defaultFixtures): void => {
    state.clear();
    faults.clear();
    demo = fixtures === 'demo' ? loadDemoFixtures(state) : null;
  };
  reset();

  const app = Fastify({
    logger: options.logger ? { level: process.env.LOG_LEVEL ?? 'info', redact: ['req.headers.authorization'] } : false,
    // A held (`timeout` / `slow_success`) request must not keep `close()` waiting for 30 seconds.
    forceCloseConnections: true,
    routerOptions: { querystringParser: (query: string) => decodeForm(query) },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, decodeForm(body as string));
  });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method !== 'HEAD' && !route.url.startsWith('/_sim')) faults.registerRoute(`${method} ${route.url}`);
    }
  });
  installFaults(app, faults);

  await registerStripeRoutes(app, state);
  await registerHubSpotRoutes(app, state);
  await registerAdminRoutes(app, { state, faults, reset });
  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/v1/')) return stripeNotFound(request, reply);
    if (request.url.startsWith('/crm/')) return hubspotNotFound(request, reply);
    return reply.code(404).send({ error: `no route ${request.method} ${request.url}` });
  });

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = ['0.0.0.0', '::', ''].includes(address.address) ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    state,
    faults,
    get demo() {
      return demo;
    },
    reset,
    async close() {
      faults.releaseAll();
      await app.close();
    },
  };
}

/**
 * Applies injected faults before a request reaches its route (all kinds but `slow_success`) or
 * after it was handled, while the answer is on its way out (`slow_success`).
 */
function installFaults(app: FastifyInstance, faults: FaultRegistry): void {
  const slowAnswers = new WeakMap<FastifyRequest, ActiveFault>();

  app.addHook('onRequest', async (request, reply) => {
    const pattern = request.routeOptions.url;
    if (!pattern || pattern.startsWith('/_sim')) return;
    const fault = faults.take(`${request.method} ${pattern}`);
    if (!fault) return;
    request.log.info({ fault: fault.kind, route: fault.route }, 'simulator fault injected');
    const stripe = pattern.startsWith('/v1/');
    switch (fault.kind) {
      case 'slow_success':
        slowAnswers.set(request, fault);
        return;
      case 'error_5xx':
        return sendFaultAnswer(reply, fault.status, {}, stripe
          ? { error: { type: 'api_error', message: 'An unknown error occurred' } }
          : hubspotErrorBody('internal error', 'INTERNAL_ERROR'));
      case 'rate_limit_429':
        return sendFaultAnswer(
          reply,
          429,
          stripe
            ? { 'Retry-After': String(fault.retryAfterSeconds) }
            : {
                'Retry-After': String(fault.retryAfterSeconds),
                'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
                'X-HubSpot-RateLimit-Max': '100',
                'X-HubSpot-RateLimit-Remaining': '0',
              },
          stripe
            ? {
                error: {
                  type: 'invalid_request_error',
                  code: 'rate_limit',
                  message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
                },
              }
            : { ...hubspotErrorBody('You have reached your ten_secondly_rolling limit.', 'RATE_LIMITS'), errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' },
        );
      case 'connection_reset':
        reply.hijack();
        request.raw.socket.resetAndDestroy();
        return;
      case 'timeout':
        reply.hijack();
        void faults.hold(fault.delayMs).then(() => request.raw.socket.destroy());
        return;
    }
  });

  app.addHook('onSend', async (request, _reply, payload) => {
    const fault = slowAnswers.get(request);
    if (fault) await faults.hold(fault.delayMs);
    return payload;
  });
}

function sendFaultAnswer(reply: FastifyReply, status: number, headers: Record<string, string>, body: unknown): FastifyReply {
  return reply.code(status).headers(headers).type('application/json').send(body);
}
