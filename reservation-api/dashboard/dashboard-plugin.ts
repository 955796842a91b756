import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { buildDashboardBundle } from './build';
import { type DashboardLanguage, DASHBOARD_LANGUAGES } from './client/i18n';
import { DASHBOARD_ICON, DASHBOARD_PATH, DASHBOARD_SCRIPT, DASHBOARD_STYLES, dashboardPage } from './page';
import { SECURITY_HEADERS } from '../../web/security-headers';

export interface DashboardPluginOptions {
  /** The language the page opens in before the operator picks one (default Japanese: ops staff are). */
  defaultLanguage?: DashboardLanguage;
}

const STYLES_FILE = fileURLToPath(new URL('./public/dashboard.css', import.meta.url));
const ICON_FILE = fileURLToPath(new URL('./public/favicon.svg', import.meta.url));

/**
 * Serves the operator dashboard: GET /ops (the page) and /ops/assets/* (its bundled script and its
 * stylesheet), all under a CSP that allows no inline code. The page itself is public — it holds no
 * data; everything it shows comes from the operator API behind the operator's login.
 * Register it on the API app: `await app.register(dashboardPlugin, { defaultLanguage: 'ja' })`.
 * Its routes are hidden from the OpenAPI document (they are a web page, not API).
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const language = options.defaultLanguage ?? 'ja';
  if (!DASHBOARD_LANGUAGES.includes(language)) throw new Error(`unknown dashboard language ${language}`);
  const [script, styles, icon] = await Promise.all([
    buildDashboardBundle(),
    readFile(STYLES_FILE, 'utf8'),
    readFile(ICON_FILE, 'utf8'),
  ]);
  const page = dashboardPage(language);

  // Not wrapped in fastify-plugin on purpose: this hook applies to the dashboard's routes only.
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  const hidden = { schema: { hide: true } };
  app.get(DASHBOARD_PATH, hidden, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(page),
  );
  app.get(`${DASHBOARD_PATH}/`, hidden, async (_request, reply) => reply.redirect(DASHBOARD_PATH, 308));
  app.get(DASHBOARD_SCRIPT, hidden, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(script),
  );
  app.get(DASHBOARD_STYLES, hidden, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').send(styles),
  );
  app.get(DASHBOARD_ICON, hidden, async (_request, reply) => reply.type('image/svg+xml').send(icon));
};
