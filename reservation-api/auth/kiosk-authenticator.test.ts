import { randomBytes, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDigest } from '../contract';
import { addKiosk, type TestApi, testApi, type TestKiosk } from '../testing/test-api';
import { strictSignatureParameters } from './kiosk-authenticator';

/**
 * Every malformed RFC 9421 signature parameter is refused (issue 12, part 2). Each request below is
 * validly signed by the kiosk's own key over exactly the Signature-Input it carries, so only the
 * authenticator's reading of the parameters can refuse it — e.g. `created="x"` became an Invalid
 * Date that passed the clock-skew check, and the request could be replayed once its nonce expired.
 */

let api: TestApi;
let kiosk: TestKiosk;

beforeAll(async () => {
  api = await testApi();
  kiosk = await addKiosk(api);
});
afterAll(async () => api.close());

const PATH = '/v1/kiosk/challenge';
const COMPONENTS = '("@method" "@path" "content-digest")';

/** Sends `{}` signed over `params` (the text after the covered components) as the kiosk. */
async function send(
  params: string,
  options: {
    label?: string;
    inputHeader?: string;
    signatureHeader?: (member: string) => string;
    components?: string[];
    signedPath?: string;
  } = {},
) {
  const body = Buffer.from('{}');
  const digest = contentDigest(body);
  const components = options.components ?? ['@method', '@path', 'content-digest'];
  const signatureParams = `(${components.map((name) => `"${name}"`).join(' ')})${params}`;
  const values: Record<string, string> = {
    '@method': 'POST',
    '@path': options.signedPath ?? PATH,
    'content-digest': digest,
    'content-type': 'application/json',
  };
  const base = [
    ...components.map((name) => `"${name}": ${values[name]}`),
    `"@signature-params": ${signatureParams}`,
  ].join('\n');
  const signature = sign(null, Buffer.from(base), kiosk.privateKey).toString('base64');
  const label = options.label ?? 'kiosk';
  return api.app.inject({
    method: 'POST',
    url: PATH,
    payload: body,
    headers: {
      'content-type': 'application/json',
      'content-digest': digest,
      'signature-input': options.inputHeader ?? `${label}=${signatureParams}`,
      signature: options.signatureHeader?.(`${label}=:${signature}:`) ?? `${label}=:${signature}:`,
    },
  });
}

const nonce = () => `"${randomBytes(16).toString('base64url')}"`;
const created = () => Math.floor(api.clock.now() / 1000);
const keyid = () => `"${kiosk.kioskId}"`;

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

