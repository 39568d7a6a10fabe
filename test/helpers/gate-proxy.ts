import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * An HTTP proxy between Steward's worker and the simulator that can stop one workflow's request at
 * an exact point, so a test can kill the worker there:
 *
 * - `before`: the request is held and never forwarded: the worker dies before the call happened;
 * - `after`: the request is forwarded, the simulator acts (a refund, a note, an email is created),
 *   and the answer is held: the worker dies after the effect, before it learnt the result.
 *
 * Matching is per request (method, path, headers, body), so several workflows can each be stopped
 * at a different boundary at the same moment, and one SIGKILL catches them all.
 */
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface GateSpec {
  name: string;
  phase: 'before' | 'after';
  match(request: ProxiedRequest): boolean;
  /** How many matching requests it stops. Default 1. */
  times?: number;
}

export interface Gate {
  readonly name: string;
  readonly phase: 'before' | 'after';
  hits: number;
  /** Resolves when the first matching request is held. */
  readonly reached: Promise<void>;
}

export interface GateProxy {
  url: string;
  gate(spec: GateSpec): Gate;
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'content-length'];

export async function startGateProxy(targetUrl: string): Promise<GateProxy> {
  const target = new URL(targetUrl);
  const agent = new http.Agent({ keepAlive: true });
  const gates: Array<GateSpec & Gate & { remaining: number; resolve: () => void }> = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: body.toString('utf8') };
      const gate = gates.find((g) => g.remaining > 0 && g.match(request));
      if (gate) {
        gate.remaining -= 1;
        gate.hits += 1;
      }
      if (gate?.phase === 'before') {
        gate.resolve();
        return; // held: never forwarded, never answered
      }
      const headers: Record<string, string | string[] | undefined> = { ...req.headers, host: target.host };
      for (const h of HOP_BY_HOP) delete headers[h];
      headers['content-length'] = String(body.length);
      const upstream = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port, method: request.method, path: request.path, headers, agent },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (gate?.phase === 'after') {
              gate.resolve();
              return; // the effect happened; the answer is held
            }
            const out = Buffer.concat(parts);
            const outHeaders: Record<string, string | string[] | undefined> = { ...answer.headers };
            for (const h of HOP_BY_HOP) delete outHeaders[h];
            outHeaders['content-length'] = String(out.length);
            res.writeHead(answer.statusCode ?? 502, outHeaders).end(out);
          });
          answer.on('error', () => res.socket?.destroy());
        },
      );
      upstream.on('error', () => res.socket?.destroy());
      upstream.end(body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    gate(spec) {
      let resolve!: () => void;
      const reached = new Promise<void>((r) => (resolve = r));
      const gate = { ...spec, remaining: spec.times ?? 1, hits: 0, reached, resolve };
      gates.push(gate);
      return gate;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
