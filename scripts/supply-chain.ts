import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/**
 * `npm run sbom [-- --out DIR]` (default `sbom/`): what ships, as CycloneDX SBOMs made by npm itself
 * (`npm sbom`) and a licence report, for
 *
 * - the API image: the production dependencies (what `npm prune --omit=dev --omit=optional` leaves
 *   in the Docker image beside the compiled output);
 * - the kiosk: the same production dependencies (the kiosk core) plus the Electron shell.
 *
 * Files: `api.cdx.json`, `kiosk.cdx.json`, `licences.json` (component → licence, per product) and
 * `licences.md` (the same, by licence, for a reader).
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

interface Component {
  name: string;
  version: string;
  purl?: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
}
interface Bom {
  bomFormat: string;
  specVersion: string;
  metadata: { component: { name: string } };
  components: Component[];
}

export interface LicenceEntry {
  name: string;
  version: string;
  licence: string;
}

async function npmSbom(omit: string[]): Promise<Bom> {
  const args = [
    'sbom',
    '--sbom-format=cyclonedx',
    '--sbom-type=application',
    ...omit.map((o) => `--omit=${o}`),
  ];
  const { stdout } = await run('npm', args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Bom;
}

/** A component's licence as SPDX text: its id, expression or name; `UNKNOWN` when it states none. */
export function licenceOf(component: Component): string {
  const texts = (component.licenses ?? []).map(
    (entry) => entry.expression ?? entry.license?.id ?? entry.license?.name ?? '',
  );
  const stated = texts.filter((text) => text !== '');
  return stated.length > 0 ? stated.join(' AND ') : 'UNKNOWN';
}

function licences(bom: Bom): LicenceEntry[] {
  return bom.components
    .map((component) => ({ name: component.name, version: component.version, licence: licenceOf(component) }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

function markdown(products: Record<string, LicenceEntry[]>): string {
  const lines = ['# Licences of what ships', '', 'Made by `npm run sbom` from `npm sbom` (CycloneDX).', ''];
  for (const [product, entries] of Object.entries(products)) {
    lines.push(`## ${product} (${entries.length} packages)`, '');
    const byLicence = new Map<string, string[]>();
    for (const entry of entries) {
      byLicence.set(entry.licence, [
        ...(byLicence.get(entry.licence) ?? []),
        `${entry.name}@${entry.version}`,
      ]);
    }
    for (const [licence, names] of [...byLicence].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`- **${licence}** (${names.length}): ${names.join(', ')}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes the SBOMs and the licence report into `outDir`; returns what it wrote, by product. */
export async function writeSupplyChainReport(outDir: string): Promise<{ api: Bom; kiosk: Bom }> {
  const [api, everything] = await Promise.all([npmSbom(['dev', 'optional']), npmSbom(['optional'])]);
  const electron = everything.components.filter((component) => component.name === 'electron');
  if (electron.length === 0) throw new Error('electron is not installed: run npm ci first');
  const kiosk: Bom = { ...api, components: [...api.components, ...electron] };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'api.cdx.json'), `${JSON.stringify(api, null, 2)}\n`);
  writeFileSync(join(outDir, 'kiosk.cdx.json'), `${JSON.stringify(kiosk, null, 2)}\n`);
  const report = { api: licences(api), kiosk: licences(kiosk) };
  writeFileSync(join(outDir, 'licences.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'licences.md'), markdown(report));
  return { api, kiosk };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--out');
  const outDir = resolve(at >= 0 ? (process.argv[at + 1] ?? 'sbom') : join(REPO, 'sbom'));
  const { api, kiosk } = await writeSupplyChainReport(outDir);
  console.log(
    `wrote ${outDir}: api.cdx.json (${api.components.length} packages), kiosk.cdx.json (${kiosk.components.length}), licences.json, licences.md`,
  );
}
