import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The server secret approver keys are derived from. In production set STEWARD_APPROVAL_SECRET
 * (from your secret manager). For local use, one is generated on first start into
 * `<dataDir>/approval-secret` (mode 0600), so `npm start` and `client.ts` agree without setup.
 */
export function resolveApprovalSecret(env: { STEWARD_APPROVAL_SECRET?: string; STEWARD_DATA_DIR: string }): string {
  if (env.STEWARD_APPROVAL_SECRET) return env.STEWARD_APPROVAL_SECRET;
  const file = join(env.STEWARD_DATA_DIR, 'approval-secret');
  if (!existsSync(file)) {
    mkdirSync(env.STEWARD_DATA_DIR, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}
