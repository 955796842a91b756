import { DASHBOARD_LANGUAGES, type DashboardLanguage } from './i18n';

const root = document.getElementById('app');
const requested = document.documentElement.dataset.defaultLanguage;
const language: DashboardLanguage = DASHBOARD_LANGUAGES.find((l) => l === requested) ?? 'ja';
if (root) {
  root.dataset.view = 'login';
  root.textContent = language === 'ja' ? '運用ダッシュボード' : 'Operations dashboard';
}
