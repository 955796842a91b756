/**
 * The kiosk shell: one fullscreen window on the UI server's loopback URL, nothing else.
 * Every decision lives in window-policy.ts; this file only wires it to Electron.
 *
 * Run: `npm run kiosk:electron -- --url http://127.0.0.1:PORT/?k=SECRET` (or KIOSK_UI_URL=…), or
 * `-- --url-file FILE` (or KIOSK_UI_URL_FILE=…): the file the kiosk core rewrites at each start,
 * watched, so a restarted core (new port, new secret) is followed without restarting the shell.
 * Explicit `.js` extensions: this is the one part compiled by tsc and loaded by Node's ESM loader.
 */
import { readFileSync, statSync, watchFile } from 'node:fs';
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
  URL_FILE_POLL_MS,
  parseKioskUrl,
  parseKioskUrlFile,
  relaunchDelayMs,
} from './window-policy.js';

const CRASH_WINDOW_MS = 60_000;

/** Where the UI address comes from, and the address now: fixed (`--url`) or followed in a file (`--url-file`). */
interface UiAddress {
  current(): URL;
  /** Re-reads the file (if any); true when the address changed. */
  refresh(): boolean;
  file?: string;
}

function fileAddress(file: string): UiAddress {
  const read = (): URL => parseKioskUrlFile(readFileSync(file, 'utf8'), statSync(file).mode);
  let url = read();
  return {
    file,
    current: () => url,
    refresh() {
      try {
        const next = read();
        const changed = next.href !== url.href;
        url = next;
        return changed;
      } catch {
        // Being rewritten, or briefly absent while the core restarts: keep the last good address.
        return false;
      }
    },
  };
}

function readUiAddress(): UiAddress {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { url: { type: 'string' }, 'url-file': { type: 'string' } },
    strict: false,
  });
  const file = typeof values['url-file'] === 'string' ? values['url-file'] : process.env.KIOSK_UI_URL_FILE;
  if (file) return fileAddress(file);
  const fromArgs = typeof values.url === 'string' ? values.url : undefined;
  const url = parseKioskUrl(fromArgs ?? process.env.KIOSK_UI_URL);
  return { current: () => url, refresh: () => false };
}

function lockDownSession(address: UiAddress): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(isPermissionGranted(permission)),
  );
  ses.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    if (isAllowedNavigation(details.url, address.current())) {
      headers['Content-Security-Policy'] = [
        ...(headers['Content-Security-Policy'] ?? []),
        SHELL_CONTENT_SECURITY_POLICY,
      ];
    }
    callback({ responseHeaders: headers });
  });
  // Requests to anywhere but the UI server are cancelled: the kiosk window talks to nothing else.
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedNavigation(details.url, address.current()) });
  });
}

function denyEscapes(address: UiAddress): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, target) => {
      if (!isAllowedNavigation(target, address.current())) event.preventDefault();
    });
    contents.on('will-redirect', (event, target) => {
      if (!isAllowedNavigation(target, address.current())) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => NEW_WINDOW_ACTION);
  });
}

function startKiosk(address: UiAddress): void {
  let window: BrowserWindow | undefined;
  let crashTimes: number[] = [];

  const openWindow = (): void => {
    const win = new BrowserWindow(kioskWindowOptions());
    window = win;
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-fail-load', (_event, _code, _description, _url, isMainFrame) => {
      // The UI server may not be listening yet (boot order) or may be restarting: keep trying,
      // with the address the restarted core wrote, if it did.
      if (!isMainFrame) return;
      setTimeout(() => {
        address.refresh();
        void win.loadURL(address.current().href);
      }, LOAD_RETRY_DELAY_MS);
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
    void win.loadURL(address.current().href);
  };

  // A restarted core has a new port and secret: the page's stream to the old one would retry
  // forever, so load the new launch URL as soon as the core writes it.
  if (address.file) {
    watchFile(address.file, { interval: URL_FILE_POLL_MS }, () => {
      if (address.refresh() && window && !window.isDestroyed()) void window.loadURL(address.current().href);
    });
  }

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
  let address: UiAddress;
  try {
    address = readUiAddress();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    app.exit(2);
    return;
  }
  for (const [name, value] of CHROMIUM_SWITCHES) app.commandLine.appendSwitch(name, value);
  Menu.setApplicationMenu(null);
  denyEscapes(address);
  void app.whenReady().then(() => {
    powerSaveBlocker.start('prevent-display-sleep');
    lockDownSession(address);
    startKiosk(address);
  });
  // Kiosk: closing the last window is not a reason to quit; only the OS stopping the app is.
  app.on('window-all-closed', () => undefined);
}

main();
