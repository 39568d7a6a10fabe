import { condition, setHandler } from '@temporalio/workflow';
import { billingSyncedSignal, operatorAbortSignal, operatorRetrySignal, provideDataSignal, type ProvidedData } from '../messages.js';
import type { AuditQueue } from './audit.js';

export type OperatorChoice = 'retry' | 'abort' | 'timeout';

/**
 * What people and systems can tell a paused workflow: retry or abort (operators), the customer's
 * identifier (support), billing has synced (a webhook). Every message is audited when it is used.
 */
export class Inbox {
  private operatorChoice: { choice: 'retry' | 'abort'; operator: string; note: string | null } | null = null;
  private provided: ProvidedData | null = null;
  private billingSynced = false;

  constructor(private readonly audit: AuditQueue) {
    setHandler(operatorRetrySignal, (c) => {
      this.operatorChoice = { choice: 'retry', operator: c?.operator || 'unknown', note: c?.note ?? null };
    });
    setHandler(operatorAbortSignal, (c) => {
      this.operatorChoice = { choice: 'abort', operator: c?.operator || 'unknown', note: c?.note ?? null };
    });
    setHandler(provideDataSignal, (data) => {
      this.provided = data;
    });
    setHandler(billingSyncedSignal, () => {
      this.billingSynced = true;
    });
  }

  /** An abort may arrive at any time; steps with side effects check it before acting. */
  get abortRequested(): boolean {
    return this.operatorChoice?.choice === 'abort';
  }

  async waitForOperator(step: string, timeoutMs: number): Promise<OperatorChoice> {
    if (this.operatorChoice?.choice === 'retry') this.operatorChoice = null;
    const answered = await condition(() => this.operatorChoice !== null, timeoutMs);
    if (!answered) return 'timeout';
    const { choice, operator, note } = this.operatorChoice!;
    this.audit.record(`operator_${choice}`, step, { actor: `operator:${operator}`, reason: note });
    if (choice === 'retry') this.operatorChoice = null;
    return choice;
  }

  /** Waits for the customer's identifier; null on timeout. */
  async waitForIdentifier(step: string, timeoutMs: number): Promise<ProvidedData | null> {
    this.provided = null;
    const answered = await condition(() => this.provided !== null || this.abortRequested, timeoutMs);
    const data = this.provided as ProvidedData | null;
    if (!answered || !data) return null;
    this.audit.record('identifier_provided', step, {
      actor: `support:${data.providedBy || 'unknown'}`,
      details: { customerId: data.customerId ?? null, email: data.email ?? null },
    });
    return data;
  }

  /** Waits until billing says it synced, or the poll interval passes (then the caller re-reads). */
  async waitForBillingSync(pollMs: number): Promise<void> {
    this.billingSynced = false;
    await condition(() => this.billingSynced || this.abortRequested, pollMs);
  }
}
