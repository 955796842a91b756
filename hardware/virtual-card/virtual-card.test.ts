import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetCryptogram } from '../jpki/reset-crypto';
import { type CardFile, loadCardFile, saveCardFile } from './card-file';
import { nonJpkiCardFile, TEST_RESET_KEY_HEX, testCardFile } from './testing/test-card-file';
import { VirtualCard } from './virtual-card';

/**
 * Byte-level behaviour of the virtual card (../shared/jpki-card.md + DESIGN §3): raw command bytes
 * in, raw response bytes out.
 */

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase();
const bytes = (text: string) => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
const asciiHex = (text: string) => Buffer.from(text, 'latin1').toString('hex');
const lc = (data: string) => (data.replace(/\s+/g, '').length / 2).toString(16).padStart(2, '0');

const SELECT_AID = '00A4040C0AD392F000260100000001';
const selectFile = (fid: string) => `00A4020C02${fid}`;
const verify = (pin: string) => `00200080${lc(asciiHex(pin))}${asciiHex(pin)}`;

let template: CardFile;
beforeAll(async () => {
  template = await testCardFile();
});

/** Sends hex commands and returns each response as hex (data + SW). */
function session(card: VirtualCard) {
  return (...commands: string[]) => commands.map((command) => hex(card.process(bytes(command))));
}
/** The SW of the last command. */
function lastSw(card: VirtualCard, ...commands: string[]): string {
  return session(card)(...commands)
    .at(-1)!
    .slice(-4);
}

describe('identity and application', () => {
  it('answers with the JPKI ATR', () => {
    expect(hex(new VirtualCard(template).atr)).toBe('3BE000FF8131FE4514');
  });

  it('selects the JPKI AID with P1=04 P2=0C, and nothing else', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID)).toEqual(['9000']);
    expect(lastSw(card, '00A4040C0AD392F000260100000002')).toBe('6A82');
    expect(lastSw(card, '00A404000AA000000308000010000100')).toBe('6A82');
    expect(lastSw(card, '00A404000AD392F000260100000001')).toBe('6A86');
  });

  it('a card without JPKI answers 6A 82 to the AID and to files', () => {
    const card = new VirtualCard(nonJpkiCardFile());
    expect(session(card)(SELECT_AID, selectFile('000A'), '00B0000004')).toEqual(['6A82', '6A82', '6986']);
  });

  it('selects files with P1=02 only, inside the application only', () => {
    const card = new VirtualCard(template);
    expect(lastSw(card, selectFile('000A'))).toBe('6A82');
    expect(session(card)(SELECT_AID, selectFile('000A'), selectFile('1234'))).toEqual([
      '9000',
      '9000',
      '6A82',
    ]);
    expect(lastSw(card, '00A4000C02000A')).toBe('6A86');
    expect(lastSw(card, '00A4080C02000A')).toBe('6A86');
    expect(lastSw(card, '00A4020002000A')).toBe('6A86');
    expect(lastSw(card, '00A4020C01000A'.slice(0, 12))).toBe('6700');
  });
});

describe('READ BINARY', () => {
  it('reads the DER header, then the rest, with FF filler after the DER', () => {
    const card = new VirtualCard(template);
    const der = Buffer.from(template.jpki!.authCertificate, 'base64');
    const [, , header] = session(card)(SELECT_AID, selectFile('000A'), '00B0000004');
    expect(header).toBe(hex(der.subarray(0, 4)) + '9000');
    expect((der[2]! << 8) | der[3]!).toBe(der.length - 4);
    const whole = session(card)('00B00000000000')[0]!;
    const content = bytes(whole.slice(0, -4));
    expect(hex(content.subarray(0, der.length))).toBe(hex(der));
    expect(content.length).toBeGreaterThan(der.length);
    expect(content.subarray(der.length).every((b) => b === 0xff)).toBe(true);
  });

  it('uses 15-bit offsets, answers short at the end and 6B 00 past it', () => {
    const card = new VirtualCard(template);
    session(card)(SELECT_AID, selectFile('000A'));
    const size = bytes(session(card)('00B00000000000')[0]!).length - 2;
    const offset = (n: number) => n.toString(16).padStart(4, '0');
    expect(session(card)(`00B0${offset(size - 2)}00`)[0]).toBe('FFFF9000');
    expect(lastSw(card, `00B0${offset(size)}01`)).toBe('6B00');
    expect(lastSw(card, '00B0800004')).toBe('6A86');
    expect(lastSw(card, '00B0000001AA')).toBe('6700');
  });

  it('token info is 160 bytes: label space-padded to 32, serial at 80–95', () => {
    const card = new VirtualCard(template);
    const [, , info] = session(card)(SELECT_AID, selectFile('0006'), '00B0000000');
    const content = Buffer.from(bytes(info!.slice(0, -4)));
    expect(info!.slice(-4)).toBe('9000');
    expect(content.length).toBe(160);
    expect(content.subarray(0, 32).toString('latin1')).toBe('JPKIAPICCTOKEN2'.padEnd(32, ' '));
    expect(content.subarray(80, 96).toString('latin1')).toBe(template.jpki!.tokenSerial);
  });

  it('0008 says both certificates are present', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID, selectFile('0008'), '00B0000000')[2]).toBe('8F8F009000');
  });

  it('0001 needs the signature PIN (69 82), other certificates are free', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID, selectFile('0001'), '00B0000004')[2]).toBe('6982');
    expect(session(card)(selectFile('0002'), '00B0000004')[1]!.slice(-4)).toBe('9000');
    session(card)(selectFile('001B'), verify('ABC123'), selectFile('0001'));
    expect(session(card)('00B0000004')[0]!.slice(-4)).toBe('9000');
  });

  it('keys and PINs cannot be read', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID, selectFile('0017'), '00B0000004')[2]).toBe('6986');
    expect(session(card)(selectFile('0018'), '00B0000004')[1]).toBe('6986');
  });
});

