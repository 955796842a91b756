import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import axios from 'axios';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { layoutProblems, saveScreenshot } from '../ui/support/browser';
import type { StartedProduct } from './start-process';
import { openProductInBrowser, type ProductInBrowser } from './product-in-browser';

/**
 * `npm start` as a new user runs it (child process, fresh data directory, `--port 0`), driven in
 * Chromium: the kiosk UI at 1280×800 and the simulation panel in a window beside it (its URL
 * trades the same launch secret). The demo clock is set first, so the tests never depend on the
 * real hour.
 */
let opened: ProductInBrowser;
let dataDir: string;
let product: StartedProduct;
let kiosk: Page;
let panel: Page;

beforeAll(async () => {
  opened = await openProductInBrowser({ name: 'npm-start' });
  ({ dataDir, product, kiosk, panel } = opened);
}, 90_000);

afterAll(async () => {
  await opened?.close();
});

const screen = (id: string) => opened.screen(id);
const panelAction = (action: string) => opened.panelAction(action);
const typeKeys = (keys: string) => opened.typeKeys(keys);

async function shot(name: string): Promise<void> {
  expect(await layoutProblems(kiosk)).toEqual([]);
  await saveScreenshot(kiosk, (await kiosk.getAttribute('html', 'lang')) ?? 'ja', `start-${name}`);
}

describe('npm start', () => {
  it('prints the URLs, one per line, and the API and panel answer', async () => {
    for (const label of ['Reservation API', 'Kiosk UI', 'Simulation panel', 'Operator dashboard']) {
      expect(product.stdout()).toMatch(new RegExp(`^${label}: http://127\\.0\\.0\\.1:\\d+`, 'm'));
    }
    expect(product.urls.dashboard).toBe(`${product.urls.api}/ops`);
    expect((await axios.get(`${product.urls.api}/readyz`)).data).toEqual({ status: 'ready' });
    // The product runs on Node 24 LTS (package.json engines), whatever Node the machine has.
    const metrics = String((await axios.get(`${product.urls.api}/metrics`, { responseType: 'text' })).data);
    expect(metrics).toMatch(/^nodejs_version_info\{version="v24\.[^"]*",major="24"/m);
    // The demo operator's token works on the operator endpoints.
    const whoami = await axios.get(`${product.urls.api}/v1/ops/whoami`, {
      headers: { authorization: `Bearer ${product.urls.operatorToken}` },
    });
    expect(whoami.data).toMatchObject({ name: product.urls.operatorName, role: 'admin' });
  });

  it('serves the operator dashboard, and the printed login opens an operator session', async () => {
    const page = await axios.get(product.urls.dashboard, { responseType: 'text' });
    expect(page.headers['content-type']).toContain('text/html');
    const login = await axios.post(
      `${product.urls.api}/v1/ops/session`,
      { name: product.urls.operatorName, token: product.urls.operatorToken },
      { headers: { 'x-ops-request': '1' } },
    );
    expect(login.data).toMatchObject({ name: product.urls.operatorName, role: 'admin' });
    expect(String(login.headers['set-cookie'])).toContain('HttpOnly');
  });

  it('serves the panel only behind the launch secret', async () => {
    const origin = new URL(product.urls.panel).origin;
    const anonymous = { validateStatus: () => true };
    expect((await axios.get(`${origin}/simulation`, anonymous)).status).toBe(401);
    expect((await axios.get(`${origin}/simulation/stream`, anonymous)).status).toBe(401);
    const action = await axios.post(`${origin}/simulation/actions`, { type: 'card.insert' }, anonymous);
    expect(action.status).toBe(401);
  });

  it('walks the full signature-PIN reset: phone step, card in, 4-digit PIN, new PIN twice, done, card out', async () => {
    await panelAction('clock.set.10:00');
    await screen('idle');
    expect(await panel.innerText('#outcome')).toContain('10:00 JST');

    expect(await panel.inputValue('#persona')).toBe('sign-pin-blocked');
    expect(await panelAction('phone.reserve.signature-pin')).toContain('reservation for signature-pin');

    await kiosk.click('[data-action="start"]');
    await screen('choose-procedure');
    await kiosk.click('[data-procedure="signature-pin"]');
    await screen('consent');
    await kiosk.click('[data-action="accept"]');
    await screen('place-card');
    await shot('place-card');
    await panelAction('card.insert');
    await screen('enter-current-pin');
    expect(await kiosk.locator('.keyboard-numeric').count()).toBe(1);
    await typeKeys('1234');
    await shot('enter-current-pin');
    await kiosk.click('[data-key="submit"]');

    await screen('enter-new-pin');
    await typeKeys('NEW2PIN9');
    await kiosk.click('[data-key="submit"]');
    await screen('confirm-new-pin');
    await typeKeys('NEW2PIN9');
    await shot('confirm-new-pin');
    await kiosk.click('[data-key="submit"]');

    await screen('done');
    await shot('done');
    await kiosk.click('[data-action="finish"]');
    await screen('take-card');
    await shot('take-card');
    await panelAction('card.remove');
    await screen('idle');

    // The card really changed: the signature PIN has every try again and the new PIN verifies.
    const card = new JpkiClient(
      new InProcessTransport(VirtualCard.fromFile(join(dataDir, 'demo-cards', 'sign-pin-blocked.json'))),
    );
    await card.selectApplication();
    expect(await card.pinStatus('sign')).toMatchObject({ blocked: false, triesLeft: 5 });
    await card.verifyPin('sign', Buffer.from('NEW2PIN9', 'latin1'));

    // The new PIN never reached the panel, the terminal or the API's log.
    expect(await panel.content()).not.toContain('NEW2PIN9');
    expect(product.stdout()).not.toContain('NEW2PIN9');
    expect(readFileSync(join(dataDir, 'logs', 'reservation-api.log'), 'utf8')).not.toContain('NEW2PIN9');
  }, 90_000);

  it('shows the closed screen when the demo clock is set to 23:30 JST, and opens again at 10:00', async () => {
    await panel.fill('#demo-time', '22:59');
    expect(await panelAction('clock.set')).toContain('22:59 JST');
    await screen('idle');
    await saveScreenshot(panel, 'en', 'simulation-panel');
    await panelAction('clock.set.23:30');
    await screen('closed');
    expect(await kiosk.innerText('.body')).toContain('06:30〜23:00');
    await shot('closed');
    await panelAction('clock.set.10:00');
    await screen('idle');
  }, 60_000);

  it('stops everything cleanly on SIGTERM sent to npm alone (a supervisor; Ctrl-C signals the whole group)', async () => {
    // npm passes the signal on to the product (the start script execs tsx, so no shell swallows it).
    expect(await product.stop('SIGTERM', 'npm')).toBe(0);
    // The product says it closed the kiosk and the API first.
    expect(product.stdout()).toMatch(/^Stopped\.$/m);
    await expect(axios.get(`${product.urls.api}/readyz`, { timeout: 2000 })).rejects.toThrow();
    await expect(axios.get(product.urls.kiosk, { timeout: 2000 })).rejects.toThrow();
  });
});
