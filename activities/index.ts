import type { Logger } from 'pino';
import type { AuditStore } from '../audit/types.js';
import type { AgentScopes } from '../policies/agents.js';
import type { RefundPolicy } from '../policies/schema.js';
import type { StepMeta } from '../workflows/model.js';
import { approvalActivities, type ApprovalSettings } from './approval.js';
import { classifyActivities } from './classify.js';
import { contextActivities } from './context.js';
import { helpdeskActivities } from './helpdesk.js';
import type { ToolKit } from './kit/tool.js';
import { notifyActivities, type OperatorNotifier } from './notify.js';
import type { BillingPort, CrmPort, LlmPort } from './ports.js';
import { refundActivities } from './refund.js';

/** Everything an activity may touch, injected: the worker passes real clients, tests their own. */
export interface ActivityDeps {
  billing: BillingPort;
  crm: CrmPort;
  llm: LlmPort;
  audit: AuditStore;
  scopes: AgentScopes;
  notifier: OperatorNotifier;
  /** The approval secret and the approvers file: what proves an approver's identity. */
  approvals: ApprovalSettings;
  /** The refund policy in force now (read at start-up; a new file takes effect on restart). */
  refundPolicy: () => RefundPolicy;
  logger: Logger;
}

/** The activity factory: every activity Steward registers, built from injected clients. */
export function createActivities(deps: ActivityDeps) {
  const kit: ToolKit = { audit: deps.audit, scopes: deps.scopes, logger: deps.logger };
  return {
    ...classifyActivities(kit, deps.llm, deps.refundPolicy),
    ...contextActivities(kit, deps.billing, deps.crm),
    ...refundActivities(kit, deps.billing, deps.approvals),
    ...approvalActivities(kit, deps.approvals, deps.crm),
    ...helpdeskActivities(kit, deps.crm, deps.llm),
    ...notifyActivities(kit, deps.notifier),
    /** Stores the workflow's queued decisions when no other activity is about to run. */
    async recordAudit(meta: StepMeta, _args: Record<string, never>): Promise<void> {
      if (meta.audit.length > 0) await deps.audit.append(meta.audit);
    },
  };
}

export type StewardActivities = ReturnType<typeof createActivities>;
