import { setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { searchAttributes, stateQuery } from '../messages.js';

export type RunStatus = 'running' | 'waiting' | 'completed' | 'handed_off' | 'aborted';

/**
 * The article's workflow state: what has been done, what is pending, why it is blocked and what
 * may happen next. Served by the `state` query and mirrored into search attributes and the UI's
 * "current details", so engineers see the same thing everywhere.
 */
export interface WorkflowState {
  workflow: string;
  workflow_id: string;
  status: RunStatus;
  current_step: string;
  completed_steps: string[];
  pending_actions: string[];
  blocked_reason: string | null;
  next_allowed_actions: string[];
  /** Business facts gathered so far (intent, customer, evidence, policy result, plan, outcome). */
  facts: Record<string, unknown>;
}

/** Owns a workflow's state; every step goes through `enter`/`complete` so nothing is forgotten. */
export class StateTracker {
  readonly state: WorkflowState;

  constructor(workflow: string) {
    this.state = {
      workflow,
      workflow_id: workflowInfo().workflowId,
      status: 'running',
      current_step: 'received',
      completed_steps: [],
      pending_actions: [],
      blocked_reason: null,
      next_allowed_actions: [],
      facts: {},
    };
    setHandler(stateQuery, () => this.state);
  }

  enter(step: string): void {
    this.state.current_step = step;
    this.state.status = 'running';
    this.state.blocked_reason = null;
    this.state.pending_actions = [];
    this.state.next_allowed_actions = [];
    this.publish();
  }

  complete(step: string, facts: Record<string, unknown> = {}): void {
    if (!this.state.completed_steps.includes(step)) this.state.completed_steps.push(step);
    Object.assign(this.state.facts, facts);
  }

  /** The workflow is paused: say why and what a person may do about it. */
  block(step: string, blockedReason: string, pendingActions: string[], nextAllowedActions: string[]): void {
    Object.assign(this.state, {
      current_step: step,
      status: 'waiting' as const,
      blocked_reason: blockedReason,
      pending_actions: pendingActions,
      next_allowed_actions: nextAllowedActions,
    });
    this.publish();
  }

  finish(status: Exclude<RunStatus, 'running' | 'waiting'>, outcome: string, facts: Record<string, unknown> = {}): void {
    Object.assign(this.state.facts, facts, { outcome });
    Object.assign(this.state, {
      status,
      current_step: status === 'completed' ? 'completed' : status,
      blocked_reason: status === 'completed' ? null : this.state.blocked_reason,
      pending_actions: [],
      next_allowed_actions: [],
    });
    this.publish([{ key: searchAttributes.outcome, value: outcome }]);
  }

  /** Search attributes beyond the current step (customer, amount, ...). */
  tag(pairs: SearchAttributeUpdatePair[]): void {
    upsertSearchAttributes(pairs);
  }

  private publish(extra: SearchAttributeUpdatePair[] = []): void {
    const s = this.state;
    setCurrentDetails(
      [`**Step:** ${s.current_step} (${s.status})`, s.blocked_reason ? `**Blocked:** ${s.blocked_reason}` : '', s.next_allowed_actions.length ? `**Next:** ${s.next_allowed_actions.join(', ')}` : '']
        .filter(Boolean)
        .join('\n\n'),
    );
    upsertSearchAttributes([{ key: searchAttributes.currentStep, value: s.current_step }, ...extra]);
  }
}
