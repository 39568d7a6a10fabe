import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { BillingContext } from '../activities/ports.js';
import { findDuplicateCharge, pendingCharges, type ChargeEvidence } from '../policies/duplicates.js';
import { evaluateRefundPolicy, type PolicyResult } from '../policies/refund-rules.js';
import { customerRiskScore } from '../policies/risk.js';
import type { RefundPolicy } from '../policies/schema.js';
import { ApprovalDesk } from './kit/approval.js';
import { AuditQueue } from './kit/audit.js';
import { digestOf } from './kit/digest.js';
import { Inbox } from './kit/operator.js';
import { StateTracker } from './kit/state.js';
import { Toolbox, type ToolArgs } from './kit/tools.js';
import { searchAttributes } from './messages.js';
import type { CustomerContext, ProposedRefund, ResolvedCustomer, TicketEvent } from './model.js';
import { parseTicketEvent } from './ticket-event.js';

export const WORKFLOW_TYPE = 'duplicatePaymentRefund';

export interface RefundRunResult {
  outcome:
    | 'refunded'
    | 'refund_rejected'
    | 'handed_to_human'
    | 'approval_expired'
    | 'never_refundable'
    | 'aborted';
  reason: string;
  refundId: string | null;
  amountUsd: number | null;
}

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * "I was charged twice this month. Please refund the duplicate payment."
 *
 * The article's controlled process, step by step: classify the ticket, identify the customer,
 * retrieve charges, detect the duplicate, evaluate the refund policy (with the risk score), plan,
 * get a manager's approval when the policy says so, then refund, note, reply and close. The model
 * only classifies and drafts; the rules decide; every side effect is an activity with an
 * idempotency key; every decision is audited.
 */
export async function duplicatePaymentRefund(input: TicketEvent): Promise<RefundRunResult> {
  const ticket = parseTicketEvent(input);
  const run = new RefundRun(ticket);
  return run.execute();
}

class RefundRun {
  private readonly state = new StateTracker('duplicate_payment_refund');
  private readonly audit = new AuditQueue(WORKFLOW_TYPE);
  private readonly tools = new Toolbox(this.audit);
  private readonly approvals = new ApprovalDesk(this.audit, (decision, request) =>
    this.tools.run('verifyApproval', request.step, 'Verify the approver credential', {
      token: decision.token,
      decision: decision.decision,
      actionDigest: request.digest,
      amountUsd: request.amountUsd,
      ticketId: this.ticket.ticketId,
      requesterEmail: this.ticket.senderEmail,
    }),
    () => this.tools.run('recordAudit', 'waiting_for_manager_approval', 'Record refused approvals', {}),
  );
  private readonly inbox = new Inbox(this.audit);
  private policy!: RefundPolicy;
  private customer: ResolvedCustomer | null = null;
  /** Invoice ids the ticket cites: checked against billing for conflicts, never used to choose. */
  private mentionedInvoiceIds: string[] = [];
  private noticesSent = 0;
  /** Why a step gave up, when an operator stopped it during an outage. */
  private stopReason: string | null = null;

  constructor(private readonly ticket: TicketEvent) {
    this.state.complete('received', { ticket_id: ticket.ticketId });
    this.state.tag([{ key: searchAttributes.ticketId, value: ticket.ticketId }]);
  }

