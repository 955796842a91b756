import { describe, expect, it } from 'vitest';
import type { FleetAlert } from '../../contract';
import { alertDetail } from '../../fleet/alert-details';
import { shownDetail } from './alert-detail-text';
import { Translator } from './i18n';

const base: FleetAlert = {
  alertId: 'alrt_0000000001',
  kind: 'repeated-failures',
  severity: 'warning',
  kioskId: 'lawson-0042-k000001',
  ...alertDetail('failed-sessions', { count: 1234, minutes: 15 }),
  openedAt: 1,
  updatedAt: 1,
  resolvedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
};

describe("an alert's detail in the operator's language", () => {
  it('renders the key with its params in Japanese and English, numbers formatted', () => {
    expect(shownDetail(new Translator('ja'), base)).toEqual({
      text: '15分間に端末・サービス起因の失敗1,234件',
      lang: 'ja',
    });
    expect(shownDetail(new Translator('en'), base)).toEqual({
      text: '1,234 device or service failures in 15 min',
      lang: 'en',
    });
  });

  it("falls back to the API's English text for an alert stored before keys, or a key newer than the page", () => {
    const legacy = { ...base, detailKey: '', detailParams: {}, detail: 'reader: absent' };
    expect(shownDetail(new Translator('ja'), legacy)).toEqual({ text: 'reader: absent', lang: 'en' });
    const newer = { ...base, detailKey: 'from-the-future' };
    expect(shownDetail(new Translator('ja'), newer)).toEqual({ text: base.detail, lang: 'en' });
    expect(shownDetail(new Translator('ja'), { ...legacy, detail: '' })).toBeNull();
  });
});
