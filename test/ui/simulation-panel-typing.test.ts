import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, ElementHandle, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatJapanDateTime } from '../../kiosk/simulation/demo-clock';
import type { SimulationAction, SimulationOutcome } from '../../kiosk/ui-server/simulation-actions';
import { type RunningDemo, startDemo } from '../../scripts/demo/demo';
import { contrastProblems, launchChromium, layoutProblems, saveScreenshot } from './support/browser';

/**
 * The simulation panel of `npm start` in Chromium, on the real demo assembly in-process (API,
 * kiosk runtime, simulated reader, demo clock on a real clock pinned to 10:00 JST of a fixed day).
 * While a person types a demo time, the server changes the panel — actions posted to the
 * simulation routes by another client, the kiosk moving to another screen — and the half-typed
 * entry, its caret or selection, and the focus must all survive; finishing the entry still sets
 * the demo clock.
 */
const TEN_JST = Date.parse('2026-03-02T10:00:00+09:00');
const started = Date.now();
const realNow = () => TEN_JST + (Date.now() - started);

let dataDir: string;
let demo: RunningDemo;
let browser: Browser;
let page: Page;
/** Every action body the page posted, in order. */
let posted: SimulationAction[];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'panel-typing-'));
  [demo, browser] = await Promise.all([
    startDemo({ port: 0, dataDir, logLevel: 'silent', realNow }),
    launchChromium(),
  ]);
  // Its own window, narrow, as it sits beside the kiosk (a background tab would be throttled).
  page = await (await browser.newContext({ viewport: { width: 460, height: 900 } })).newPage();
  posted = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/simulation/actions')) {
      posted.push(request.postDataJSON() as SimulationAction);
    }
  });
  await page.goto(demo.panelUrl);
  await page.waitForSelector('#outcome');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const revision = async (): Promise<number> => Number(await page.getAttribute('#panel', 'data-revision'));

/** Waits until the page has taken in a state after the `before`-th one. */
async function stateAfter(before: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById('panel')?.dataset.revision) > n, before);
}

/**
 * Another client's action through the panel's own route (same launch cookie, not the page's
 * buttons); resolves once the page has taken in the state it produced.
 */
async function postFromServerSide(action: SimulationAction): Promise<SimulationOutcome> {
  const before = await revision();
  const response = await page.request.post(`${new URL(demo.panelUrl).origin}/simulation/actions`, {
    data: action,
  });
  expect(response.status()).toBe(200);
  const outcome = (await response.json()) as SimulationOutcome;
  expect(outcome.ok, outcome.message).toBe(true);
  await stateAfter(before);
  await page.waitForFunction(
    (message) => document.getElementById('outcome')?.textContent === message,
    outcome.message,
  );
  return outcome;
}

/** The time field as the person sees it: its text, caret/selection, whether it has the focus. */
function timeField(field: ElementHandle<HTMLInputElement>) {
  return field.evaluate((input) => ({
    value: input.value,
    selection: [input.selectionStart, input.selectionEnd, input.selectionDirection],
    focused: document.activeElement === input,
    // Still the very element the person typed into, not a look-alike drawn in its place.
    sameElement: document.getElementById('demo-time') === input,
  }));
}

async function demoTimeField(): Promise<ElementHandle<HTMLInputElement>> {
  const field = await page.$('#demo-time');
  if (!field) throw new Error('the panel has no demo time field');
  return field as ElementHandle<HTMLInputElement>;
}

/** Waits for the outcome line to report a finished action. */
async function outcomeDone(containing: string): Promise<string> {
  await page.waitForFunction(
    (text) => {
      const outcome = document.getElementById('outcome');
      return outcome?.dataset.ok === 'true' && (outcome.textContent ?? '').includes(text);
    },
    containing,
    { timeout: 10_000 },
  );
  return page.innerText('#outcome');
}

