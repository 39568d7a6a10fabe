import type { Logger } from 'pino';
import { createStripeBilling, createStripeClient } from '../activities/billing.js';
import { createHubSpotClient, createHubSpotCrm } from '../activities/crm.js';
import { createLlm } from '../activities/llm/index.js';
import { DEFAULT_ANTHROPIC_MODEL } from '../activities/llm/anthropic.js';
import { webhookNotifier } from '../activities/notify.js';
import type { BillingPort, CrmPort, LlmPort } from '../activities/ports.js';
import type { OperatorNotifier } from '../activities/notify.js';
import type { StewardEnv } from './config.js';

export interface ExternalClients {
  billing: BillingPort;
  crm: CrmPort;
  llm: LlmPort;
  notifier: OperatorNotifier;
}

/**
 * Real SDK clients for every external system. With no credentials for a vendor, the same SDK is
 * pointed at the local simulator (`simulatorUrl`), so the code path is identical either way.
 */
export function buildExternalClients(env: StewardEnv, simulatorUrl: string | null, logger: Logger): ExternalClients {
  const needSimulator = (what: string) => {
    if (!simulatorUrl) throw new Error(`${what} has no credentials and no simulator is running`);
    return simulatorUrl;
  };
  const stripe = env.STRIPE_API_KEY
    ? createStripeClient({ apiKey: env.STRIPE_API_KEY, baseUrl: env.STRIPE_API_BASE })
    : createStripeClient({ apiKey: 'sk_test_simulator', baseUrl: needSimulator('Stripe') });
  const hubspot = env.HUBSPOT_ACCESS_TOKEN
    ? createHubSpotClient({ accessToken: env.HUBSPOT_ACCESS_TOKEN, baseUrl: env.HUBSPOT_API_BASE })
    : createHubSpotClient({ accessToken: 'simulator', baseUrl: needSimulator('HubSpot') });
  const llm = createLlm({ apiKey: env.ANTHROPIC_API_KEY, baseUrl: env.ANTHROPIC_BASE_URL, model: env.ANTHROPIC_MODEL ?? DEFAULT_ANTHROPIC_MODEL });
  const operatorUrl = env.OPERATOR_WEBHOOK_URL ?? (simulatorUrl ? `${simulatorUrl}/_sim/operator-inbox` : undefined);
  if (!operatorUrl) logger.warn('OPERATOR_WEBHOOK_URL is not set: operator notices are only written to the audit trail');
  return { billing: createStripeBilling(stripe), crm: createHubSpotCrm(hubspot), llm, notifier: webhookNotifier(operatorUrl) };
}
