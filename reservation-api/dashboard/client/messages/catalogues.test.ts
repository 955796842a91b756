import { describe, expect, it } from 'vitest';
import { ALERT_DETAIL_PARAMS, ALERT_KINDS, CHAIN_IDS, FLEET_STATUSES } from '../../../contract';
import { CUSTOMER_ERROR_IDS, SCREEN_IDS } from '../../../../state-machines/session';
import { CATALOGUES, DASHBOARD_LANGUAGES } from '../i18n';

/** Every text the board can ask for exists in every language, with the same placeholders. */

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dashboard catalogues', () => {
  const required = [
    ...ALERT_KINDS.flatMap((kind) => [`alert.${kind}.title`, `alert.${kind}.action`]),
    ...Object.keys(ALERT_DETAIL_PARAMS).map((key) => `detail.${key}`),
    ...FLEET_STATUSES.map((status) => `status.${status}`),
    ...SCREEN_IDS.map((screen) => `state.${screen}`),
    ...CUSTOMER_ERROR_IDS.map((cause) => `cause.${cause}`),
    'cause.other',
    ...CHAIN_IDS.map((chain) => `chain.${chain}`),
    ...['critical', 'warning', 'ok', 'revoked'].map((health) => `health.${health}`),
    ...['ready', 'absent', 'unavailable', 'unknown'].map((reader) => `reader.${reader}`),
    ...['admin', 'viewer'].map((role) => `role.${role}`),
    ...['live', 'connecting', 'reconnecting'].map((state) => `connection.${state}`),
  ];

  for (const language of DASHBOARD_LANGUAGES) {
    it(`${language} has every key the board uses`, () => {
      const missing = required.filter((key) => !Object.hasOwn(CATALOGUES[language], key));
      expect(missing).toEqual([]);
    });
  }

  it("uses exactly each alert detail's params as placeholders", () => {
    for (const language of DASHBOARD_LANGUAGES) {
      for (const [key, params] of Object.entries(ALERT_DETAIL_PARAMS)) {
        expect(placeholders(CATALOGUES[language][`detail.${key}`] ?? ''), `${language} ${key}`).toEqual(
          [...params].sort(),
        );
      }
    }
  });

  it('has the same keys and placeholders in every language, none empty', () => {
    const [first, ...others] = DASHBOARD_LANGUAGES.map((language) => CATALOGUES[language]);
    if (!first) throw new Error('no catalogue');
    for (const other of others) {
      expect(Object.keys(other).sort()).toEqual(Object.keys(first).sort());
      for (const [key, text] of Object.entries(first)) {
        expect(placeholders(other[key] ?? ''), key).toEqual(placeholders(text));
      }
    }
    for (const catalogue of [first, ...others]) {
      expect(Object.entries(catalogue).filter(([, text]) => text.trim() === '')).toEqual([]);
    }
  });
});