  async execute(): Promise<RefundRunResult> {
    // 1. Classify the ticket. The model reads the text; the policy's threshold decides if that is enough.
    this.state.enter('classify_ticket');
    let classified;
    try {
      classified = await this.tools.run('classifyTicket', 'classify_ticket', 'Classify ticket intent', { ticket: this.ticket });
    } catch (err) {
      // Malformed model output three times, or the model unreachable: a person reads the ticket.
      if (!(err instanceof ActivityFailure)) throw err;
      return this.handToHuman('classify_ticket', `the ticket could not be classified: ${failureMessage(err)}`, { notifyCustomer: false });
    }
    const { classification, policy } = classified;
    this.mentionedInvoiceIds = classification.identifiers.invoiceIds;
    this.policy = policy;
    this.audit.context.policyVersion = policy.version;
    this.state.complete('classify_ticket', { detected_intent: classification.intent, confidence: classification.confidence });
    if (classification.intent !== 'billing_duplicate_charge' || classification.confidence < policy.intent_confidence_threshold) {
      return this.handToHuman(
        'classify_ticket',
        classification.intent !== 'billing_duplicate_charge'
          ? `intent is ${classification.intent}, not a duplicate charge`
          : `intent confidence ${classification.confidence} is below ${policy.intent_confidence_threshold}`,
        { notifyCustomer: false },
      );
    }

    // 2. Identify the customer from the sender, never from what the ticket claims.
    let context = await this.identifyCustomer();
    if (!context) return this.handToHuman('retrieve_customer', this.stopReason ?? 'customer could not be identified', { notifyCustomer: false });

    // 3-8 may run again: when the facts change before the refund, the plan is made anew.
    for (let planning = 1; planning <= 3; planning++) {
      // Systems of record that disagree on a fact the policy needs: a person decides, not us.
      // (`?? []`: activity results recorded before conflict detection existed have no such field.)
      const conflicts = context.conflicts ?? [];
      if (conflicts.length > 0) {
        this.audit.record('policy_conflict', 'evaluate_policy', { reason: conflicts.join('; '), details: { conflicts } });
        return this.handToHuman('evaluate_policy', `the systems of record disagree: ${conflicts.join('; ')}`, { notifyCustomer: false });
      }
      // 3. Retrieve charges and invoices; wait for billing to settle if it is incomplete.
      const billing = await this.completeBillingData(context);
      if (!billing) return this.handToHuman('check_invoice', this.stopReason ?? 'billing data stayed incomplete', { notifyCustomer: false });

      // 4. Detect the duplicate deterministically and keep the evidence.
      this.state.enter('detect_duplicate');
      const finding = findDuplicateCharge(billing.charges, this.policy.duplicate_detection.max_hours_apart);
      this.audit.record(finding.found ? 'duplicate_detected' : 'duplicate_not_found', 'detect_duplicate', {
        amountUsd: finding.found ? finding.duplicate.amountCents / 100 : null,
        reason: finding.found ? 'duplicate_payment_confirmed' : finding.reason,
        details: { finding },
      });
      if (!finding.found) return this.handToHuman('detect_duplicate', `not a duplicate: ${finding.reason}`, { notifyCustomer: false });
      this.state.complete('detect_duplicate', { retrieved_context: { invoices_found: billing.invoices.length, charges_found: billing.charges.length, duplicate_payment_detected: true, payment_provider: 'stripe', amount_usd: finding.duplicate.amountCents / 100, evidence: finding } });

      // 5-6. Score the customer's risk and evaluate the refund policy over system-of-record facts.
      const policyResult = await this.evaluatePolicy(billing, finding.duplicate);

      // 7. Plan.
      this.state.enter('plan_actions');
      const proposed: ProposedRefund = {
        action: 'create_refund',
        customerId: this.customer!.billingCustomerId,
        chargeId: finding.duplicate.chargeId,
        amountCents: finding.duplicate.amountCents,
        currency: finding.duplicate.currency,
      };
      if (policyResult.decision === 'never') {
        this.state.complete('plan_actions', { planned_actions: ['add_ticket_note', 'escalate_to_human', 'send_customer_reply'] });
        return this.handToHuman('plan_actions', `never refunded automatically: ${policyResult.reason}`, { notifyCustomer: true, outcome: 'never_refundable' });
      }
      const planned = ['create_refund', 'add_ticket_note', 'send_customer_reply', 'close_ticket'];
      this.state.complete('plan_actions', {
        planned_actions: policyResult.decision === 'require_approval' ? ['manager_approval', ...planned] : planned,
      });
      this.audit.record('actions_planned', 'plan_actions', {
        amountUsd: proposed.amountCents / 100,
        reason: policyResult.reason,
        details: { decision: policyResult.decision, proposed, planned },
      });

      // 8. Manager approval where the policy requires it.
      let approver: { approver: string; digest: string; decidedAt: string; token: string } | null = null;
      if (policyResult.decision === 'require_approval') {
        const outcome = await this.askForApproval(proposed, policyResult, finding.original);
        if (outcome.verdict === 'expired') {
          return this.handToHuman('waiting_for_manager_approval', 'no approval decision within the time limit', {
            notifyCustomer: true,
            outcome: 'approval_expired',
          });
        }
        if (outcome.verdict === 'reject') return this.rejectRefund(outcome.comment ?? 'rejected by manager', outcome.approver);
        approver = { approver: outcome.approver, digest: digestOf(proposed), decidedAt: outcome.decidedAt, token: outcome.token };
      }

      // 9. Execute: re-check the charge, refund once, then tell the helpdesk and the customer.
      if (this.inbox.abortRequested) return this.handToHuman('create_refund', 'operator aborted before the refund', { notifyCustomer: false, outcome: 'aborted' });
      this.state.enter('create_refund');
      const attempt = await this.persist('create_refund', 'payment_provider', () =>
        this.tools.run('createRefund', 'create_refund', `Refund ${proposed.chargeId}`, { proposed, approval: approver }),
      );
      if (!attempt.ok) return this.handToHuman('create_refund', attempt.reason, { notifyCustomer: false, outcome: attempt.aborted ? 'aborted' : 'handed_to_human' });
      const executed = attempt.value;
      if (executed.status === 'facts_changed') {
        this.audit.record('plan_invalidated', 'create_refund', { reason: executed.reason, details: { proposed } });
        const refreshed = await this.retrieveContext('check_invoice', { customerId: proposed.customerId });
        if (!refreshed) return this.handToHuman('check_invoice', this.stopReason ?? 'billing unavailable', { notifyCustomer: false });
        context = refreshed;
        continue;
      }
      this.state.complete('create_refund', { refund_id: executed.refund.id });
      return this.finishRefund(executed.refund);
    }
    return this.handToHuman('plan_actions', 'facts kept changing before the refund could be made', { notifyCustomer: false });
  }