describe('the demo time field while the panel changes', () => {
  it('keeps a half-typed time, its caret and the focus through a card, a clock and a kiosk change; Enter then sets the clock', async () => {
    const field = await demoTimeField();
    await field.click();
    await page.keyboard.type('2:59');
    // The caret goes back to the start, where the missing digit belongs.
    await page.keyboard.press('Home');
    expect(await timeField(field)).toEqual({
      value: '2:59',
      selection: [0, 0, 'forward'],
      focused: true,
      sameElement: true,
    });

    await postFromServerSide({ type: 'card.insert' });
    expect(await page.getAttribute('#card-on-reader', 'data-card')).toBe('sign-pin-blocked');
    await postFromServerSide({ type: 'clock.set', japanTime: '10:00' });
    expect(await page.innerText('#outcome')).toContain('10:00 JST');
    // The clock only moves forward: each time set below lands on the next such Japan time.
    const today = formatJapanDateTime(demo.clock.now()).slice(0, 10);
    const before = await revision();
    demo.kiosk.actor.send({ type: 'session.start' });
    await stateAfter(before);
    await page.waitForSelector('#kiosk-screen:text-is("choose-procedure")');

    expect(await timeField(field)).toEqual({
      value: '2:59',
      selection: [0, 0, 'forward'],
      focused: true,
      sameElement: true,
    });

    await page.keyboard.type('2');
    expect((await timeField(field)).value).toBe('22:59');
    await page.keyboard.press('Enter');
    expect(await outcomeDone('22:59 JST')).toBe(`demo clock set to ${today} 22:59 JST`);
    expect(formatJapanDateTime(demo.clock.now())).toBe(`${today} 22:59 JST`);
    expect(posted.at(-1)).toEqual({ type: 'clock.set', japanTime: '22:59' });
    await postFromServerSide({ type: 'card.remove' });
  });

  it('keeps a selection and its direction through an update; typing then replaces just the selection', async () => {
    const field = await demoTimeField();
    await field.fill('23:45');
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');

    await postFromServerSide({ type: 'clock.set', japanTime: '10:00' });
    const tenOClockDay = formatJapanDateTime(demo.clock.now()).slice(0, 10);

    expect(await timeField(field)).toEqual({
      value: '23:45',
      selection: [3, 5, 'backward'],
      focused: true,
      sameElement: true,
    });
    await page.keyboard.type('10');
    await page.click('[data-sim-action="clock.set"]');
    // 10:00 came after 22:59, so on the next day; 23:10 is later that same day.
    expect(await outcomeDone('23:10 JST')).toBe(`demo clock set to ${tenOClockDay} 23:10 JST`);
    expect(formatJapanDateTime(demo.clock.now())).toBe(`${tenOClockDay} 23:10 JST`);
  });

  it('keeps the keyboard focus on the persona menu and on a button through updates', async () => {
    await page.focus('#persona');
    await postFromServerSide({ type: 'clock.set', japanTime: '10:00' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('persona');
    expect(await page.inputValue('#persona')).toBe('sign-pin-blocked');

    // Ahead of real time now, so "Real time" is greyed out: it can't go back.
    expect(await page.isDisabled('[data-sim-action="clock.real"]')).toBe(true);
    await page.focus('[data-sim-action="clock.set.23:30"]');
    await postFromServerSide({ type: 'card.insert' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-sim-action'))).toBe(
      'clock.set.23:30',
    );
    // The update did reach the buttons: the card is on the reader, so it can only be removed.
    expect(await page.isDisabled('[data-sim-action="card.insert"]')).toBe(true);
    expect(await page.isEnabled('[data-sim-action="card.remove"]')).toBe(true);
    expect(await page.isDisabled('[data-sim-action="phone.reserve.signature-pin"]')).toBe(true);
    // Greyed-out buttons come with the reason.
    expect(await page.isVisible('#card-in-kiosk-hint')).toBe(true);
    await postFromServerSide({ type: 'card.remove' });
    expect(await page.isVisible('#card-in-kiosk-hint')).toBe(false);
    expect(await page.isEnabled('[data-sim-action="phone.reserve.signature-pin"]')).toBe(true);
  });
});

describe('a malformed entry', () => {
  it('is explained next to the field, keeps the focus and sends nothing; typing clears the complaint', async () => {
    const offset = demo.clock.offset;
    const sent = posted.length;
    const field = await demoTimeField();
    await field.fill('25:00');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#demo-time', 'aria-invalid')).toBe('true');
    expect(await page.innerText('#demo-time-help')).toBe(
      '"25:00" is not a time: type HH:MM, 24 h (e.g. 09:30).',
    );
    expect((await timeField(field)).focused).toBe(true);

    // Actions are posted in click order, so a sent 25:00 would be posted before this one.
    await page.click('[data-sim-action="clock.set.23:30"]');
    await outcomeDone('23:30 JST');
    expect(posted.slice(sent)).toEqual([{ type: 'clock.set', japanTime: '23:30' }]);
    expect(demo.clock.offset).not.toBe(offset);

    await field.fill('');
    await page.keyboard.press('Enter');
    expect(await page.innerText('#demo-time-help')).toBe('Type a time first: HH:MM, 24 h (e.g. 09:30).');
    await page.keyboard.type('0');
    expect(await page.getAttribute('#demo-time', 'aria-invalid')).toBeNull();
    expect(await page.innerText('#demo-time-help')).toBe('Japan time, 24 h: e.g. 09:30 or 23:30.');
    expect(posted.slice(sent)).toHaveLength(1);
  });
});

describe('the panel as a person sees it', () => {
  it('fits a narrow window beside the kiosk: nothing clipped or off-screen, 24 px targets, AA contrast', async () => {
    await page.fill('#demo-time', '09:3');
    await page.focus('#demo-time');
    expect(await layoutProblems(page, 24)).toEqual([]);
    expect(await contrastProblems(page)).toEqual([]);
    // Every control has a name a screen reader can say.
    for (const selector of ['#persona', '#demo-time']) {
      expect(await page.locator(selector).evaluate((el) => (el as HTMLInputElement).labels?.length)).toBe(1);
    }
    await saveScreenshot(page, 'en', 'simulation-panel-typing');
  });

  it('says so when the kiosk stops, and keeps the entry', async () => {
    await demo.close();
    await page.waitForSelector('#connection:visible');
    expect(await page.innerText('#connection')).toContain('The kiosk is not reachable');
    expect(await page.inputValue('#demo-time')).toBe('09:3');
  });
});
