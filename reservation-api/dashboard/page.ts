import type { DashboardLanguage } from './client/i18n';

/** Where the dashboard lives; its assets sit under `${DASHBOARD_PATH}/assets/`. */
export const DASHBOARD_PATH = '/ops';
export const DASHBOARD_SCRIPT = `${DASHBOARD_PATH}/assets/dashboard.js`;
export const DASHBOARD_STYLES = `${DASHBOARD_PATH}/assets/dashboard.css`;
export const DASHBOARD_ICON = `${DASHBOARD_PATH}/assets/favicon.svg`;

/**
 * The dashboard's HTML shell: no data and no inline script, just the mount point, the stylesheet
 * and the bundle. The bundle reads the starting language from `data-default-language`.
 */
export function dashboardPage(defaultLanguage: DashboardLanguage): string {
  return `<!doctype html>
<html lang="${defaultLanguage}" data-default-language="${defaultLanguage}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>運用ダッシュボード / Operations dashboard</title>
    <link rel="icon" href="${DASHBOARD_ICON}" type="image/svg+xml" />
    <link rel="stylesheet" href="${DASHBOARD_STYLES}" />
    <script src="${DASHBOARD_SCRIPT}" defer></script>
  </head>
  <body>
    <div id="app" data-view="loading"></div>
    <noscript>JavaScript is required. / JavaScript を有効にしてください。</noscript>
  </body>
</html>
`;
}