  /** Step 2: exactly one account, or ask the customer; never guess. */
  private async identifyCustomer(): Promise<CustomerContext | null> {
    let lookup: { email?: string; customerId?: string } = { email: this.ticket.senderEmail };
    for (;;) {
      const context = await this.retrieveContext('retrieve_customer', lookup);
      if (!context) return null;
      if (context.customer) return context;
      const reason = context.unresolved === 'multiple_matches' ? 'multiple_customers_match_sender' : 'customer_not_found';
      this.audit.record('customer_unresolved', 'retrieve_customer', { reason, details: { lookup: context.lookup, matches: context.matches } });
      await this.helpdesk('sendCustomerReply', 'retrieve_customer', 'Ask the customer for an account identifier', {
        request: { kind: 'needs_identifier', ticket: this.ticket, customerName: null, reason },
      });
      await this.helpdesk('setTicketStatus', 'retrieve_customer', 'Ticket waiting on customer', {
        ticketId: this.ticket.ticketId,
        status: 'waiting_on_customer',
      });
      this.state.block('retrieve_customer', reason, ['customer_identifier'], ['provide_data', 'operator_abort']);
      const provided = await this.inbox.waitForIdentifier('retrieve_customer', this.policy.waits.customer_identifier_hours * HOUR);
      if (!provided) return null;
      lookup = provided.customerId ? { customerId: provided.customerId } : { email: provided.email ?? this.ticket.senderEmail };
    }
  }

  /** Null when billing or the CRM stayed unreachable and the operator stopped the run (`stopReason` says why). */
  private async retrieveContext(step: string, lookup: { email?: string; customerId?: string }): Promise<CustomerContext | null> {
    this.state.enter(step);
    const attempt = await this.persist(step, 'billing_or_crm', () =>
      this.tools.run('retrieveContext', step, 'Look up customer, charges and invoices', { ...lookup, mentionedInvoiceIds: this.mentionedInvoiceIds }),
    );
    if (!attempt.ok) {
      this.stopReason = attempt.reason;
      return null;
    }
    const context = attempt.value;
    if (context.customer) {
      this.customer = context.customer;
      this.audit.context.customerId = context.customer.billingCustomerId;
      this.state.complete('retrieve_customer', { customer_id: context.customer.billingCustomerId });
      this.state.tag([{ key: searchAttributes.customerId, value: context.customer.billingCustomerId }]);
    }
    return context;
  }

