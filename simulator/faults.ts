/**
 * Fault injection: make one endpoint misbehave for the next N requests, the way the real network and
 * the real APIs do on a bad day. Steward's promises (exactly-once refunds, honest replies) only mean
 * something if they hold when an answer is lost, late or refused, so every fault here is one a
 * production worker will eventually meet.
 *
 * A fault targets one route by its method and path pattern as the simulator registers it, e.g.
 * `POST /v1/refunds`, `GET /v1/charges/:id`, `POST /crm/v3/objects/notes/search`,
 * `PATCH /crm/v3/objects/tickets/:id`. Faults on one route apply in the order they were injected.
 */

export const FAULT_KINDS = ['timeout', 'error_5xx', 'rate_limit_429', 'connection_reset', 'slow_success'] as const;

/**
 * - `timeout`: the request is never processed and never answered: the connection is held for `delayMs`
 *   (default 30 s), then dropped. The client's own timeout is what ends it.
 * - `error_5xx`: the request is not processed; the API answers `status` (default 500) in its own error shape.
 * - `rate_limit_429`: the request is not processed; 429 with a `Retry-After` header of `retryAfterSeconds`.
 * - `connection_reset`: the request is not processed; the TCP connection is reset.
 * - `slow_success`: the request IS processed (a refund really is created), then the answer is held for
 *   `delayMs` (default 30 s): the "it happened but the answer was lost" case.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  /** `<METHOD> <path pattern>`, e.g. `POST /v1/refunds`. */
  route: string;
  kind: FaultKind;
  /** How many matching requests this fault affects before it clears itself. Default 1. */
  times?: number;
  /** For `timeout` and `slow_success`. Default 30 000 ms. */
  delayMs?: number;
  /** For `error_5xx`. Default 500. */
  status?: number;
  /** For `rate_limit_429`. Default 1. */
  retryAfterSeconds?: number;
}

/** A fault in force. The same object keeps counting after it clears, so a test can read `hits`. */
export interface ActiveFault {
  readonly id: string;
  readonly route: string;
  readonly kind: FaultKind;
  readonly delayMs: number;
  readonly status: number;
  readonly retryAfterSeconds: number;
  /** Requests it will still affect. */
  remaining: number;
  /** Requests it has affected so far. */
  hits: number;
}

export const DEFAULT_FAULT_DELAY_MS = 30_000;

export class FaultRegistry {
  readonly #faults: ActiveFault[] = [];
  readonly #knownRoutes = new Set<string>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; release: () => void }>();
  #nextId = 1;

  /** Called by the server for every route it serves, so a typo in a test fails loudly instead of never firing. */
  registerRoute(route: string): void {
    this.#knownRoutes.add(route);
  }

  get knownRoutes(): string[] {
    return [...this.#knownRoutes].sort();
  }

  inject(spec: FaultSpec): ActiveFault {
    const route = normalizeRoute(spec.route);
    if (this.#knownRoutes.size > 0 && !this.#knownRoutes.has(route)) {
      throw new Error(`unknown route "${spec.route}"; the simulator serves: ${this.knownRoutes.join(', ')}`);
    }
    if (!FAULT_KINDS.includes(spec.kind)) {
      throw new Error(`unknown fault kind "${String(spec.kind)}"; expected one of ${FAULT_KINDS.join(', ')}`);
    }
    const times = spec.times ?? 1;
    if (!(times >= 1) || (!Number.isInteger(times) && times !== Number.POSITIVE_INFINITY)) {
      throw new Error(`times must be a positive integer, got ${String(spec.times)}`);
    }
    const status = spec.status ?? 500;
    if (spec.kind === 'error_5xx' && (status < 500 || status > 599)) {
      throw new Error(`error_5xx needs a status in 500..599, got ${status}`);
    }
    const fault: ActiveFault = {
      id: `fault_${this.#nextId++}`,
      route,
      kind: spec.kind,
      delayMs: spec.delayMs ?? DEFAULT_FAULT_DELAY_MS,
      status,
      retryAfterSeconds: spec.retryAfterSeconds ?? 1,
      remaining: times,
      hits: 0,
    };
    this.#faults.push(fault);
    return fault;
  }

  /** Removes every fault, or only those on one route. */
  clear(route?: string): void {
    const target = route === undefined ? undefined : normalizeRoute(route);
    for (let i = this.#faults.length - 1; i >= 0; i--) {
      if (target === undefined || this.#faults[i]?.route === target) this.#faults.splice(i, 1);
    }
  }

  list(): ActiveFault[] {
    return [...this.#faults];
  }

  /** The fault that applies to this request, if any; counts the hit and clears the fault when it is spent. */
  take(route: string): ActiveFault | undefined {
    const index = this.#faults.findIndex((fault) => fault.route === route);
    if (index === -1) return undefined;
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.hits += 1;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  /**
   * Waits `ms`, unless the simulator shuts down first (then resolves at once), so a held 30-second
   * answer never keeps a test process alive.
   */
  hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        release: resolve,
      };
      entry.timer.unref();
      this.#timers.add(entry);
    });
  }

  /** Ends every pending hold; used on shutdown. */
  releaseAll(): void {
    for (const entry of this.#timers) {
      clearTimeout(entry.timer);
      entry.release();
    }
    this.#timers.clear();
  }
}

/** `post  /v1/refunds/` → `POST /v1/refunds`. */
export function normalizeRoute(route: string): string {
  const [method = '', ...rest] = route.trim().split(/\s+/);
  const path = rest.join('');
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return `${method.toUpperCase()} ${trimmed}`;
}
