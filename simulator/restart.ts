/**
 * Restart the simulator on the same port with the same world, the way a vendor's API goes away and
 * comes back: while it is down every connection is refused; when it is back, every customer,
 * charge, refund, idempotency key, note and email it had is still there.
 *
 * @example
 * sim = await restartSimulator(sim, { downMs: 60_000 });   // refused for a minute, then back
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulator, type Simulator } from './server.js';
import type { SimState } from './state.js';

export interface RestartOptions {
  /** How long the port stays closed (connection refused). Default 0. */
  downMs?: number;
  /** Called once the port is closed, before the wait: e.g. to start work that meets the outage. */
  onDown?: () => void | Promise<void>;
}

/**
 * Closes `sim`, waits `downMs`, and starts a new simulator on the same host and port whose state
 * holds everything the old one held. Faults in force are not carried over. Use the returned
 * simulator from then on (the old one is closed).
 */
export async function restartSimulator(sim: Simulator, options: RestartOptions = {}): Promise<Simulator> {
  const url = new URL(sim.url);
  await sim.close();
  await options.onDown?.();
  if (options.downMs) await sleep(options.downMs);
  const next = await startSimulator({ port: Number(url.port), host: url.hostname.replace(/^\[(.*)\]$/, '$1'), fixtures: 'empty' });
  transplantState(sim.state, next.state);
  return next;
}

/** Copies every collection of `from` into `to` (same objects, so ids and idempotency keys carry over). */
export function transplantState(from: SimState, to: SimState): void {
  for (const [key, value] of Object.entries(from) as Array<[keyof SimState, unknown]>) {
    const target = to[key] as unknown;
    if (value instanceof Map && target instanceof Map) {
      target.clear();
      for (const [k, v] of value) target.set(k, v);
    } else if (Array.isArray(value) && Array.isArray(target)) {
      target.length = 0;
      target.push(...value);
    }
  }
}
