import { DashboardApp } from './dashboard-app';
import { pickLanguage } from './i18n';

/** Boots the dashboard: the operator's last language choice, else the page's default (Japanese). */
function storedLanguage(): string | null {
  try {
    return localStorage.getItem('ops-dashboard-language');
  } catch {
    return null;
  }
}

const root = document.getElementById('app');
if (root) {
  const language = pickLanguage(storedLanguage(), document.documentElement.dataset.defaultLanguage);
  document.documentElement.lang = language;
  void new DashboardApp(root, language).start();
}
