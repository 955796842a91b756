/**
 * The kiosk shell: one fullscreen window on the UI server's loopback URL, nothing else.
 * Every decision lives in window-policy.ts; this file only wires it to Electron.
 *
 * Run: `npm run kiosk:electron -- --url http://127.0.0.1:PORT/?k=SECRET` (or KIOSK_UI_URL=…).
 * Explicit `.js` extensions: this is the one part compiled by tsc and loaded by Node's ESM loader.
 */
import { parseArgs } from 'node:util';
import { BrowserWindow, Menu, app, powerSaveBlocker, session } from 'electron';
import {
  CHROMIUM_SWITCHES,
  LOAD_RETRY_DELAY_MS,
  NEW_WINDOW_ACTION,
  SHELL_CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isPermissionGranted,
  isRendererCrash,
  kioskWindowOptions,
  parseKioskUrl,
  relaunchDelayMs,
} from './window-policy.js';

const CRASH_WINDOW_MS = 60_000;

function readUiUrl(): URL {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { url: { type: 'string' } },
    strict: false,
  });
  const fromArgs = typeof values.url === 'string' ? values.url : undefined;
  return parseKioskUrl(fromArgs ?? process.env.KIOSK_UI_URL);
}

function lockDownSession(uiUrl: URL): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(isPermissionGranted(permission)),
  );
  ses.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (isAllowedNavigation(details.url, uiUrl)) {
      headers['Content-Security-Policy'] = [
        ...(headers['Content-Security-Policy'] ?? []),
        SHELL_CONTENT_SECURITY_POLICY,
      ];
    }
    callback({ responseHeaders: headers });
  });
  // Requests to anywhere but the UI server are cancelled: the kiosk window talks to nothing else.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedNavigation(details.url, uiUrl) });
  });
}

function denyEscapes(uiUrl: URL): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (!isAllowedNavigation(target, uiUrl)) event.preventDefault();
    });
    contents.on('will-redirect', (event, target) => {
      if (!isAllowedNavigation(target, uiUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => NEW_WINDOW_ACTION);
  });
}

function startKiosk(uiUrl: URL): void {
  let window: BrowserWindow | undefined;
  let crashTimes: number[] = [];

  const openWindow = (): void => {
    const win = new BrowserWindow(kioskWindowOptions());
    window = win;
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-fail-load', (_event, _code, _description, _url, isMainFrame) => {
      // The UI server may not be listening yet (boot order) or may be restarting: keep trying.
      if (isMainFrame) setTimeout(() => void win.loadURL(uiUrl.href), LOAD_RETRY_DELAY_MS);
    });
    win.webContents.on('render-process-gone', (_event, details) => {
      if (!isRendererCrash(details.reason)) return;
      const now = Date.now();
      crashTimes = [...crashTimes.filter((t) => now - t < CRASH_WINDOW_MS), now];
      console.error(`kiosk renderer gone (${details.reason}); reopening the window`);
      win.destroy();
      setTimeout(openWindow, relaunchDelayMs(crashTimes.length));
    });
    win.webContents.on('unresponsive', () => win.webContents.forcefullyCrashRenderer());
    void win.loadURL(uiUrl.href);
  };

  app.on('second-instance', () => {
    if (window && !window.isDestroyed()) window.focus();
  });
  openWindow();
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  let uiUrl: URL;
  try {
    uiUrl = readUiUrl();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    app.exit(2);
    return;
  }
  for (const [name, value] of CHROMIUM_SWITCHES) app.commandLine.appendSwitch(name, value);
  Menu.setApplicationMenu(null);
  denyEscapes(uiUrl);
  void app.whenReady().then(() => {
    powerSaveBlocker.start('prevent-display-sleep');
    lockDownSession(uiUrl);
    startKiosk(uiUrl);
  });
  // Kiosk: closing the last window is not a reason to quit; only the OS stopping the app is.
  app.on('window-all-closed', () => undefined);
}

main();
