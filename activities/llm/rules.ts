/**
 * The offline classifier's rules: the whole of what Steward's no-LLM mode "understands".
 *
 * ┌─ How a ticket is classified ──────────────────────────────────────────────────────────────────┐
 * │ 1. Subject and body are normalised (Unicode NFKC, lower case, whitespace collapsed). The      │
 * │    sha256 of "subject\nbody", normalised, is the classification's `promptHash`.               │
 * │ 2. Rules are tried top to bottom; the FIRST rule with a matching pattern decides the intent.  │
 * │    Order is precedence: "charged twice, please refund" is a duplicate charge, not a plain     │
 * │    refund request, because the duplicate rule comes first.                                    │
 * │ 3. The BODY decides. Confidence is the rule's base confidence, +0.05 when two or more of its  │
 * │    patterns match or the subject agrees (capped at 0.95). A subject line whose body says      │
 * │    something else ("Charged twice" / "the dashboard crashes") is the body's intent.           │
 * │ 4. Only the subject matched → that intent at 0.5 at most: one line is not enough to act on.   │
 * │    Nothing matched → `other` at 0.3; (almost) no text → `other` at 0.1. All three are below   │
 * │    the refund policy's `intent_confidence_threshold` (0.7), so such tickets go to a person    │
 * │    instead of a workflow acting on a guess.                                                   │
 * │ 5. Identifiers (cus_…, ch_…/py_…, in_…, e-mail addresses) are pulled out by regex. They are   │
 * │    HINTS for a human and the audit trail: Steward never picks an account or charge from them. │
 * └───────────────────────────────────────────────────────────────────────────────────────────────┘
 *
 * Nothing here reads an amount, an approval or a name: whatever the ticket claims ("refund me
 * $5,000", "approved by your manager", "ignore previous instructions") can at most move it between
 * intents. To change the rules, edit {@link INTENT_RULES} and bump {@link OFFLINE_MODEL_ID}, so audit
 * records say which rule set classified a ticket.
 */

import type { Intent } from '../../workflows/model.js';

/** Recorded as the classification's `model`. Bump it whenever a rule changes. */
export const OFFLINE_MODEL_ID = 'offline-rules-v1';

export interface IntentRule {
  /** Stable name, quoted in the classification summary so an auditor sees why. */
  id: string;
  intent: Intent;
  /** Confidence when one pattern matches. */
  confidence: number;
  /** Tested against the normalised (lower-case) text. */
  patterns: RegExp[];
}

