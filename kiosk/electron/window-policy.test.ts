import { describe, expect, it } from 'vitest';
import {
  KioskUrlError,
  KioskUrlFileError,
  NEW_WINDOW_ACTION,
  SHELL_CONTENT_SECURITY_POLICY,
  isAllowedNavigation,
  isPermissionGranted,
  isRendererCrash,
  kioskWindowOptions,
  parseKioskUrl,
  parseKioskUrlFile,
  relaunchDelayMs,
} from './window-policy';

const ui = new URL('http://127.0.0.1:43123/?k=secret');

describe('parseKioskUrl', () => {
  it('accepts the UI server on loopback', () => {
    expect(parseKioskUrl('http://127.0.0.1:43123/?k=abc').origin).toBe('http://127.0.0.1:43123');
    expect(parseKioskUrl('http://[::1]:8080/').port).toBe('8080');
  });

  it.each([
    [undefined],
    [''],
    ['not a url'],
    ['https://127.0.0.1:4000/'],
    ['http://192.168.1.10:4000/'],
    ['http://example.com/'],
    ['http://localhost.evil.example/'],
    ['file:///etc/passwd'],
    ['http://user:pw@127.0.0.1:4000/'],
  ])('refuses %s', (raw) => {
    expect(() => parseKioskUrl(raw)).toThrow(KioskUrlError);
  });
});

describe('isAllowedNavigation', () => {
  it('allows the UI origin only', () => {
    expect(isAllowedNavigation('http://127.0.0.1:43123/', ui)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:43123/app.js', ui)).toBe(true);
  });

  it.each([
    'http://127.0.0.1:43124/',
    'https://127.0.0.1:43123/',
    'http://localhost:43123/',
    'http://example.com/',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'javascript:alert(1)',
    'about:blank',
    'chrome://settings',
    '',
  ])('denies %s', (target) => {
    expect(isAllowedNavigation(target, ui)).toBe(false);
  });
});

describe('kiosk window', () => {
  it('is a fullscreen, frameless kiosk at the documented resolution', () => {
    const options = kioskWindowOptions();
    expect(options).toMatchObject({ kiosk: true, fullscreen: true, frame: false, width: 1280, height: 800 });
  });

  it('runs the renderer isolated, sandboxed, without Node and without devtools', () => {
    expect(kioskWindowOptions().webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
    expect(kioskWindowOptions().webPreferences?.preload).toBeUndefined();
  });

  it('denies new windows and every permission', () => {
    expect(NEW_WINDOW_ACTION).toEqual({ action: 'deny' });
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'hid',
      'usb',
      'serial',
    ]) {
      expect(isPermissionGranted(permission)).toBe(false);
    }
  });

  it('adds a CSP that allows scripts from the UI origin only', () => {
    expect(SHELL_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(SHELL_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(SHELL_CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline');
    expect(SHELL_CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });
});

describe('renderer crash relaunch', () => {
  it('relaunches on every exit but a clean one', () => {
    for (const reason of [
      'crashed',
      'killed',
      'oom',
      'abnormal-exit',
      'launch-failed',
      'integrity-failure',
    ]) {
      expect(isRendererCrash(reason)).toBe(true);
    }
    expect(isRendererCrash('clean-exit')).toBe(false);
  });

  it('backs off when the renderer keeps dying, up to a cap', () => {
    expect(relaunchDelayMs(1)).toBe(500);
    expect(relaunchDelayMs(2)).toBe(1_000);
    expect(relaunchDelayMs(3)).toBe(2_000);
    expect(relaunchDelayMs(50)).toBe(30_000);
  });
});

describe('parseKioskUrlFile (--url-file, rewritten by the core at each start)', () => {
  it('reads the launch URL a restarted core wrote, trailing newline included', () => {
    expect(parseKioskUrlFile('http://127.0.0.1:41234/?k=abc\n', 0o100600).port).toBe('41234');
    expect(parseKioskUrlFile('http://127.0.0.1:41234/?k=abc', 0o400).href).toBe(
      'http://127.0.0.1:41234/?k=abc',
    );
  });

  it.each([0o644, 0o640, 0o604, 0o620, 0o660])(
    'refuses a file others can read or write (mode %o)',
    (mode) => {
      expect(() => parseKioskUrlFile('http://127.0.0.1:41234/?k=abc', mode)).toThrow(KioskUrlFileError);
    },
  );

  it('applies the same loopback-only rule as --url', () => {
    expect(() => parseKioskUrlFile('https://example.com/?k=abc', 0o600)).toThrow(KioskUrlError);
    expect(() => parseKioskUrlFile('', 0o600)).toThrow(KioskUrlError);
  });
});
