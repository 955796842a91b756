import { describe, expect, it } from 'vitest';
import { shortKioskId } from './fleet-panel';

describe('short kiosk id', () => {
  it('drops the chain and store the row already shows, whatever their case', () => {
    expect(shortKioskId('lawson-0042-k3c4d5', 'lawson', '0042')).toBe('k3c4d5');
    expect(shortKioskId('seven-eleven-s0-k76c15f', 'seven-eleven', 'S0')).toBe('k76c15f');
  });

  it('keeps an id of another shape whole', () => {
    expect(shortKioskId('kiosk-17', 'lawson', '0042')).toBe('kiosk-17');
    expect(shortKioskId('lawson-0042-', 'lawson', '0042')).toBe('lawson-0042-');
  });
});
