/**
 * Decoding of the bracketed form encoding Stripe speaks (`metadata[workflow]=x`, `expand[0]=data.payments`,
 * `expand[]=y`) and of HubSpot's repeated query keys (`properties=a&properties=b`).
 *
 * Node's `querystring` flattens brackets into literal key names, so a simulator built on it would accept
 * requests the real APIs reject (and the other way round). This decoder produces the nested objects and
 * arrays the real servers see.
 */

export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

/** Keys that would reach `Object.prototype` if assigned; dropped, as a real server would ignore them. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Decodes `a=1&b[c]=2&d[0]=x&d[1]=y&e=1&e=2` into `{a:'1', b:{c:'2'}, d:['x','y'], e:['1','2']}`. */
export function decodeForm(input: string): FormObject {
  const out: FormObject = {};
  if (!input) return out;
  for (const pair of input.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    const value = safeDecode(eq === -1 ? '' : pair.slice(eq + 1));
    const path = parseKeyPath(key);
    if (path.length === 0 || path.some((segment) => FORBIDDEN_KEYS.has(segment))) continue;
    assign(out, path, value);
  }
  return out;
}

/** `a[b][0]` → `['a', 'b', '0']`; `a[]` → `['a', '']`. A key without brackets is a one-element path. */
function parseKeyPath(key: string): string[] {
  const open = key.indexOf('[');
  if (open <= 0) return key === '' ? [] : [key];
  const path = [key.slice(0, open)];
  const pattern = /\[([^\]]*)\]/g;
  pattern.lastIndex = open;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(key)) !== null) path.push(match[1] ?? '');
  return path;
}

function assign(target: FormObject | FormValue[], path: string[], value: string): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    setLeaf(target, head, value);
    return;
  }
  const nextIsIndex = rest[0] === '' || /^\d+$/.test(rest[0] ?? '');
  let child = getChild(target, head);
  if (child === undefined || typeof child === 'string') {
    child = nextIsIndex ? [] : {};
    setChild(target, head, child);
  }
  assign(child, rest, value);
}

function setLeaf(target: FormObject | FormValue[], key: string, value: string): void {
  if (Array.isArray(target)) {
    if (key === '') target.push(value);
    else target[Number(key)] = value;
    return;
  }
  const existing = target[key];
  // Repeated plain keys (HubSpot's `properties=a&properties=b`) collect into an array.
  if (typeof existing === 'string') target[key] = [existing, value];
  else if (Array.isArray(existing)) existing.push(value);
  else target[key] = value;
}

function getChild(target: FormObject | FormValue[], key: string): FormValue | undefined {
  if (Array.isArray(target)) return key === '' ? undefined : target[Number(key)];
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

function setChild(target: FormObject | FormValue[], key: string, child: FormValue): void {
  if (Array.isArray(target)) {
    if (key === '') target.push(child);
    else target[Number(key)] = child;
  } else {
    target[key] = child;
  }
}

function safeDecode(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Stable JSON (sorted keys), used to compare the parameters of two requests sent under one idempotency key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
