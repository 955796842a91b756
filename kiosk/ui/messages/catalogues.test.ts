import { readdirSync } from 'node:fs';
import type { AnyStateNode, StateValue } from 'xstate';
import { describe, expect, it } from 'vitest';
import { CUSTOMER_ERROR_IDS, customerError } from '../../../state-machines/session/customer-errors';
import { NEW_PIN_PROBLEMS, PROCEDURES, type Procedure } from '../../../state-machines/session/pin-rules';
import { initialSessionContext } from '../../../state-machines/session/session-context';
import { sessionMachine } from '../../../state-machines/session/session-machine';
import { toViewModel } from '../../../state-machines/session/view-model';
import { uiTextKeys } from '../src/text-keys';
import { MESSAGES_DIR, loadCatalogues } from '../catalogues';

const catalogues = loadCatalogues();
const languages = Object.keys(catalogues);
const japanese = catalogues.ja ?? {};
const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

/** Every state of the kiosk region that names a screen, as a full state value of the machine. */
function screenStates(): StateValue[] {
  const values: StateValue[] = [];
  const visit = (node: AnyStateNode, path: string[]): void => {
    const meta = node.meta as { screen?: string; dialog?: string } | undefined;
    if (meta?.screen || meta?.dialog) {
      const kiosk = path.reduceRight<StateValue>((inner, key) => ({ [key]: inner }), {});
      const leaf = path.reduceRight<StateValue | undefined>(
        (inner, key) => (inner === undefined ? key : { [key]: inner }),
        undefined,
      );
      values.push({
        hours: 'open',
        devices: { reader: 'ready', card: 'present', api: 'available' },
        kiosk: leaf ?? kiosk,
      });
    }
    for (const [key, child] of Object.entries(node.states)) visit(child, [...path, key]);
  };
  const kiosk = sessionMachine.root.states.kiosk;
  if (!kiosk) throw new Error('the session machine has no kiosk region');
  visit(kiosk, []);
  return values;
}

/**
 * Every text key the machine's view model can carry: each screen state, with each procedure (and
 * none), each customer error as the ending error and as a PIN-screen notice.
 */
function machineTextKeys(): Set<string> {
  const keys = new Set<string>();
  const base = initialSessionContext({ offeredProcedures: PROCEDURES, now: Date.UTC(2025, 5, 2, 1) });
  const procedures: Array<Procedure | null> = [null, ...PROCEDURES];
  for (const value of screenStates()) {
    for (const procedure of procedures) {
      const problems = [
        null,
        ...CUSTOMER_ERROR_IDS.map((id) => customerError(id)),
        // The new PIN's format notice names the rule this PIN broke.
        ...NEW_PIN_PROBLEMS.map((problem) => customerError('new-pin-format', { problem })),
        // A too-short entry names the PIN it is (4 digits, or 6–16 letters and digits).
        ...(['auth', 'sign'] as const).map((pin) => customerError('pin-too-short', { pin })),
      ];
      for (const problem of problems) {
        const context = { ...base, procedure, error: problem, notice: problem };
        const vm = toViewModel(sessionMachine.resolveState({ value, context }));
        keys.add(vm.title.key);
        for (const view of [vm.error, vm.notice]) {
          if (view) for (const key of Object.values(view.texts)) keys.add(key);
        }
        if (vm.help)
          for (const key of [vm.help.whatLabel, vm.help.what, vm.help.need, vm.help.ask])
            if (key) keys.add(key);
      }
    }
  }
  return keys;
}

describe('message catalogues', () => {
  it('include Japanese, English, Chinese, Korean, Vietnamese and Brazilian Portuguese, Japanese first', () => {
    expect(languages[0]).toBe('ja');
    expect([...languages].sort()).toEqual(['en', 'ja', 'ko', 'pt-BR', 'vi', 'zh']);
  });

  it('every file in the messages folder is a catalogue the kiosk loads (none skipped by its name)', () => {
    const files = readdirSync(MESSAGES_DIR).filter((name) => name.endsWith('.json'));
    expect(files.map((name) => name.slice(0, -'.json'.length)).sort()).toEqual([...languages].sort());
  });

  it('the machine enumeration reaches every screen and every error', () => {
    const keys = machineTextKeys();
    expect(keys).toContain('screen.idle.title');
    expect(keys).toContain('screen.enter-current-pin.title.auth-pin');
    for (const id of CUSTOMER_ERROR_IDS) expect(keys).toContain(`error.${id}.next`);
    expect(keys).toContain('help.enter-current-pin.need.auth-pin');
    expect(keys).toContain('error.new-pin-format.explanation.needs-letter');
    expect(keys).toContain('error.pin-too-short.explanation.sign');
    expect(keys).toContain('help.idle.ask');
    expect(keys).toContain('help.whatLabel');
    expect(keys).toContain('help.idle.whatLabel');
  });

  it.each(languages)('%s has every key the view model or the UI can ask for', (language) => {
    const catalogue = catalogues[language] ?? {};
    const missing = [...machineTextKeys(), ...uiTextKeys()].filter((key) => !catalogue[key]?.trim());
    expect(missing).toEqual([]);
  });

  it.each(languages)('%s has exactly the keys of ja.json', (language) => {
    expect(Object.keys(catalogues[language] ?? {}).sort()).toEqual(Object.keys(japanese).sort());
  });

  it('ja.json holds no key that nothing asks for', () => {
    const used = new Set([...machineTextKeys(), ...uiTextKeys()]);
    expect(Object.keys(japanese).filter((key) => !used.has(key))).toEqual([]);
  });

  it.each(languages)('%s uses the same {placeholders} as Japanese in every text', (language) => {
    const catalogue = catalogues[language] ?? {};
    for (const [key, text] of Object.entries(japanese)) {
      expect(placeholders(catalogue[key] ?? ''), key).toEqual(placeholders(text));
    }
  });

  it.each(languages)('%s gives every customer error a title, an explanation and a next step', (language) => {
    const catalogue = catalogues[language] ?? {};
    for (const code of CUSTOMER_ERROR_IDS) {
      for (const part of ['title', 'explanation', 'next']) {
        expect(catalogue[`error.${code}.${part}`]?.trim(), `error.${code}.${part}`).toBeTruthy();
      }
    }
  });
});
