import fc from 'fast-check';

/**
 * Generators of hostile request material for the API fuzz tests: odd JSON values, and valid bodies
 * with one field somewhere replaced, removed or joined by a stranger — so a fuzzed request gets past
 * the first checks and exercises the deeper ones.
 */

/** Text that must never come back in an error message (a value would leak if it did). */
export const MARKER = 'zq9MARKERq9z';

/** Strings a careless parser, database or logger trips over. */
const oddStrings = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\uD800',
    '\u202E',
    '../../etc/passwd',
    "'; DROP TABLE reservations; --",
    '__proto__',
    'constructor',
    '%00',
    '${jndi:ldap://x}',
    '=cmd|calc',
    'AAAA====',
    '0x7fffffff',
    'NaN',
  ),
  fc.integer({ min: 1, max: 20 }).map((n) => `${MARKER}`.repeat(n)),
  // Big enough to cross the schema limits, small enough to stay under the body limit.
  fc.integer({ min: 1_000, max: 20_000 }).map((n) => 'A'.repeat(n)),
);

/** Numbers at the edges of JSON, IEEE 754, SQLite INTEGER and Date. */
const oddNumbers = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    2 ** 31,
    2 ** 53,
    2 ** 63,
    -(2 ** 63),
    8.64e15 + 1,
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER,
  ),
);

/** Any JSON value, biased towards the odd ones. */
export const oddJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddStrings,
    oddNumbers,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(oddStrings, fc.constantFrom('__proto__', 'constructor')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

const DEEP_TAG = '\u0001deep\u0001';
const DEEP_PLACEHOLDER = /"\\u0001deep\\u0001(\d+)\\u0001deep\\u0001"/g;

/**
 * Arrays nested far deeper than any schema (a recursive parser or validator could overflow).
 * Serialised as a placeholder that `jsonBytes` expands textually (JSON.stringify itself overflows
 * at such depths), and printed short so fast-check can report a counterexample holding one.
 */
export const deepJson = fc.integer({ min: 100, max: 20_000 }).map((depth) => ({
  toJSON: () => `${DEEP_TAG}${depth}${DEEP_TAG}`,
  [fc.toStringMethod]: () => `<arrays nested ${depth} deep>`,
}));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path to a value inside `value` (the root included). */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...prefix, i])));
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...prefix, key]));
  }
  return paths;
}

type Mutation =
  { kind: 'replace'; value: unknown } | { kind: 'remove' } | { kind: 'add'; key: string; value: unknown };

/** `body` (a valid request) with one mutation at one of its paths; a fresh copy, `body` untouched. */
export function mutatedBody(body: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(body as Json);
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    oddJson.map((value) => ({ kind: 'replace' as const, value })),
    deepJson.map((value) => ({ kind: 'replace' as const, value })),
    fc.constant({ kind: 'remove' as const }),
    fc
      .tuple(fc.oneof(oddStrings, fc.constantFrom('__proto__', 'constructor', 'prototype')), oddJson)
      .map(([key, value]) => ({ kind: 'add' as const, key, value })),
  );
  return fc.tuple(fc.constantFrom(...paths), mutation).map(([path, change]) => {
    const copy = structuredClone(body) as Json;
    return applyMutation(copy, path, change);
  });
}

function applyMutation(root: Json, path: (string | number)[], change: Mutation): unknown {
  if (path.length === 0) {
    if (change.kind === 'replace') return change.value;
    if (change.kind === 'remove') return undefined;
    if (root && typeof root === 'object' && !Array.isArray(root)) {
      // defineProperty, so a "__proto__" key becomes an own property as JSON would carry it.
      Object.defineProperty(root, change.key, { value: change.value, enumerable: true, writable: true });
    }
    return root;
  }
  const parent = path.slice(0, -1).reduce<Json>((node, key) => (node as Record<string, Json>)[key]!, root);
  const key = path[path.length - 1]!;
  const container = parent as Record<string | number, unknown>;
  if (change.kind === 'replace') container[key] = change.value;
  else if (change.kind === 'remove') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete container[key];
  } else {
    const target = container[key];
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      Object.defineProperty(target, change.key, { value: change.value, enumerable: true, writable: true });
    } else container[key] = change.value;
  }
  return root;
}

/** The bytes a client would send for `value` (undefined: an empty body). */
export function jsonBytes(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  const text = JSON.stringify(value).replace(DEEP_PLACEHOLDER, (_, depth: string) => {
    const n = Number(depth);
    return `${'['.repeat(n)}1${']'.repeat(n)}`;
  });
  return Buffer.from(text, 'utf8');
}

/** Content types from the plausible to the hostile. */
export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=utf-16',
  'application/json;;;',
  'application/vnd.api+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'text/plain',
  'text/json',
  '*/*',
  '',
  'application/json, text/html',
  'application/\u00e9',
);

/** Raw bodies that are not JSON, or JSON at its edges. */
export const rawBodies = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ maxLength: 100 }).map((text) => Buffer.from(text, 'utf8')),
  fc
    .constantFrom(
      '',
      '{',
      '}',
      'null',
      '0',
      '"x"',
      '[]',
      '{"a":1,"a":2}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
      '\uFEFF{}',
      '{}\u0000',
      '{} {}',
      '1e999999',
      '{"nonce":"\\ud800"}',
    )
    .map((text) => Buffer.from(text, 'utf8')),
  fc.integer({ min: 60_000, max: 1_200_000 }).map((n) => Buffer.alloc(n, 0x20)),
);

/** Header values: garbage for the ones the API reads (authorization, signatures, digests, proxies). */
export const hostileHeaders = fc.record(
  {
    authorization: fc.oneof(
      oddStrings,
      oddStrings.map((s) => `Bearer ${s}`),
      fc.constant('Bearer'),
      fc.constant('Basic Zm9vOmJhcg=='),
    ),
    'signature-input': fc.oneof(
      oddStrings,
      fc.constant('kiosk=("@method" "@path" "content-digest");created=1;keyid="x";alg="ed25519";nonce="n"'),
      fc.constant('kiosk=();created=99999999999999999999;keyid="";alg="ed25519"'),
    ),
    signature: fc.oneof(oddStrings, fc.constant('kiosk=:AAAA:'), fc.constant('kiosk=:;')),
    'content-digest': fc.oneof(oddStrings, fc.constant('sha-256=:AAAA:'), fc.constant('sha-512=:x:')),
    'x-forwarded-for': fc.oneof(oddStrings, fc.constant('1.2.3.4, 5.6.7.8')),
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml', ''),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'identity;q=0', 'x'),
    'content-encoding': fc.constantFrom('gzip', 'deflate', 'identity', 'x-unknown'),
  },
  { requiredKeys: [] },
);

/** Header values HTTP allows (visible ASCII and spaces), so the fuzz tests the API, not the HTTP parser. */
export function headerSafe(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, value.replace(/[^\x20-\x7e]/g, '?')]),
  );
}