  /** Step 3: a charge still pending means the picture is incomplete; wait for billing to sync. */
  private async completeBillingData(context: CustomerContext): Promise<BillingContext | null> {
    let billing = context.billing!;
    const deadline = Date.now() + this.policy.waits.billing_sync_hours * HOUR;
    for (;;) {
      const pending = pendingCharges(billing.charges);
      if (pending.length === 0) {
        this.state.complete('check_invoice');
        return billing;
      }
      if (Date.now() >= deadline || this.inbox.abortRequested) return null;
      this.audit.record('billing_sync_requested', 'check_invoice', { reason: 'billing_data_incomplete', details: { pendingCharges: pending } });
      this.state.block('check_invoice', `billing_data_incomplete: ${pending.join(', ')} pending`, ['billing_sync'], ['billing_synced', 'operator_abort']);
      await this.inbox.waitForBillingSync(this.policy.waits.billing_sync_poll_minutes * MINUTE);
      const refreshed = await this.retrieveContext('check_invoice', { customerId: billing.customer.id });
      if (!refreshed) return null;
      billing = refreshed.billing!;
    }
  }

  /** Steps 5-6: facts from billing and the CRM only; the ticket text contributes nothing here. */
  private async evaluatePolicy(billing: BillingContext, duplicate: ChargeEvidence): Promise<PolicyResult> {
    this.state.enter('evaluate_policy');
    const openDispute = billing.disputes.some((d) => !['won', 'lost', 'charge_refunded'].includes(d.status));
    const risk = customerRiskScore(
      {
        priorRefundCount: billing.refunds.length,
        priorDisputeCount: billing.disputes.length,
        fraudSignal: billing.charges.some((c) => c.fraudSignal),
        accountAgeDays: this.customer!.accountAgeDays,
      },
      this.policy.risk_score,
    );
    const result = await evaluateRefundPolicy(this.policy, {
      amount_usd: duplicate.amountCents / 100,
      days_since_charge: Math.floor((Date.now() - Date.parse(duplicate.createdAt)) / (24 * HOUR)),
      customer_risk_score: risk.score,
      prior_refund_count: billing.refunds.length,
      open_chargeback: openDispute,
      fraud_signal: billing.charges.some((c) => c.fraudSignal),
      product_type: duplicate.productType ?? 'unknown',
      account_status: this.customer!.accountStatus ?? 'unknown',
    });
    this.audit.record('policy_evaluated', 'evaluate_policy', {
      amountUsd: duplicate.amountCents / 100,
      reason: result.reason,
      details: { decision: result.decision, rulesFired: result.rulesFired, facts: result.facts, riskScore: risk },
    });
    this.state.complete('evaluate_policy', {
      policy_result: {
        auto_refund_allowed: result.decision === 'auto_approve',
        requires_approval: result.decision === 'require_approval',
        decision: result.decision,
        reason: result.reason,
        rules_fired: result.rulesFired.map((r) => r.rule),
        policy_version: result.policyVersion,
        customer_risk_score: risk.score,
      },
    });
    this.state.tag([
      { key: searchAttributes.refundAmountUsd, value: duplicate.amountCents / 100 },
      { key: searchAttributes.approvalRequired, value: result.decision === 'require_approval' },
    ]);
    return result;
  }

  /** Step 8: evidence, proposed action and policy match go to a manager; the run waits. */
  private async askForApproval(proposed: ProposedRefund, policyResult: PolicyResult, original: ChargeEvidence) {
    const step = 'waiting_for_manager_approval';
    const digest = digestOf(proposed);
    const amountUsd = proposed.amountCents / 100;
    const summary = `Refund $${amountUsd.toFixed(2)} ${proposed.currency.toUpperCase()} of duplicate charge ${proposed.chargeId} (original ${original.chargeId}) for ${proposed.customerId}: ${policyResult.reason}`;
    const request = { step, digest, amountUsd, summary };
    this.audit.record('approval_requested', step, { amountUsd, reason: policyResult.reason, details: { proposed, actionDigest: digest } });
    // Open the desk before the state says "waiting", so a decision sent the moment it does counts.
    this.approvals.open(request);
    this.state.block(step, policyResult.rulesFired.filter((r) => r.outcome === 'require_approval').map((r) => r.rule).join(',') || 'approval_required', ['manager_approval'], ['approve_refund', 'reject_refund', 'request_more_info']);
    Object.assign(this.state.state.facts, { approval_request: { proposed, action_digest: digest, summary, evidence: { original, duplicate: proposed.chargeId }, policy_match: policyResult.rulesFired } });
    await this.helpdesk('addTicketNote', step, 'Note: refund awaits manager approval', {
      ticketId: this.ticket.ticketId,
      body: `Awaiting manager approval. ${summary}. Action digest ${digest}.`,
    });
    this.notifyOperatorInBackground(step, 'Refund awaiting approval', `${summary}. Approve with: client.ts approve ${this.state.state.workflow_id} --digest ${digest}`);
    return this.approvals.waitFor(request, {
        escalateAfterMs: this.policy.approval.escalate_after_hours * HOUR,
        expireAfterMs: this.policy.approval.expire_after_hours * HOUR,
        onEscalate: async () => {
          this.audit.record('approval_escalated', step, { reason: `no decision after ${this.policy.approval.escalate_after_hours}h` });
          this.notifyOperatorInBackground(step, 'Approval overdue', `No decision yet: ${summary}`, 'escalation');
        },
        onRequestInfo: async (decision) => {
          await this.helpdesk('addTicketNote', `${step}:info_requested:${decision.approver}`, 'Note: manager asked for more information', {
            ticketId: this.ticket.ticketId,
            body: `Manager ${decision.approver} asked for more information before deciding: ${decision.comment ?? '(no comment)'}`,
          });
        },
      },
    );
  }

