/* Pure (no Node APIs): the workflow bundle uses it for action digests. */
/**
 * JSON with object keys sorted at every depth and no whitespace, so the same value always gives
 * the same bytes whatever order its keys were built in. That is what makes a hash recomputable by
 * anyone (another language, a compliance tool) from the stored columns alone. `undefined` object
 * members are left out (as `JSON.stringify` does); non-finite numbers are refused because JSON
 * cannot carry them and a hash over `null` would silently differ from what the caller meant.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a JSON number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}
