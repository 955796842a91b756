import { afterEach, describe, expect, it } from 'vitest';
import { SessionHarness } from '../../state-machines/session/testing/session-harness';
import type { SessionViewModel } from '../../state-machines/session/view-model';
import { sessionViewModels } from './session-view-models';

let harness: SessionHarness;
afterEach(() => harness.stop());

describe('sessionViewModels', () => {
  it('gives the current view model and every change, once', async () => {
    harness = new SessionHarness();
    const source = sessionViewModels(harness.actor);
    expect(source.current().screen).toBe('idle');
    const seen: SessionViewModel[] = [];
    const unsubscribe = source.subscribe((vm) => seen.push(vm));

    await harness.send({ type: 'session.start' });
    expect(seen.map((vm) => vm.screen)).toEqual(['choose-procedure']);
    // "I am still here" re-enters the screen: a new snapshot, but nothing changes on screen.
    await harness.send({ type: 'session.continue' });
    expect(seen).toHaveLength(1);
    await harness.send({ type: 'language.select', language: 'en' });
    expect(seen.at(-1)).toMatchObject({ screen: 'choose-procedure', language: 'en' });

    unsubscribe();
    await harness.send({ type: 'procedure.select', procedure: 'signature-pin' });
    expect(seen).toHaveLength(2);
    expect(source.current().screen).toBe('consent');
  });
});
