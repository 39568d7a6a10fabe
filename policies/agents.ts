import { join } from 'node:path';
import { z } from 'zod';
import { loadPolicyFile, POLICIES_DIR } from './load.js';

const GrantSchema = z
  .object({
    tool: z.string().min(1),
    max_amount_usd: z.number().nonnegative().optional(),
    max_amount_usd_with_approval: z.number().nonnegative().optional(),
    currencies: z.array(z.string().length(3)).optional(),
    bound_customer_only: z.boolean().optional(),
  })
  .strict();

export const AgentScopesSchema = z
  .object({
    version: z.string().min(1),
    agents: z.record(
      z.string(),
      z
        .object({
          description: z.string(),
          workflows: z.array(z.string().min(1)).min(1),
          can: z.array(GrantSchema),
          cannot: z.array(z.string()).default([]),
        })
        .strict(),
    ),
  })
  .strict();

export type AgentScopes = z.infer<typeof AgentScopesSchema>;
export type ToolGrant = z.infer<typeof GrantSchema>;

export function loadAgentScopes(file = join(POLICIES_DIR, 'agents.yaml')): AgentScopes {
  return loadPolicyFile(AgentScopesSchema, file);
}
