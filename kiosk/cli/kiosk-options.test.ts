import { describe, expect, it } from 'vitest';
import { KioskUsageError, parseKioskOptions } from './kiosk-options';

describe('kiosk command line', () => {
  it('reads the API, credentials, card file and data directory', () => {
    expect(
      parseKioskOptions([
        '--api',
        'http://127.0.0.1:3000',
        '--credentials',
        'k.json',
        '--card',
        'c.json',
        '--data',
        'd',
      ]),
    ).toEqual({
      apiUrl: 'http://127.0.0.1:3000',
      credentialsPath: 'k.json',
      cardSource: { kind: 'card-file', path: 'c.json' },
      dataDir: 'd',
    });
  });

  it('defaults to the PC/SC reader and ./kiosk-data', () => {
    expect(parseKioskOptions(['--credentials', 'k.json'])).toEqual({
      credentialsPath: 'k.json',
      cardSource: { kind: 'pcsc' },
      dataDir: 'kiosk-data',
    });
  });

  it('takes the PC/SC reader by name', () => {
    expect(
      parseKioskOptions([
        '--credentials',
        'k.json',
        '--reader',
        'pcsc',
        '--reader-name',
        'Virtual PCD 00 01',
      ]),
    ).toEqual({
      credentialsPath: 'k.json',
      cardSource: { kind: 'pcsc', readerName: 'Virtual PCD 00 01' },
      dataDir: 'kiosk-data',
    });
  });

  it.each([
    [['--credentials', 'k.json', '--card', 'c.json', '--reader-name', 'X']],
    [[]],
    [['--credentials', 'k.json', '--reader', 'pcsc', '--card', 'c.json']],
    [['--credentials', 'k.json', '--reader', 'usb']],
    [['--credentials', 'k.json', '--api', 'ftp://x']],
    [['--credentials', 'k.json', '--bogus']],
  ])('refuses %j with a usage error', (args) => {
    expect(() => parseKioskOptions(args)).toThrow(KioskUsageError);
  });
});
