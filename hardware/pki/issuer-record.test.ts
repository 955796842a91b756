import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issuerRecordLine, parseIssuerRecord, readIssuerRecord } from './issuer-record';
import { openTestPki } from './test-pki';
import { x509 } from './x509';

const dir = mkdtempSync(join(tmpdir(), 'issuer-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const name = (issuerHex: string, serialNumber: string) => ({
  issuerName: { toArrayBuffer: () => new Uint8Array(Buffer.from(issuerHex, 'hex')).buffer },
  serialNumber,
});

describe('issuer record', () => {
  it('is written at issuance: both certificates of a card map to its token serial', async () => {
    const pki = await openTestPki({ dataDir: dir });
    const card = await pki.issueCard({ persona: 'healthy' });
    const other = await pki.issueCard({ persona: 'sign-pin-blocked' });
    const record = readIssuerRecord(pki.paths.issuerRecord);
    for (const issued of [card, other]) {
      for (const der of [issued.jpki!.authCertificate, issued.jpki!.signCertificate]) {
        const certificate = new x509.X509Certificate(new Uint8Array(Buffer.from(der, 'base64')));
        expect(record.tokenSerialOf(certificate)).toBe(issued.jpki!.tokenSerial);
      }
    }
    expect(record.size).toBe(4);
    // Nothing personal: CA names, serial numbers and token serials only.
    expect(readFileSync(pki.paths.issuerRecord, 'utf8')).not.toMatch(/山田|霞が関/);
  });

  it('names a certificate by issuer and serial number (leading zero octets ignored)', () => {
    const record = parseIssuerRecord(
      issuerRecordLine({ tokenSerial: 'ABCDEF0123456789', certificates: [name('3000', '0081')] }),
    );
    expect(record.tokenSerialOf(name('3000', '81'))).toBe('ABCDEF0123456789');
    expect(record.tokenSerialOf(name('3001', '81'))).toBeUndefined();
  });

  it('fails closed: a bad line, an unfinished line and a certificate on two cards are not on record', () => {
    const problems: string[] = [];
    const text =
      issuerRecordLine({
        tokenSerial: 'AAAAAAAAAAAAAAAA',
        certificates: [name('30', '01'), name('30', '02')],
      }) +
      issuerRecordLine({ tokenSerial: 'BBBBBBBBBBBBBBBB', certificates: [name('30', '02')] }) +
      '{"v":1,"tokenSerial":"lowercase-bad!!","certificates":[{"issuer":"30","serialNumber":"03"}]}\n' +
      '{"v":1,"tokenSerial":"CCCCCCCCCCCCCCCC","certificates":[{"issuer":"30","serialNumber":"04"}]}';
    const record = parseIssuerRecord(text, (problem) => problems.push(problem));
    expect(record.tokenSerialOf(name('30', '01'))).toBe('AAAAAAAAAAAAAAAA');
    expect(record.tokenSerialOf(name('30', '02'))).toBeUndefined();
    expect(record.tokenSerialOf(name('30', '03'))).toBeUndefined();
    expect(record.tokenSerialOf(name('30', '04'))).toBeUndefined();
    expect(problems).toHaveLength(2);
  });
});