  /**
   * Explicit failure handling for a step whose activity has exhausted its retries: the run pauses
   * with a `blocked_reason`, an operator is notified, and it waits for `operatorRetry` or
   * `operatorAbort`, having told the customer nothing. A refusal by the permission gate is not
   * retryable by anyone: it goes straight to a person.
   */
  private async persist<T>(step: string, dependency: string, call: () => Promise<T>): Promise<Attempt<T>> {
    for (;;) {
      try {
        return { ok: true, value: await call() };
      } catch (err) {
        if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
        if (failureType(err) === 'PermissionDenied') {
          this.audit.record('tool_call_escalated', step, { reason: failureMessage(err) });
          return { ok: false, aborted: false, reason: `refused by the permission gate: ${failureMessage(err)}` };
        }
        const reason = `${dependency}_unavailable: ${failureMessage(err)}`;
        this.audit.record('step_paused', step, { reason });
        this.state.block(step, reason, ['operator_decision'], ['operator_retry', 'operator_abort']);
        this.notifyOperatorInBackground(step, `Paused: ${dependency.replace('_', ' ')} failing`, `${reason}. Retry with: client.ts retry ${this.state.state.workflow_id}`);
        const choice = await this.inbox.waitForOperator(step, (this.policy?.waits.operator_hours ?? DEFAULT_OPERATOR_HOURS) * HOUR);
        if (choice !== 'retry') return { ok: false, aborted: choice === 'abort', reason: choice === 'abort' ? 'operator aborted' : 'no operator decision in time' };
        this.state.enter(step);
      }
    }
  }

  private async finishRefund(refund: { id: string; amountCents: number; chargeId: string; status: string }): Promise<RefundRunResult> {
    const amountUsd = refund.amountCents / 100;
    this.state.enter('add_ticket_note');
    await this.helpdesk('addTicketNote', 'add_ticket_note', 'Note: duplicate refunded', {
      ticketId: this.ticket.ticketId,
      body: `Duplicate charge ${refund.chargeId} refunded: ${refund.id}, $${amountUsd.toFixed(2)}. Policy ${this.policy.version}.`,
    });
    this.state.complete('add_ticket_note');
    this.state.enter('send_customer_reply');
    await this.helpdesk('sendCustomerReply', 'send_customer_reply', 'Tell the customer the refund was made', {
      request: {
        kind: 'refund_issued',
        ticket: this.ticket,
        customerName: this.customer?.name ?? null,
        refund: { id: refund.id, amountCents: refund.amountCents, currency: 'usd', chargeId: refund.chargeId },
      },
    });
    this.state.complete('send_customer_reply');
    this.state.enter('close_ticket');
    this.audit.record('workflow_completed', 'close_ticket', { amountUsd, reason: 'refunded', details: { refundId: refund.id } });
    await this.helpdesk('setTicketStatus', 'close_ticket', 'Close the ticket', { ticketId: this.ticket.ticketId, status: 'closed' });
    this.state.complete('close_ticket');
    this.state.finish('completed', 'refunded', { refund_id: refund.id });
    return { outcome: 'refunded', reason: 'duplicate_payment_confirmed', refundId: refund.id, amountUsd };
  }

