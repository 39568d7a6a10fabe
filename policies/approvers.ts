import { join } from 'node:path';
import { z } from 'zod';
import { loadPolicyFile, POLICIES_DIR } from './load.js';

export const ApproversSchema = z
  .object({
    version: z.string().min(1),
    roles: z.record(z.string(), z.object({ max_amount_usd: z.number().positive() }).strict()),
    approvers: z.array(
      z
        .object({
          id: z.string().regex(/^[a-z0-9._-]+$/, 'approver ids are lower-case letters, digits and . _ -'),
          name: z.string().min(1),
          email: z.string().email(),
          role: z.string().min(1),
          hubspot_owner_id: z.string().min(1).optional(),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.approvers.forEach((a, i) => {
      if (!file.roles[a.role]) ctx.addIssue({ code: 'custom', path: ['approvers', i, 'role'], message: `unknown role ${a.role}` });
      if (seen.has(a.id)) ctx.addIssue({ code: 'custom', path: ['approvers', i, 'id'], message: `duplicate approver id ${a.id}` });
      seen.add(a.id);
    });
  });

export type Approvers = z.infer<typeof ApproversSchema>;
export type Approver = Approvers['approvers'][number];

export function loadApprovers(file = join(POLICIES_DIR, 'approvers.yaml')): Approvers {
  return loadPolicyFile(ApproversSchema, file);
}

/** The approver with that id and their limit, or null if there is no such approver. */
export function findApprover(approvers: Approvers, id: string): (Approver & { maxAmountUsd: number }) | null {
  const approver = approvers.approvers.find((a) => a.id === id);
  const role = approver ? approvers.roles[approver.role] : undefined;
  return approver && role ? { ...approver, maxAmountUsd: role.max_amount_usd } : null;
}