describe('VERIFY', () => {
  it('empty VERIFY reports 63 Cx without using a try, also after success', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID, selectFile('0018'), '00200080', '00200080')).toEqual([
      '9000',
      '9000',
      '63C3',
      '63C3',
    ]);
    expect(session(card)(verify('1234'), '00200080')).toEqual(['9000', '63C3']);
  });

  it('counts down to 63 C0, then answers 69 84 to everything, right PIN included', () => {
    const card = new VirtualCard(template);
    session(card)(SELECT_AID, selectFile('0018'));
    expect(session(card)(verify('0000'), verify('0000'), verify('0000'))).toEqual(['63C2', '63C1', '63C0']);
    expect(session(card)(verify('1234'), '00200080')).toEqual(['6984', '6984']);
    expect(card.state.jpki!.authPin.triesLeft).toBe(0);
  });

  it('a failed VERIFY drops an earlier verification', () => {
    const card = new VirtualCard(template);
    session(card)(SELECT_AID, selectFile('0018'), verify('1234'), verify('9999'), selectFile('0017'));
    expect(lastSw(card, `802A0080${lc('3031')}303100`)).toBe('6982');
  });

  it('needs a PIN file selected and P1=00 P2=80', () => {
    const card = new VirtualCard(template);
    expect(session(card)(SELECT_AID, '00200080', selectFile('0018'), '00200081')).toEqual([
      '9000',
      '6986',
      '9000',
      '6A86',
    ]);
  });
});

describe('CHANGE REFERENCE DATA', () => {
  it('needs the old PIN verified in this session and a valid new PIN', () => {
    const card = new VirtualCard(template);
    const change = (pin: string) => `00240180${lc(asciiHex(pin))}${asciiHex(pin)}`;
    expect(session(card)(SELECT_AID, selectFile('001B'), change('NEWPIN1'))).toEqual([
      '9000',
      '9000',
      '6982',
    ]);
    expect(session(card)(verify('ABC123'), change('short'), change('NEWPIN1'))).toEqual([
      '9000',
      '6A80',
      '9000',
    ]);
    expect(session(card)(SELECT_AID, selectFile('001B'), verify('NEWPIN1'))).toEqual([
      '9000',
      '9000',
      '9000',
    ]);
    expect(lastSw(card, '00240080' + lc(asciiHex('NEWPIN2')) + asciiHex('NEWPIN2'))).toBe('6A86');
  });
});

describe('COMPUTE DIGITAL SIGNATURE', () => {
  it('signs after VERIFY with CLA 80 and answers 256 bytes', () => {
    const card = new VirtualCard(template);
    const digestInfo = '3031300D060960864801650304020105000420' + '00'.repeat(32);
    const sign = `802A0080${lc(digestInfo)}${digestInfo}00`;
    session(card)(SELECT_AID, selectFile('0018'), verify('1234'), selectFile('0017'));
    const response = session(card)(sign)[0]!;
    expect(response.slice(-4)).toBe('9000');
    expect(response.length).toBe((256 + 2) * 2);
    expect(lastSw(card, sign.replace(/^80/, '00'))).toBe('6E00');
    expect(lastSw(card, sign.slice(0, -2))).toBe('6700');
  });
});

describe('malformed commands never throw', () => {
  it.each([
    ['too short', '00A4', '6700'],
    ['unknown class', 'A0A4040C0AD392F000260100000001', '6E00'],
    ['unknown instruction', '00CA010000', '6D00'],
    ['Lc beyond the data', '00A4040C0AD392F0', '6700'],
    ['proprietary class on an ISO instruction', '80A4040C0AD392F000260100000001', '6E00'],
    ['GET CHALLENGE of the wrong length', '0084000010', '6700'],
  ])('%s → %s', (_name, command, sw) => {
    expect(lastSw(new VirtualCard(template), command)).toBe(sw);
  });
});