  private async rejectRefund(comment: string, approver: string): Promise<RefundRunResult> {
    const step = 'refund_rejected';
    this.state.enter(step);
    await this.helpdesk('addTicketNote', step, 'Note: manager rejected the refund', {
      ticketId: this.ticket.ticketId,
      body: `Refund rejected by ${approver}: ${comment}`,
    });
    await this.helpdesk('sendCustomerReply', step, 'Tell the customer the refund was declined', {
      request: { kind: 'refund_rejected', ticket: this.ticket, customerName: this.customer?.name ?? null, reason: comment },
    });
    this.audit.record('workflow_completed', step, { reason: 'refund_rejected', humanApprover: approver });
    await this.helpdesk('setTicketStatus', step, 'Close the ticket', { ticketId: this.ticket.ticketId, status: 'closed' });
    this.state.finish('completed', 'refund_rejected');
    return { outcome: 'refund_rejected', reason: comment, refundId: null, amountUsd: null };
  }

  /** Hand-off: an internal note and the human queue; optionally tell the customer a person will follow up. */
  private async handToHuman(
    step: string,
    reason: string,
    opts: { notifyCustomer: boolean; outcome?: RefundRunResult['outcome'] },
  ): Promise<RefundRunResult> {
    const outcome = opts.outcome ?? 'handed_to_human';
    this.state.enter('hand_to_human');
    this.audit.record('handed_to_human', step, { reason });
    await this.helpdesk('addTicketNote', `hand_to_human:${step}`, 'Note: handed to a person', {
      ticketId: this.ticket.ticketId,
      body: `Steward handed this ticket to a person at step ${step}: ${reason}. No refund was made.`,
    });
    if (opts.notifyCustomer) {
      await this.helpdesk('sendCustomerReply', `hand_to_human:${step}`, 'Tell the customer a person will follow up', {
        request: { kind: 'human_follow_up', ticket: this.ticket, customerName: this.customer?.name ?? null, reason },
      });
    }
    this.audit.record('workflow_completed', step, { reason: outcome });
    await this.helpdesk('setTicketStatus', `hand_to_human:${step}`, 'Move the ticket to the human queue', {
      ticketId: this.ticket.ticketId,
      status: 'needs_human',
    });
    this.state.finish('handed_off', outcome, { handoff_reason: reason });
    return { outcome, reason, refundId: null, amountUsd: null };
  }

  /**
   * A helpdesk write (note, reply, status) that must not fail the run: an outage pauses it for an
   * operator like any other step; if the operator gives up on it, the run goes on and the audit
   * trail says what was skipped.
   */
  private async helpdesk<K extends HelpdeskTool>(name: K, step: string, summary: string, args: ToolArgs<K>): Promise<boolean> {
    const attempt = await this.persist(step, 'helpdesk', () => this.tools.run(name, step, summary, args));
    if (!attempt.ok) this.audit.record('step_skipped', step, { reason: attempt.reason, details: { tool: name } });
    return attempt.ok;
  }

  /** The notification must not hold up the pause: a dead webhook is retried while the run waits. */
  private notifyOperatorInBackground(step: string, subject: string, message: string, kind = 'pause'): void {
    // Numbered, so a second pause at the same step is a new notice (and a new idempotency key).
    this.noticesSent += 1;
    this.tools
      .run('notifyOperator', `${step}:notify:${kind}:${this.noticesSent}`, `Notify operator: ${subject}`, { ticketId: this.ticket.ticketId, subject, message })
      .catch(() => {
        // Retries are exhausted only after the notify profile's 24 h; the audit trail already shows the pause.
      });
  }
}

type HelpdeskTool = 'addTicketNote' | 'sendCustomerReply' | 'setTicketStatus';
type Attempt<T> = { ok: true; value: T } | { ok: false; aborted: boolean; reason: string };

/** Before the policy (and its operator wait) is known, e.g. when classification itself fails. */
const DEFAULT_OPERATOR_HOURS = 72;

function failureType(err: ActivityFailure): string | null {
  return err.cause instanceof ApplicationFailure ? (err.cause.type ?? null) : null;
}

function failureMessage(err: ActivityFailure): string {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause?.message ?? err.message;
}
