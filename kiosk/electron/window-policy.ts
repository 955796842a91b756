import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * Every security and kiosk decision of the Electron shell, as plain data and pure predicates, so
 * that a test can check them without the Electron binary. main.ts only wires these to Electron.
 */

/** The kiosk's screen: the copier's touch panel (docs/kiosk-ui.md). */
export const KIOSK_RESOLUTION = { width: 1280, height: 800 } as const;

/** Thrown when the UI address given to the shell is not a loopback http URL. */
export class KioskUrlError extends Error {
  override readonly name = 'KioskUrlError';
}

/** Hosts the kiosk UI server may listen on: loopback only, never a network address. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Parses the UI address (from `--url` or KIOSK_UI_URL). Only http on a loopback address is
 * accepted: the UI server runs on the same machine and the shell must never load a remote page.
 */
export function parseKioskUrl(raw: string | undefined): URL {
  if (raw === undefined || raw === '') throw new KioskUrlError('missing --url (or KIOSK_UI_URL)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KioskUrlError('the UI address is not a URL');
  }
  if (url.protocol !== 'http:') throw new KioskUrlError('the UI address must use http on loopback');
  if (!LOOPBACK_HOSTS.has(url.hostname)) throw new KioskUrlError('the UI address must be a loopback address');
  if (url.username !== '' || url.password !== '')
    throw new KioskUrlError('the UI address must not carry credentials');
  return url;
}

/** Options of the one kiosk window: fullscreen kiosk, no frame, and the locked-down renderer. */
export function kioskWindowOptions(): BrowserWindowConstructorOptions {
  return {
    ...KIOSK_RESOLUTION,
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    // Shown on 'ready-to-show' so the customer never sees a blank white flash.
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: false,
      safeDialogs: true,
      disableDialogs: true,
      autoplayPolicy: 'document-user-activation-required',
    },
  };
}

/**
 * True only for a navigation inside the UI's own origin (a reload, the server's redirect after the
 * launch secret is exchanged). Anything else — another port, another host, file:, data:,
 * javascript: — is denied.
 */
export function isAllowedNavigation(target: string, uiUrl: URL): boolean {
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    return false;
  }
  return parsed.origin === uiUrl.origin;
}

/** New windows (window.open, target=_blank) are never allowed. */
export const NEW_WINDOW_ACTION = { action: 'deny' } as const;

/** Camera, microphone, notifications, geolocation, USB, HID, serial…: the kiosk UI needs none. */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

/**
 * A second line of defence behind the UI server's own header: the shell adds this policy to every
 * response (several CSP headers are all enforced, so it can only narrow what the server allows).
 */
export const SHELL_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Chromium switches: no pinch zoom, no swipe-back, no background traffic from the kiosk window. */
export const CHROMIUM_SWITCHES: ReadonlyArray<readonly [string, string?]> = [
  ['disable-pinch'],
  ['overscroll-history-navigation', '0'],
  ['disable-background-networking'],
  ['disable-component-update'],
  ['disable-sync'],
  ['no-first-run'],
  // The voice guidance speaks as each screen appears, before any touch (docs/speech.md).
  ['autoplay-policy', 'no-user-gesture-required'],
];

/**
 * Delay before the window is recreated after its renderer died. Quick the first time so the customer
 * barely notices; backing off when the renderer keeps dying so a crash loop does not spin the CPU.
 */
export function relaunchDelayMs(recentCrashes: number): number {
  const base = 500;
  const max = 30_000;
  return Math.min(max, base * 2 ** Math.max(0, recentCrashes - 1));
}

/** Delay before retrying to load the UI when the server was not reachable (it may still be starting). */
export const LOAD_RETRY_DELAY_MS = 2_000;

/** Renderer exits that are not crashes and need no relaunch. */
export function isRendererCrash(reason: string): boolean {
  return reason !== 'clean-exit';
}

/** Thrown when the launch URL file could leak its secret (readable or writable by others). */
export class KioskUrlFileError extends Error {
  override readonly name = 'KioskUrlFileError';
}

/**
 * The launch URL read from the file the kiosk core writes at each start (`--url-file`): it carries
 * the per-launch secret, so the file must be private to its owner (mode 0600 or stricter), and its
 * content must be a loopback UI address like `--url`.
 */
export function parseKioskUrlFile(text: string, mode: number): URL {
  if ((mode & 0o077) !== 0) {
    throw new KioskUrlFileError('the UI URL file must be readable by its owner only (chmod 600)');
  }
  return parseKioskUrl(text.trim());
}

/** How often the shell looks at the URL file for a restarted core (a new port and secret). */
export const URL_FILE_POLL_MS = 1_000;
