import type { Actor } from 'xstate';
import type { SessionMachine } from '../../state-machines/session/session-machine';
import { type SessionViewModel, toViewModel } from '../../state-machines/session/view-model';
import type { ViewModelSource } from './ui-server';

/**
 * The running session actor as the UI server's view-model source. A snapshot that changes nothing
 * on screen (a timer re-entering a state, a device event during a session) is not sent again.
 */
export function sessionViewModels(actor: Actor<SessionMachine>): ViewModelSource<SessionViewModel> {
  return {
    current: () => toViewModel(actor.getSnapshot()),
    subscribe(listener) {
      let last = JSON.stringify(toViewModel(actor.getSnapshot()));
      const subscription = actor.subscribe((snapshot) => {
        const viewModel = toViewModel(snapshot);
        const json = JSON.stringify(viewModel);
        if (json === last) return;
        last = json;
        listener(viewModel);
      });
      return () => subscription.unsubscribe();
    },
  };
}
