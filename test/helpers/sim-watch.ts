import type { ActiveFault, FaultKind } from '../../simulator/faults.js';
import type { Simulator } from '../../simulator/server.js';

/**
 * Test instrumentation of the simulator's fault hook. The simulator asks its FaultRegistry
 * (`faults.take(route)`) once for every API request before routing it; wrapping that call gives
 * a log of every request with its arrival time and the fault it met, and lets a storm decide per
 * request whether to inject one (through the public `inject`, so faults are counted as usual).
 */
export interface RequestEntry {
  route: string;
  /** performance.now() at arrival. */
  at: number;
  fault: FaultKind | null;
}

export interface RequestLog {
  entries: RequestEntry[];
  /** Requests on one route, oldest first. */
  on(route: string): RequestEntry[];
  stop(): void;
}

type Decide = (route: string) => Parameters<Simulator['faults']['inject']>[0] | null;

function wrapTake(sim: Simulator, onRequest: (route: string) => void, decide?: Decide): () => void {
  const faults = sim.faults;
  const original = faults.take;
  faults.take = function take(route: string): ActiveFault | undefined {
    onRequest(route);
    if (decide && !faults.list().some((f) => f.route === route)) {
      const spec = decide(route);
      if (spec) faults.inject(spec);
    }
    return original.call(faults, route);
  };
  return () => {
    faults.take = original;
  };
}

export function watchRequests(sim: Simulator): RequestLog {
  const entries: RequestEntry[] = [];
  const faults = sim.faults;
  const original = faults.take;
  faults.take = function take(route: string): ActiveFault | undefined {
    const entry: RequestEntry = { route, at: performance.now(), fault: null };
    entries.push(entry);
    const fault = original.call(faults, route);
    entry.fault = fault?.kind ?? null;
    return fault;
  };
  return {
    entries,
    on: (route) => entries.filter((e) => e.route === route),
    stop() {
      faults.take = original;
    },
  };
}

/** Mulberry32: a small seeded PRNG, so a storm's fault sequence can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ChaosOptions {
  seed: number;
  /** Probability that a request meets a fault. */
  rate: number;
  /** Longer than the clients' timeouts, so `timeout` and `slow_success` really lose the answer. */
  holdMs: number;
}

export interface Chaos {
  /** Faults injected so far, by kind. */
  injected: Record<FaultKind, number>;
  requests: number;
  readonly total: number;
  stop(): void;
}

/** Weighted mix of what a bad day on the network looks like. */
const MIX: Array<[FaultKind, number]> = [
  ['error_5xx', 0.3],
  ['rate_limit_429', 0.2],
  ['connection_reset', 0.2],
  ['timeout', 0.15],
  ['slow_success', 0.15],
];

/**
 * Random faults on every endpoint: each API request meets a fault with probability `rate`, its kind
 * drawn from MIX, all from one seeded PRNG.
 */
export function chaos(sim: Simulator, opts: ChaosOptions): Chaos {
  const random = prng(opts.seed);
  const injected = Object.fromEntries(MIX.map(([k]) => [k, 0])) as Record<FaultKind, number>;
  const state = { requests: 0 };
  const stop = wrapTake(
    sim,
    () => {
      state.requests += 1;
    },
    (route) => {
      if (random() >= opts.rate) return null;
      let pick = random();
      let kind: FaultKind = 'error_5xx';
      for (const [k, w] of MIX) {
        if (pick < w) {
          kind = k;
          break;
        }
        pick -= w;
      }
      injected[kind] += 1;
      return {
        route,
        kind,
        times: 1,
        delayMs: opts.holdMs,
        status: [500, 502, 503][Math.floor(random() * 3)],
        retryAfterSeconds: 1,
      };
    },
  );
  return {
    injected,
    get requests() {
      return state.requests;
    },
    get total() {
      return Object.values(injected).reduce((a, b) => a + b, 0);
    },
    stop,
  };
}
