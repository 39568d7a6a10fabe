import { proxyActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import type { StewardActivities } from '../../activities/index.js';
import { FINAL_FAILURE_TYPES, type StepMeta } from '../model.js';
import type { AuditQueue } from './audit.js';

/** Errors no retry can fix: a refusal by the permission gate, bad input, a credential the provider refuses. */
const NON_RETRYABLE = [...FINAL_FAILURE_TYPES];

/**
 * Retry profiles. Activities are at-least-once; every side effect carries an idempotency key, so a
 * retry repeats a request, never an effect.
 */
const profiles = {
  /** Reads and the model: quick retries, then let the workflow decide. */
  read: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE } },
  /** The model may answer malformed; three tries, then a person reads the ticket. */
  model: { startToCloseTimeout: '60 seconds', retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE } },
  /** Money: the article's rule, retry twice, then pause and call an operator. */
  payment: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE } },
  /** Helpdesk writes. */
  helpdesk: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE } },
  /** Telling an operator must get through eventually, even if their webhook is down for a while. */
  notify: { startToCloseTimeout: '15 seconds', scheduleToCloseTimeout: '24 hours', retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes', nonRetryableErrorTypes: NON_RETRYABLE } },
} satisfies Record<string, ActivityOptions>;

type Profile = keyof typeof profiles;
type ToolName = keyof StewardActivities;
export type ToolArgs<K extends ToolName> = Parameters<StewardActivities[K]>[1];
type ResultOf<K extends ToolName> = Awaited<ReturnType<StewardActivities[K]>>;

const profileOf: Record<ToolName, Profile> = {
  classifyTicket: 'model',
  retrieveContext: 'read',
  createRefund: 'payment',
  addTicketNote: 'helpdesk',
  sendCustomerReply: 'helpdesk',
  setTicketStatus: 'helpdesk',
  notifyOperator: 'notify',
  recordAudit: 'read',
  verifyApproval: 'read',
};

const proxies = Object.fromEntries(
  Object.entries(profiles).map(([name, options]) => [name, proxyActivities<StewardActivities>(options)]),
) as Record<Profile, ActivityInterfaceFor<StewardActivities>>;

/**
 * The workflow's only way to reach an activity. It attaches the step, the bound customer and the
 * queued audit records, and gives each call a summary the Temporal UI shows.
 */
export class Toolbox {
  constructor(private readonly audit: AuditQueue) {}

  async run<K extends ToolName>(name: K, step: string, summary: string, args: ToolArgs<K>): Promise<ResultOf<K>> {
    const pending = this.audit.drain();
    const meta: StepMeta = { step, customerId: this.audit.context.customerId, policyVersion: this.audit.context.policyVersion, audit: pending };
    const activity = proxies[profileOf[name]][name] as unknown as {
      executeWithOptions(options: ActivityOptions, args: [StepMeta, ToolArgs<K>]): Promise<ResultOf<K>>;
    };
    try {
      return await activity.executeWithOptions({ ...profiles[profileOf[name]], summary }, [meta, args]);
    } catch (err) {
      // The records may not have been stored; queue them again (ids are deterministic, so a record
      // that was stored is skipped, not duplicated).
      this.audit.requeue(pending);
      throw err;
    }
  }
}
