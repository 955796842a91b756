/**
 * `npm run screenshots [-- --out DIR]`: every screen of the kiosk UI (one fixture view model per
 * screen and per customer error, kiosk/ui/fixtures/view-models.ts) in every catalogue language,
 * drawn by the real UI server in headless Chromium at the panel's 1280×800, saved as
 * DIR/<language>/<screen>.png (default test-results/screenshots/all). Prints every screen that does
 * not fit (overflow, clipped text, small touch targets) and exits 1 if there is one.
 * `--language ja` (repeatable) limits it to some languages.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SCREEN_FIXTURES, fixture, inLanguage } from '../kiosk/ui/fixtures/view-models';
import { catalogueLanguages } from '../kiosk/ui/catalogues';
import type { ViewModel } from '../kiosk/ui/src/view-model';
import { createUiServer } from '../kiosk/ui-server/ui-server';
import {
  layoutProblems,
  launchChromium,
  openKiosk,
  renderCount,
  waitForRenderAfter,
} from '../test/ui/support/browser';
import { fixtureSource } from '../test/ui/support/fixture-source';

const { values } = parseArgs({
  options: { out: { type: 'string' }, language: { type: 'string', multiple: true } },
});
const out = resolve(values.out ?? join('test-results', 'screenshots', 'all'));
const source = fixtureSource<ViewModel>(fixture('idle'));
const [browser, server] = await Promise.all([
  launchChromium(),
  createUiServer({ host: '127.0.0.1', port: 0, viewModels: source, onEvent: () => undefined }),
]);
let problems = 0;
let shots = 0;
try {
  const page = await openKiosk(browser, server.url);
  // tsx (unlike vitest) wraps named functions in a `__name` helper, also inside page.evaluate code.
  await page.evaluate('globalThis.__name = (fn) => fn');
  for (const language of values.language ?? catalogueLanguages()) {
    await mkdir(join(out, language), { recursive: true });
    for (const name of Object.keys(SCREEN_FIXTURES)) {
      const before = await renderCount(page);
      source.push(inLanguage(fixture(name), language));
      await waitForRenderAfter(page, before);
      await page.screenshot({ path: join(out, language, `${name}.png`) });
      shots++;
      for (const problem of await layoutProblems(page)) {
        problems++;
        console.error(`${language}/${name}: ${problem.element}: ${problem.problem}`);
      }
    }
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`${shots} screenshots in ${out}${problems ? `; ${problems} layout problems` : ''}`);
process.exitCode = problems ? 1 : 0;
