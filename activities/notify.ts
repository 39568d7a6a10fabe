import { defineTool, type ToolKit } from './kit/tool.js';

export interface OperatorNotice {
  ticketId: string;
  subject: string;
  message: string;
}

/** Where operator notices go: an HTTP webhook (Slack, PagerDuty, the approval inbox, ...). */
export interface OperatorNotifier {
  notify(notice: OperatorNotice & { workflowId: string; idempotencyKey: string }): Promise<{ delivered: boolean; reference: string | null }>;
}

/**
 * POSTs JSON to the operator webhook with an `Idempotency-Key` header, so a receiver can drop the
 * repeats that retries cause. A non-2xx answer throws, and the activity's policy retries it while
 * the workflow stays paused.
 */
export function webhookNotifier(url: string | undefined, fetchImpl: typeof fetch = fetch): OperatorNotifier {
  return {
    async notify(notice) {
      if (!url) return { delivered: false, reference: null };
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': notice.idempotencyKey },
        body: JSON.stringify({ source: 'steward', ...notice }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        const error = new Error(`operator webhook answered ${response.status}`) as Error & { status: number };
        error.status = response.status >= 500 || response.status === 429 ? response.status : 503;
        throw error;
      }
      return { delivered: true, reference: response.headers.get('x-request-id') };
    },
  };
}

export function notifyActivities(kit: ToolKit, notifier: OperatorNotifier) {
  return {
    notifyOperator: defineTool(kit, {
      tool: 'operator.notify',
      keyTarget: (args: OperatorNotice) => `notify:${args.ticketId}`,
      run: (args, call) => notifier.notify({ ...args, workflowId: call.workflowId, idempotencyKey: call.idempotencyKey }),
      receipt: (result, args) => ({
        event: result.delivered ? 'operator_notified' : 'operator_notice_logged',
        reason: args.subject,
        externalReference: result.reference,
        details: { message: args.message, delivered: result.delivered },
      }),
    }),
  };
}
