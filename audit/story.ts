import type { AuditRecord } from './types.js';

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/**
 * The audit trail as an engineer reads it during an incident: per workflow, one line per event in
 * the order things happened (event time, then chain position), then the final outcome. Plain
 * text, no colours, so it pastes into a ticket or a terminal alike. Records from several workflows
 * (a time-range export) become one section each, in order of their first event.
 *
 * Only the details that explain a decision are shown (rules fired, decision, risk, model and
 * prompt hash, outcome, error); the full record is in {@link toExportJson}.
 */
export function formatAuditStory(records: readonly AuditRecord[]): string {
  if (records.length === 0) return 'No audit records.';
  const byWorkflow = new Map<string, AuditRecord[]>();
  for (const record of [...records].sort(chronological)) {
    const list = byWorkflow.get(record.workflowId) ?? [];
    list.push(record);
    byWorkflow.set(record.workflowId, list);
  }
  return [...byWorkflow.values()].map(workflowSection).join('\n\n');
}

/** Compliance export: every field, camelCase, `details` as an object, in a fixed key order. */
export function toExportJson(records: readonly AuditRecord[]): AuditRecord[] {
  return records.map((r) => ({
    seq: r.seq,
    workflowId: r.workflowId,
    workflowType: r.workflowType,
    chainIndex: r.chainIndex,
    eventId: r.eventId,
    event: r.event,
    step: r.step,
    timestamp: r.timestamp,
    actor: r.actor,
    humanApprover: r.humanApprover,
    customerId: r.customerId,
    amountUsd: r.amountUsd,
    policyVersion: r.policyVersion,
    reason: r.reason,
    toolCalled: r.toolCalled,
    externalReference: r.externalReference,
    idempotencyKey: r.idempotencyKey,
    details: structuredClone(r.details),
    recordedAt: r.recordedAt,
    prevHash: r.prevHash,
    hash: r.hash,
  }));
}

function chronological(a: AuditRecord, b: AuditRecord): number {
  return a.timestamp.localeCompare(b.timestamp) || a.chainIndex - b.chainIndex || a.seq - b.seq;
}

function workflowSection(records: AuditRecord[]): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const customers = [...new Set(records.map((r) => r.customerId).filter((c): c is string => c !== null))];
  const policies = [...new Set(records.map((r) => r.policyVersion).filter((p): p is string => p !== null))];
  const header = [
    `Workflow ${first.workflowId} (${first.workflowType})`,
    customers.length > 0 ? `customer ${customers.join(', ')}` : 'customer unknown',
    policies.length > 0 ? `policy ${policies.join(', ')}` : null,
    `${records.length} event${records.length === 1 ? '' : 's'} from ${first.timestamp} to ${last.timestamp}`,
  ]
    .filter(Boolean)
    .join(', ');
  // The workflow writes `workflow_completed` with its outcome; the last record may be the tool
  // call that followed it (closing the ticket), so prefer the explicit outcome when there is one.
  const completed = [...records].reverse().find((r) => r.event === 'workflow_completed');
  return [header, ...records.map(eventLine), outcomeLine(completed ?? last)].join('\n');
}

function eventLine(r: AuditRecord): string {
  const parts = [`${r.timestamp}  #${r.chainIndex} ${r.step}: ${r.event}`, `by ${r.actor}`];
  if (r.humanApprover) parts.push(`approver ${r.humanApprover}`);
  if (r.amountUsd !== null) parts.push(usd.format(r.amountUsd));
  if (r.toolCalled) parts.push(`tool ${r.toolCalled}${r.externalReference ? ` -> ${r.externalReference}` : ''}`);
  else if (r.externalReference) parts.push(`ref ${r.externalReference}`);
  if (r.reason) parts.push(`reason: ${r.reason}`);
  parts.push(...keyDetails(r.details));
  return oneLine(parts.join(' | '));
}

function outcomeLine(last: AuditRecord): string {
  const outcome = text(pick(last.details, 'outcome', 'status', 'decision'));
  const parts = [`Outcome: ${last.event}`, outcome ? `(${outcome})` : null, last.amountUsd !== null ? usd.format(last.amountUsd) : null, last.reason ? `- ${last.reason}` : null];
  return oneLine(`${parts.filter(Boolean).join(' ')} at ${last.timestamp}`);
}

function keyDetails(details: Record<string, unknown>): string[] {
  const out: string[] = [];
  const decision = pick(details, 'decision');
  if (decision !== undefined) out.push(`decision: ${text(decision)}`);
  const rules = pick(details, 'rulesFired', 'rules_fired', 'firedRules');
  if (Array.isArray(rules)) out.push(`rules: ${rules.length > 0 ? rules.map(ruleName).join(', ') : 'none'}`);
  const risk = pick(details, 'riskScore', 'risk_score', 'risk');
  if (risk !== undefined) out.push(`risk: ${typeof risk === 'object' && risk !== null && 'score' in risk ? text((risk as { score: unknown }).score) : text(risk)}`);
  const model = pick(details, 'model');
  const promptHash = pick(details, 'promptHash', 'prompt_hash');
  if (model !== undefined && model !== null) out.push(`model ${text(model)}${promptHash ? ` (prompt ${text(promptHash)})` : ''}`);
  else if (promptHash) out.push(`prompt ${text(promptHash)}`);
  const error = pick(details, 'error');
  if (error !== undefined && error !== null) out.push(`error: ${text(error)}`);
  return out;
}

function pick(details: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) if (details[key] !== undefined) return details[key];
  return undefined;
}

function ruleName(rule: unknown): string {
  if (rule && typeof rule === 'object') {
    const r = rule as { rule?: unknown; name?: unknown; id?: unknown };
    return text(r.rule ?? r.name ?? r.id ?? rule);
  }
  return text(rule);
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A reason or detail with a line break must not break the one-line-per-event layout. */
function oneLine(line: string): string {
  return line.replace(/\s*[\r\n]+\s*/g, ' ');
}
