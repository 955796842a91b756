import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pkiPaths } from '../../hardware/pki/pki-layout';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { DemoCards } from './demo-cards';

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'demo-cards-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the demo cards', () => {
  it('keeps an issued card, and issues again one the issuer record does not know (made by an older version)', async () => {
    const cards = new DemoCards(dataDir, Date.now);
    const path = await cards.ensure('healthy');
    const first = loadCardFile(path).jpki!.tokenSerial;
    expect(loadCardFile(await cards.ensure('healthy')).jpki!.tokenSerial).toBe(first);

    // A data directory from before the issuer record: the card is there, the record is not.
    writeFileSync(pkiPaths(dataDir).issuerRecord, '');
    const again = loadCardFile(await cards.ensure('healthy')).jpki!.tokenSerial;
    expect(again).not.toBe(first);
    expect(loadCardFile(await cards.ensure('healthy')).jpki!.tokenSerial).toBe(again);
  }, 60_000);
});