/** The rule table. First match wins; see the comment at the top of this file. */
export const INTENT_RULES: readonly IntentRule[] = [
  {
    id: 'duplicate-charge',
    intent: 'billing_duplicate_charge',
    confidence: 0.9,
    patterns: [
      /\bcharged (?:me )?(?:twice|two times|2x|double)\b/,
      /\b(?:billed|paid|debited) (?:me )?twice\b/,
      /\bdouble[- ]?(?:charged?|billed|billing|payment|debit)\b/,
      /\bduplicate[ds]? (?:charges?|payments?|transactions?|billing|debits?)\b/,
      /\btwo (?:identical |separate |of the same )?(?:charges|payments|transactions)\b/,
      /\bsame (?:charge|payment) (?:twice|two times)\b/,
    ],
  },
  {
    id: 'refund',
    intent: 'refund_request',
    confidence: 0.8,
    patterns: [/\brefund/, /\bmoney back\b/, /\breimburse/, /\bcancel (?:and|&) refund\b/],
  },
  {
    id: 'account-access',
    intent: 'account_access',
    confidence: 0.8,
    patterns: [/\blog ?in\b/, /\blogin\b/, /\bsign(?:ed)? ?in\b/, /\bpassword\b/, /\blocked out\b/, /\b2fa\b/, /\btwo[- ]factor\b/, /\baccount (?:is )?locked\b/],
  },
  {
    id: 'technical',
    intent: 'technical_issue',
    confidence: 0.75,
    patterns: [/\berrors?\b/, /\bbugs?\b/, /\bcrash/, /\bbroken\b/, /\bnot (?:working|loading)\b/, /\bdoesn'?t work\b/, /\bexception\b/],
  },
  {
    id: 'billing-question',
    intent: 'billing_question',
    confidence: 0.75,
    patterns: [/\binvoices?\b/, /\bbilling\b/, /\bbilled\b/, /\breceipts?\b/, /\bcharges?\b/, /\bcharged\b/, /\bsubscription\b/, /\bpric(?:e|es|ing)\b/, /\bvat\b/, /\bpayment method\b/],
  },
];

export const NO_MATCH_CONFIDENCE = 0.3;
export const NO_TEXT_CONFIDENCE = 0.1;
export const SUBJECT_ONLY_MAX_CONFIDENCE = 0.5;
const AGREEMENT_BONUS = 0.05;
const MAX_CONFIDENCE = 0.95;

export interface RuleVerdict {
  intent: Intent;
  confidence: number;
  /** The rule that decided, or null when none matched. */
  ruleId: string | null;
  /** Where the deciding match was found. */
  source: 'body' | 'subject' | null;
  /** The phrases that matched (our patterns' own matches: no amounts, no names). */
  matched: string[];
}

/** Lower case, NFKC, whitespace collapsed: what the rules read. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Subject and body as one string, for the offline `promptHash`. */
export function normaliseTicketText(subject: string, body: string): string {
  return normaliseText(`${subject}\n${body}`);
}

function firstMatchingRule(normalised: string): { rule: IntentRule; matched: string[] } | null {
  for (const rule of INTENT_RULES) {
    const matched = rule.patterns.map((p) => normalised.match(p)?.[0]).filter((m): m is string => m !== undefined);
    if (matched.length > 0) return { rule, matched };
  }
  return null;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function applyIntentRules(subject: string, body: string): RuleVerdict {
  const [s, b] = [normaliseText(subject), normaliseText(body)];
  if (`${s}${b}`.replace(/[^a-z]/g, '').length < 3) return { intent: 'other', confidence: NO_TEXT_CONFIDENCE, ruleId: null, source: null, matched: [] };
  const inBody = firstMatchingRule(b);
  const inSubject = firstMatchingRule(s);
  if (inBody) {
    const agreed = inBody.matched.length > 1 || inSubject?.rule.intent === inBody.rule.intent;
    const confidence = Math.min(MAX_CONFIDENCE, inBody.rule.confidence + (agreed ? AGREEMENT_BONUS : 0));
    return { intent: inBody.rule.intent, confidence: round2(confidence), ruleId: inBody.rule.id, source: 'body', matched: inBody.matched };
  }
  if (inSubject) {
    const confidence = Math.min(SUBJECT_ONLY_MAX_CONFIDENCE, inSubject.rule.confidence);
    return { intent: inSubject.rule.intent, confidence: round2(confidence), ruleId: inSubject.rule.id, source: 'subject', matched: inSubject.matched };
  }
  return { intent: 'other', confidence: NO_MATCH_CONFIDENCE, ruleId: null, source: null, matched: [] };
}

/** Identifier shapes Steward recognises. Stripe ids are case-sensitive; e-mails are compared lower-case. */
export const IDENTIFIER_PATTERNS = {
  customerIds: /\bcus_[A-Za-z0-9]{4,}\b/g,
  chargeIds: /\b(?:ch|py)_[A-Za-z0-9]{4,}\b/g,
  invoiceIds: /\bin_[A-Za-z0-9]{4,}\b/g,
  emails: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
} as const;

/** At most this many of each kind: a ticket listing fifty ids is not giving us fifty useful hints. */
export const MAX_IDENTIFIERS_PER_KIND = 10;

export type Identifiers = { customerIds: string[]; chargeIds: string[]; invoiceIds: string[]; emails: string[] };

export function extractIdentifiers(text: string): Identifiers {
  const source = text.normalize('NFKC');
  const grab = (pattern: RegExp, lower = false) => {
    const all = [...source.matchAll(pattern)].map((m) => (lower ? m[0].toLowerCase() : m[0]));
    return [...new Set(all)].slice(0, MAX_IDENTIFIERS_PER_KIND);
  };
  return {
    customerIds: grab(IDENTIFIER_PATTERNS.customerIds),
    chargeIds: grab(IDENTIFIER_PATTERNS.chargeIds),
    invoiceIds: grab(IDENTIFIER_PATTERNS.invoiceIds),
    emails: grab(IDENTIFIER_PATTERNS.emails, true),
  };
}

/**
 * Keeps only the identifiers that have the right shape AND occur in the ticket text. Applied to
 * what a model returns, so it cannot invent an id (or copy one from its instructions) and have it
 * recorded as something the customer said.
 */
export function keepIdentifiersFoundIn(text: string, claimed: Identifiers): Identifiers {
  const seen = extractIdentifiers(text);
  const keep = (kind: keyof Identifiers, lower = false) => {
    const present = new Set(seen[kind]);
    const values = claimed[kind].map((v) => (lower ? v.trim().toLowerCase() : v.trim())).filter((v) => present.has(v));
    return [...new Set(values)].slice(0, MAX_IDENTIFIERS_PER_KIND);
  };
  return { customerIds: keep('customerIds'), chargeIds: keep('chargeIds'), invoiceIds: keep('invoiceIds'), emails: keep('emails', true) };
}
