import type { ViewModelSource } from '../../../kiosk/ui-server/ui-server';

/** An in-test view-model source: the test pushes view models, as the session machine would. */
export interface FixtureSource<ViewModel> extends ViewModelSource<ViewModel> {
  push(viewModel: ViewModel): void;
}

export function fixtureSource<ViewModel>(initial: ViewModel): FixtureSource<ViewModel> {
  let current = initial;
  const listeners = new Set<(viewModel: ViewModel) => void>();
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push(viewModel) {
      current = viewModel;
      for (const listener of listeners) listener(viewModel);
    },
  };
}