describe('kiosk authentication: signature parameters', () => {
  it('accepts a well-formed request (the hand-made signature base is right)', async () => {
    const response = await send(`;created=${created()};keyid=${keyid()};alg="ed25519";nonce=${nonce()}`);
    expect(response.statusCode).toBe(200);
    const noAlg = await send(`;created=${created()};keyid=${keyid()};nonce=${nonce()}`);
    expect(noAlg.statusCode).toBe(200);
  });

  const malformed: [string, () => string][] = [
    ['created a string "x"', () => `;created="x";keyid=${keyid()};nonce=${nonce()}`],
    ['created a string "NaN"', () => `;created="NaN";keyid=${keyid()};nonce=${nonce()}`],
    ['created a numeric string', () => `;created="${created()}";keyid=${keyid()};nonce=${nonce()}`],
    ['created a decimal', () => `;created=${created()}.5;keyid=${keyid()};nonce=${nonce()}`],
    ['created a boolean', () => `;created=?1;keyid=${keyid()};nonce=${nonce()}`],
    ['created a token', () => `;created=now;keyid=${keyid()};nonce=${nonce()}`],
    ['created negative', () => `;created=-${created()};keyid=${keyid()};nonce=${nonce()}`],
    ['created a byte sequence', () => `;created=:AAAA:;keyid=${keyid()};nonce=${nonce()}`],
    ['created twice', () => `;created=${created()};created=${created()};keyid=${keyid()};nonce=${nonce()}`],
    ['created missing', () => `;keyid=${keyid()};nonce=${nonce()}`],
    ['keyid a token', () => `;created=${created()};keyid=${kiosk.kioskId};nonce=${nonce()}`],
    ['keyid an integer', () => `;created=${created()};keyid=7;nonce=${nonce()}`],
    ['keyid empty', () => `;created=${created()};keyid="";nonce=${nonce()}`],
    ['keyid twice', () => `;created=${created()};keyid=${keyid()};keyid=${keyid()};nonce=${nonce()}`],
    ['keyid missing', () => `;created=${created()};nonce=${nonce()}`],
    ['nonce too short', () => `;created=${created()};keyid=${keyid()};nonce="abc"`],
    [
      'nonce with other characters',
      () => `;created=${created()};keyid=${keyid()};nonce="${'a'.repeat(20)}+/"`,
    ],
    ['nonce an integer', () => `;created=${created()};keyid=${keyid()};nonce=12345678901234567890`],
    ['nonce twice', () => `;created=${created()};keyid=${keyid()};nonce=${nonce()};nonce=${nonce()}`],
    ['nonce missing', () => `;created=${created()};keyid=${keyid()}`],
    [
      'alg another algorithm',
      () => `;created=${created()};keyid=${keyid()};alg="rsa-pss-sha512";nonce=${nonce()}`,
    ],
    ['alg a token', () => `;created=${created()};keyid=${keyid()};alg=ed25519;nonce=${nonce()}`],
    [
      'an expires parameter',
      () => `;created=${created()};expires=${created() + 60};keyid=${keyid()};nonce=${nonce()}`,
    ],
    ['a tag parameter', () => `;created=${created()};keyid=${keyid()};nonce=${nonce()};tag="x"`],
  ];

  it.each(malformed)('refuses %s (KIOSK_UNAUTHENTICATED)', async (_name, params) => {
    expect(codeOf(await send(params()))).toEqual({ status: 401, code: 'KIOSK_UNAUTHENTICATED' });
  });

  it('refuses another label and a second member', async () => {
    const params = `;created=${created()};keyid=${keyid()};nonce=${nonce()}`;
    expect(codeOf(await send(params, { label: 'other' }))).toEqual({
      status: 401,
      code: 'KIOSK_UNAUTHENTICATED',
    });
    const second = `kiosk=${COMPONENTS}${params}, extra=${COMPONENTS};created=${created()};keyid=${keyid()};nonce=${nonce()}`;
    expect(codeOf(await send(params, { inputHeader: second }))).toEqual({
      status: 401,
      code: 'KIOSK_UNAUTHENTICATED',
    });
  });

  it('covers exactly @method, @path and content-digest, in any order', async () => {
    const params = () => `;created=${created()};keyid=${keyid()};nonce=${nonce()}`;
    const reordered = await send(params(), { components: ['content-digest', '@method', '@path'] });
    expect(reordered.statusCode).toBe(200);
    for (const components of [
      ['@method', '@path'],
      ['@method', '@path', 'content-digest', 'content-type'],
      ['@method', '@path', 'content-digest', 'content-digest'],
      ['@method', '@method', '@path', 'content-digest'],
    ]) {
      expect(codeOf(await send(params(), { components }))).toEqual({
        status: 401,
        code: 'KIOSK_UNAUTHENTICATED',
      });
    }
  });

  it('refuses a signature over another path, a second Signature member and a signature not its own', async () => {
    const params = () => `;created=${created()};keyid=${keyid()};nonce=${nonce()}`;
    const refusal = { status: 401, code: 'KIOSK_UNAUTHENTICATED' };
    expect(codeOf(await send(params(), { signedPath: '/v1/kiosk/heartbeat' }))).toEqual(refusal);
    const twoMembers = (member: string) => `${member}, other=${member.slice('kiosk='.length)}`;
    expect(codeOf(await send(params(), { signatureHeader: twoMembers }))).toEqual(refusal);
    const otherBytes = () => `kiosk=:${randomBytes(64).toString('base64')}:`;
    expect(codeOf(await send(params(), { signatureHeader: otherBytes }))).toEqual(refusal);
  });

  it('a created time far from the server clock is still KIOSK_CLOCK_SKEW', async () => {
    const response = await send(`;created=${created() - 3600};keyid=${keyid()};nonce=${nonce()}`);
    expect(codeOf(response)).toEqual({ status: 401, code: 'KIOSK_CLOCK_SKEW' });
  });

  it('parses only the exact shape', () => {
    expect(
      strictSignatureParameters(`kiosk=${COMPONENTS};created=1;keyid="k";nonce="${'n'.repeat(16)}"`),
    ).toEqual({
      createdSeconds: 1,
      keyid: 'k',
      nonce: 'n'.repeat(16),
      signatureParams: `${COMPONENTS};created=1;keyid="k";nonce="${'n'.repeat(16)}"`,
    });
    expect(strictSignatureParameters(['a', 'b'])).toBeUndefined();
    expect(strictSignatureParameters(undefined)).toBeUndefined();
  });
});
