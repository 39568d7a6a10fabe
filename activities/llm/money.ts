/**
 * How amounts are written in customer replies, and how to find amounts a piece of prose mentions.
 *
 * One formatter for every drafter (offline templates, the Anthropic prompt, the stand-in model), so
 * "the draft quotes the exact amount" is a plain substring check against one string.
 */

/** ISO 4217 currencies Stripe treats as zero-decimal: their `amount` is already in major units. */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥', cad: '$', aud: '$' };

/**
 * `4900, 'usd'` → `$49.00 USD`. Symbol and code both, so the amount is unambiguous to a customer
 * paying in CAD or AUD and easy to grep for in a draft.
 */
export function formatAmount(amountMinor: number, currency: string): string {
  const code = currency.toLowerCase();
  const zeroDecimal = ZERO_DECIMAL.has(code);
  const major = zeroDecimal ? amountMinor : amountMinor / 100;
  const digits = major.toLocaleString('en-US', { minimumFractionDigits: zeroDecimal ? 0 : 2, maximumFractionDigits: zeroDecimal ? 0 : 2 });
  return `${SYMBOLS[code] ?? ''}${digits} ${code.toUpperCase()}`;
}

/** Minor units for an amount written in prose (`5,000` → 500000), assuming two decimals. */
function toMinorUnits(written: string): number {
  const [whole = '0', fraction = ''] = written.replace(/,/g, '').split('.');
  return Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
}

const NUMBER = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?`;
/** `$49`, `$ 49.00`, `€5,000`, `USD 49`, `49.00 USD`, `49 dollars`, `49 bucks`. */
const MONEY_PATTERNS: RegExp[] = [
  new RegExp(String.raw`[$€£¥]\s?(${NUMBER})`, 'g'),
  new RegExp(String.raw`\b(?:usd|eur|gbp|cad|aud|jpy)\s?(${NUMBER})`, 'gi'),
  new RegExp(String.raw`(${NUMBER})\s?(?:usd|eur|gbp|cad|aud|jpy|dollars?|bucks|euros?|pounds?)\b`, 'gi'),
];

/**
 * Every amount of money the text mentions, in minor units (two decimals assumed), deduplicated.
 * Used to refuse a draft that quotes an amount no system of record gave us.
 */
export function findMoneyMentions(text: string): number[] {
  const found = new Set<number>();
  for (const pattern of MONEY_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      if (match[1]) found.add(toMinorUnits(match[1]));
    }
  }
  return [...found];
}

/**
 * Replaces every amount of money in model prose with `[amount]`. Applied to the model's ticket
 * summary: the summary is recorded in the audit trail, and a ticket's "refund me $5,000" must not
 * come out of the classifier looking like a figure Steward derived.
 */
export function redactMoney(text: string): string {
  return MONEY_PATTERNS.reduce((out, pattern) => out.replace(pattern, '[amount]'), text);
}
