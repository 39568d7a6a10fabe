import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Approver credentials.
 *
 * Each approver holds a personal key, derived on the server from STEWARD_APPROVAL_SECRET and their
 * id, and handed to them once by an admin (`client.ts approvers issue-key <id>`). An approval is
 * a token the approver's client signs with that key. It binds the decision to one workflow, one
 * proposed action (its digest), an expiry and a unique id. The worker re-derives the key and checks
 * the signature, so a name typed into a raw signal approves nothing, a token for one action does
 * not approve another, and the workflow refuses a token id it has already seen.
 */
export interface ApprovalClaims {
  approver: string;
  workflowId: string;
  actionDigest: string;
  decision: 'approve' | 'reject' | 'request_info';
  /** Unix seconds. */
  exp: number;
  /** Unique token id: a token is usable once. */
  jti: string;
}

const PREFIX = 'stw1';
const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The approver's personal signing key (hex). Only someone holding the server secret can derive it. */
export function approverKey(serverSecret: string, approverId: string): string {
  return createHmac('sha256', serverSecret).update(`steward-approver-key:v1:${approverId}`).digest('hex');
}

export function signApproval(key: string, claims: Omit<ApprovalClaims, 'jti' | 'exp'> & { ttlSeconds?: number; jti?: string; exp?: number }): string {
  const full: ApprovalClaims = {
    approver: claims.approver,
    workflowId: claims.workflowId,
    actionDigest: claims.actionDigest,
    decision: claims.decision,
    exp: claims.exp ?? Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 15 * 60),
    jti: claims.jti ?? randomBytes(16).toString('hex'),
  };
  const payload = b64(JSON.stringify(full));
  const signature = createHmac('sha256', Buffer.from(key, 'hex')).update(`${PREFIX}.${payload}`).digest();
  return `${PREFIX}.${payload}.${b64(signature)}`;
}

export type TokenCheck = { ok: true; claims: ApprovalClaims } | { ok: false; reason: string };

/**
 * Verifies a token against what it must authorise. `nowSeconds: null` skips the expiry check (the
 * refund step re-checks an approval that was valid when the workflow accepted it).
 */
export function verifyApproval(
  serverSecret: string,
  token: unknown,
  expected: { workflowId: string; actionDigest: string; decision: ApprovalClaims['decision']; nowSeconds: number | null },
): TokenCheck {
  if (typeof token !== 'string' || token.length === 0) return { ok: false, reason: 'the approval carries no credential (a claimed name is not an identity)' };
  const [prefix, payload, signature, ...rest] = token.split('.');
  if (prefix !== PREFIX || !payload || !signature || rest.length > 0) return { ok: false, reason: 'the approval credential is malformed' };
  let claims: ApprovalClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ApprovalClaims;
  } catch {
    return { ok: false, reason: 'the approval credential is malformed' };
  }
  if (typeof claims?.approver !== 'string') return { ok: false, reason: 'the approval credential names no approver' };
  const key = approverKey(serverSecret, claims.approver);
  const expectedSig = createHmac('sha256', Buffer.from(key, 'hex')).update(`${PREFIX}.${payload}`).digest();
  const givenSig = Buffer.from(signature, 'base64url');
  if (givenSig.length !== expectedSig.length || !timingSafeEqual(givenSig, expectedSig)) {
    return { ok: false, reason: `the approval credential's signature is not valid for ${claims.approver} (forged, or signed with another key)` };
  }
  if (claims.workflowId !== expected.workflowId) return { ok: false, reason: `the credential was issued for workflow ${claims.workflowId}, not this one` };
  if (claims.actionDigest !== expected.actionDigest) return { ok: false, reason: 'the credential approves a different action than the one proposed' };
  if (claims.decision !== expected.decision) return { ok: false, reason: `the credential is for "${claims.decision}", not "${expected.decision}"` };
  if (expected.nowSeconds !== null && !(claims.exp > expected.nowSeconds)) return { ok: false, reason: `the credential expired at ${new Date(claims.exp * 1000).toISOString()}` };
  if (typeof claims.jti !== 'string' || claims.jti.length < 16) return { ok: false, reason: 'the credential has no token id' };
  return { ok: true, claims };
}
