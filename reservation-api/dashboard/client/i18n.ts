/** The dashboard's languages: Japanese first (ops staff are Japanese), English on a toggle. */
export const DASHBOARD_LANGUAGES = ['ja', 'en'] as const;
export type DashboardLanguage = (typeof DASHBOARD_LANGUAGES)[number];
