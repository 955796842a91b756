import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardPlugin } from './dashboard-plugin';
import { DASHBOARD_ICON, DASHBOARD_SCRIPT, DASHBOARD_STYLES } from './page';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify();
  await app.register(dashboardPlugin, { defaultLanguage: 'ja' });
  app.get('/elsewhere', async () => ({ ok: true }));
  await app.ready();
});

afterAll(() => app.close());

describe('dashboard plugin', () => {
  it('serves the page with its script and stylesheet, no inline script', async () => {
    const page = await app.inject({ method: 'GET', url: '/ops' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`<script src="${DASHBOARD_SCRIPT}" defer></script>`);
    expect(page.body).toContain(`href="${DASHBOARD_STYLES}"`);
    expect(page.body.match(/<script/g)).toHaveLength(1);
    expect(page.body).not.toMatch(/\sstyle=|\son[a-z]+=/);
    expect(page.body).toContain('data-default-language="ja"');
  });

  it('serves the bundle and the stylesheet with their types', async () => {
    const script = await app.inject({ method: 'GET', url: DASHBOARD_SCRIPT });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    expect(script.body.length).toBeGreaterThan(100);
    const styles = await app.inject({ method: 'GET', url: DASHBOARD_STYLES });
    expect(styles.statusCode).toBe(200);
    expect(styles.headers['content-type']).toMatch(/^text\/css/);
    const icon = await app.inject({ method: 'GET', url: DASHBOARD_ICON });
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('puts a CSP without inline code on every dashboard response, and only there', async () => {
    for (const url of ['/ops', DASHBOARD_SCRIPT, DASHBOARD_STYLES, DASHBOARD_ICON]) {
      const response = await app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'none'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toContain('unsafe-inline');
      expect(csp, url).not.toContain('unsafe-eval');
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['cache-control'], url).toBe('no-store');
    }
    const other = await app.inject({ method: 'GET', url: '/elsewhere' });
    expect(other.headers['content-security-policy']).toBeUndefined();
  });

  it('redirects /ops/ to /ops and knows no other asset', async () => {
    const slash = await app.inject({ method: 'GET', url: '/ops/' });
    expect(slash.statusCode).toBe(308);
    expect(slash.headers.location).toBe('/ops');
    expect((await app.inject({ method: 'GET', url: '/ops/assets/other.js' })).statusCode).toBe(404);
  });

  it('refuses an unknown language at registration', async () => {
    const other = Fastify();
    await expect(other.register(dashboardPlugin, { defaultLanguage: 'fr' as 'ja' }).ready()).rejects.toThrow(
      /unknown dashboard language/,
    );
    await other.close();
  });
});
