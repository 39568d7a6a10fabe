import type { AgentScopes, ToolGrant } from '../../policies/agents.js';

export interface GateRequest {
  workflowType: string;
  tool: string;
  /** Money the call moves, if any. */
  amountUsd: number | null;
  currency: string | null;
  /** The customer the workflow is bound to (identified from systems of record). */
  boundCustomerId: string | null;
  /** The customer the call would touch, as the system of record says (not as the workflow says). */
  targetCustomerId: string | null;
  /** True only when a manager's approval of this exact action accompanies the call. */
  approved: boolean;
}

export type GateVerdict = { allowed: true; agent: string; grant: ToolGrant } | { allowed: false; agent: string | null; reason: string };

/**
 * The permission gate. Deny by default: the workflow's agent must hold a grant for the tool, and
 * the call must fit the grant's limits (amount, currency, customer binding). Pure, so the
 * property tests can throw thousands of requests at it.
 */
export function checkPermission(scopes: AgentScopes, req: GateRequest): GateVerdict {
  const entry = Object.entries(scopes.agents).find(([, a]) => a.workflows.includes(req.workflowType));
  if (!entry) return { allowed: false, agent: null, reason: `no agent is scoped for workflow ${req.workflowType}` };
  const [agent, scope] = entry;
  const grant = scope.can.find((g) => g.tool === req.tool);
  if (!grant) return { allowed: false, agent, reason: `${agent} may not call ${req.tool}` };

  if (grant.currencies && (req.currency === null || !grant.currencies.includes(req.currency.toLowerCase()))) {
    return { allowed: false, agent, reason: `${agent} may call ${req.tool} only in ${grant.currencies.join(', ')}, not ${req.currency ?? 'an unknown currency'}` };
  }
  if (grant.max_amount_usd !== undefined) {
    if (req.amountUsd === null || !Number.isFinite(req.amountUsd) || req.amountUsd <= 0) {
      return { allowed: false, agent, reason: `${req.tool} needs a positive amount` };
    }
    const ceiling = req.approved ? (grant.max_amount_usd_with_approval ?? grant.max_amount_usd) : grant.max_amount_usd;
    if (req.amountUsd > ceiling) {
      return {
        allowed: false,
        agent,
        reason: req.approved
          ? `$${req.amountUsd} exceeds ${agent}'s limit of $${ceiling} even with approval`
          : `$${req.amountUsd} exceeds ${agent}'s own limit of $${ceiling}; a manager's approval is required`,
      };
    }
  }
  if (grant.bound_customer_only) {
    if (!req.boundCustomerId) return { allowed: false, agent, reason: `${req.tool} needs the workflow to be bound to a customer first` };
    if (req.targetCustomerId !== req.boundCustomerId) {
      return { allowed: false, agent, reason: `${req.tool} targets customer ${req.targetCustomerId ?? 'unknown'}, but this workflow is bound to ${req.boundCustomerId}` };
    }
  }
  return { allowed: true, agent, grant };
}
