import type { OpsApi } from './api-client';
import type { Translator } from './i18n';
import { FunnelView } from './views/funnel-view';
import { KioskPageView } from './views/kiosk-page';

/** The page a hash names: the board (`#/` or none), one kiosk (`#/kiosks/<id>`), the funnel. */
export type HashRoute = { view: 'board' } | { view: 'kiosk'; kioskId: string } | { view: 'funnel' };

export function routeOfHash(hash: string): HashRoute {
  const kiosk = /^#\/kiosks\/([A-Za-z0-9_-]{1,64})$/.exec(hash);
  if (kiosk?.[1]) return { view: 'kiosk', kioskId: kiosk[1] };
  if (hash === '#/funnel') return { view: 'funnel' };
  return { view: 'board' };
}

export interface HashRouteContext {
  api: OpsApi;
  t: () => Translator;
  role: () => 'admin' | 'viewer';
}

/**
 * Shows the kiosk page or the funnel over the board when the hash names them; the board keeps
 * running (live) underneath. Returns the function that stops following the hash.
 */
export function followHashRoutes(root: HTMLElement, context: HashRouteContext): () => void {
  let shown: { destroy(): void } | undefined;
  const show = () => {
    shown?.destroy();
    shown = undefined;
    const route = routeOfHash(window.location.hash);
    root.dataset.route = route.view;
    if (route.view === 'kiosk') {
      const view = new KioskPageView({
        api: context.api,
        t: context.t(),
        role: context.role(),
        kioskId: route.kioskId,
      });
      root.append(view.element);
      shown = view;
    } else if (route.view === 'funnel') {
      const view = new FunnelView(context.api, context.t());
      root.append(view.element);
      shown = view;
    }
  };
  window.addEventListener('hashchange', show);
  show();
  return () => {
    window.removeEventListener('hashchange', show);
    shown?.destroy();
    delete root.dataset.route;
  };
}