describe('reset commands', () => {
  const random = () => bytes('0102030405060708');
  const cryptogram = (fid: number) =>
    hex(resetCryptogram(Buffer.from(TEST_RESET_KEY_HEX, 'hex'), fid, random()));
  const externalAuthenticate = (value: string) => `0082000010${value}`;
  const rrc = (pin: string) => `002C0280${lc(asciiHex(pin))}${asciiHex(pin)}`;

  it('GET CHALLENGE needs a PIN file selected and returns 8 bytes', () => {
    const card = new VirtualCard(template, { random });
    expect(session(card)(SELECT_AID, '0084000008', selectFile('001B'), '0084000008')).toEqual([
      '9000',
      '6985',
      '9000',
      '01020304050607089000',
    ]);
  });

  it('EXTERNAL AUTHENTICATE without a challenge answers 69 85; wrong length 67 00', () => {
    const card = new VirtualCard(template, { random });
    session(card)(SELECT_AID, selectFile('001B'));
    expect(lastSw(card, externalAuthenticate(cryptogram(0x001b)))).toBe('6985');
    expect(lastSw(card, '0084000008', '00820000080102030405060708')).toBe('6700');
  });

  it('a new challenge or any SELECT ends an authorisation', () => {
    const card = new VirtualCard(template, { random });
    const authorise = ['0084000008', externalAuthenticate(cryptogram(0x001b))];
    session(card)(SELECT_AID, selectFile('001B'), ...authorise);
    expect(session(card)('0084000008', rrc('NEWPIN1'))[1]).toBe('6982');
    session(card)(...authorise);
    expect(session(card)(selectFile('001B'), rrc('NEWPIN1'))[1]).toBe('6982');
    session(card)(...authorise);
    card.reset();
    expect(session(card)(SELECT_AID, selectFile('001B'), rrc('NEWPIN1'))[2]).toBe('6982');
    session(card)(...authorise);
    expect(session(card)(rrc('NEWPIN1'))[0]).toBe('9000');
  });

  it('authorises only the PIN file the challenge was issued for', () => {
    const card = new VirtualCard(template, { random });
    session(card)(SELECT_AID, selectFile('0018'), '0084000008');
    expect(lastSw(card, externalAuthenticate(cryptogram(0x0018)))).toBe('9000');
    expect(lastSw(card, rrc('9876'))).toBe('9000');
    expect(card.state.jpki!.authPin).toEqual({ value: '9876', triesLeft: 3, maxTries: 3 });
  });
});

describe('persistence', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'virtual-card-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes every counter change to the file before answering', () => {
    const path = join(directory, 'card.json');
    saveCardFile(path, template);
    const card = VirtualCard.fromFile(path);
    session(card)(SELECT_AID, selectFile('001B'), verify('WRONG1'));
    expect(loadCardFile(path).jpki!.signPin.triesLeft).toBe(4);
    session(card)(verify('ABC123'));
    expect(loadCardFile(path).jpki!.signPin.triesLeft).toBe(5);
  });

  it("two cards on one file (two processes) see each other's changes instead of overwriting them", () => {
    const path = join(directory, 'card.json');
    saveCardFile(path, template);
    const kiosk = VirtualCard.fromFile(path);
    const phone = VirtualCard.fromFile(path);
    session(kiosk)(SELECT_AID, selectFile('001B'));
    session(phone)(SELECT_AID, selectFile('001B'));
    expect(session(kiosk)(verify('WRONG1'))).toEqual(['63C4']);
    expect(session(phone)('00200080', verify('WRONG2'))).toEqual(['63C4', '63C3']);
    expect(session(kiosk)('00200080')).toEqual(['63C3']);
    expect(loadCardFile(path).jpki!.signPin.triesLeft).toBe(3);
  });

  it('a card re-issued to the same file is another card: new content, fresh session', () => {
    const path = join(directory, 'card.json');
    saveCardFile(path, template);
    const card = VirtualCard.fromFile(path);
    session(card)(SELECT_AID, selectFile('0006'));
    saveCardFile(path, { ...template, jpki: { ...template.jpki!, tokenSerial: 'REISSUED00000002' } });
    expect(lastSw(card, '00B0000000')).toBe('6986');
    const info = session(card)(SELECT_AID, selectFile('0006'), '00B0000000')[2]!;
    expect(
      Buffer.from(bytes(info.slice(0, -4)))
        .subarray(80, 96)
        .toString('latin1'),
    ).toBe('REISSUED00000002');
  });

  it('does not write when nothing persistent changed', () => {
    const writes: CardFile[] = [];
    const card = new VirtualCard(template, { onChange: (state) => writes.push(state) });
    session(card)(
      SELECT_AID,
      selectFile('0018'),
      '00200080',
      verify('1234'),
      selectFile('000A'),
      '00B0000004',
    );
    expect(writes).toHaveLength(0);
  });

  it('answers 65 81 and keeps the old state when the state cannot be saved', () => {
    const card = new VirtualCard(template, {
      onChange: () => {
        throw new Error('disk full');
      },
    });
    expect(session(card)(SELECT_AID, selectFile('0018'), verify('0000'))[2]).toBe('6581');
    expect(card.state.jpki!.authPin.triesLeft).toBe(3);
    expect(lastSw(card, '00200080')).toBe('63C3');
  });
});
