import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogues } from '../../kiosk/ui/catalogues';
import { SCREEN_FIXTURES, fixture, inLanguage, inLargeText } from '../../kiosk/ui/fixtures/view-models';
import type { ViewModel } from '../../kiosk/ui/src/view-model';
import { type UiServer, createUiServer } from '../../kiosk/ui-server/ui-server';
import {
  contrastProblems,
  launchChromium,
  layoutProblems,
  openKiosk,
  renderCount,
  saveScreenshot,
  waitForRenderAfter,
} from './support/browser';
import { type FixtureSource, fixtureSource } from './support/fixture-source';

/**
 * axe-core (injected into the page) on every screen fixture, its dialogs included, in every catalogue
 * language, in the standard look and in large text / high contrast; the large look must also fit
 * the panel like the standard one (test/ui/screens.test.ts). Screenshots:
 * test-results/screenshots/<lang>/large-<screen>.png.
 */
let browser: Browser;
let server: UiServer;
let source: FixtureSource<ViewModel>;
let page: Page;
let axeSource: string;

beforeAll(async () => {
  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  source = fixtureSource<ViewModel>(fixture('idle'));
  [browser, server] = await Promise.all([
    launchChromium(),
    createUiServer({ host: '127.0.0.1', port: 0, viewModels: source, onEvent: () => {} }),
  ]);
  page = await openKiosk(browser, server.url);
  // The page's CSP allows no inline script, but Playwright evaluates through the debugger.
  await page.evaluate(axeSource);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function show(vm: ViewModel): Promise<void> {
  const before = await renderCount(page);
  source.push(vm);
  await waitForRenderAfter(page, before);
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

async function axeViolations(): Promise<Array<{ id: string; impact: string | null; targets: string }>> {
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
      resultTypes: ['violations'],
    });
    return result.violations;
  });
  return violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    targets: v.nodes.map((node) => `${JSON.stringify(node.target)} ${node.failureSummary ?? ''}`).join(' | '),
  }));
}

/** Every catalogue language (Japanese first), in both looks. */
const MODES = (['standard', 'large'] as const).flatMap((look) =>
  Object.keys(loadCatalogues()).map((language) => [language, look] as const),
);

describe.each(MODES)('in %s, %s look', (language, look) => {
  it(
    'every screen and dialog: 0 axe violations' + (look === 'large' ? ', fits, contrast ≥ AA' : ''),
    async () => {
      const report: Record<string, unknown> = {};
      for (const name of Object.keys(SCREEN_FIXTURES)) {
        const vm = inLanguage(fixture(name), language);
        await show(look === 'large' ? inLargeText(vm) : vm);
        const violations = await axeViolations();
        if (violations.length > 0) report[name] = violations;
        if (look === 'large') {
          await saveScreenshot(page, language, `large-${name}`);
          const problems = [...(await layoutProblems(page)), ...(await contrastProblems(page))];
          if (problems.length > 0) report[`${name} (layout)`] = problems;
        }
      }
      const summary = Object.fromEntries(
        Object.entries(report).map(([name, found]) => [
          name,
          (found as Array<{ id?: string; problem?: string; element?: string }>).map(
            (item) => item.id ?? `${item.problem} ${item.element}`,
          ),
        ]),
      );
      expect(summary, JSON.stringify(report, null, 1).slice(0, 4000)).toEqual({});
    },
    120_000,
  );
});
