import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { CUSTOMER_ERRORS, isCustomerErrorId } from '../../../../state-machines/session/customer-errors';
import { button, h } from '../../../../web/dom';
import type { Translator } from '../i18n';
import { causesByCount, type SessionSeries, seriesTotals } from '../series-model';
import type { SeriesBucket } from '../api-client';

// Only the pieces used are registered, so esbuild leaves the rest of chart.js out of the bundle.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const FONT_FAMILY = "'IPAPGothic', 'IPAGothic', 'IPAexGothic', system-ui, sans-serif";
Chart.defaults.font.family = FONT_FAMILY;
Chart.defaults.font.size = 13;
Chart.defaults.color = '#222';

/** Same meaning, same colour everywhere on the page. */
const COLOURS = { completed: '#1b7f3b', failed: '#c62828', cancelled: '#8a8f98' } as const;
/** Causes beyond this many are summed into "other" so the bars stay readable. */
const MAX_CAUSES = 7;

export interface ChartPanelsOptions {
  bucket: SeriesBucket;
  onBucket(bucket: SeriesBucket): void;
}

/** The cause's operator label with its on-screen code (what the customer quotes), e.g. "E-032 PIN blocked". */
export function causeLabel(t: Translator, cause: string): string {
  const code = isCustomerErrorId(cause) ? `${CUSTOMER_ERRORS[cause].displayCode} ` : '';
  return `${code}${t.has(`cause.${cause}`) ? t.t(`cause.${cause}`) : cause}`;
}

/**
 * Two chart.js charts: sessions per time bucket (resets, failures and cancellations stacked) and
 * failures by cause. They are updated in place on every change; each heading states the totals
 * as text too, so the numbers are readable without reading bars.
 */
export class ChartPanels {
  readonly overTime: HTMLElement;
  readonly byCause: HTMLElement;
  private readonly totals = h('span', { class: 'panel-count', 'data-series-totals': '' });
  private readonly causeNote = h('span', { class: 'panel-count', 'data-cause-totals': '' });
  private readonly timeChart: Chart<'bar', number[], string>;
  private readonly causeChart: Chart<'bar', number[], string>;

  constructor(
    private readonly t: Translator,
    options: ChartPanelsOptions,
  ) {
    const timeCanvas = h('canvas', { role: 'img', 'aria-label': t.t('charts.overTime') });
    const causeCanvas = h('canvas', { role: 'img', 'aria-label': t.t('charts.byCause') });
    const rangeButton = (bucket: SeriesBucket) =>
      button(
        {
          class: `range${bucket === options.bucket ? ' selected' : ''}`,
          'aria-pressed': String(bucket === options.bucket),
        },
        t.t(`charts.range.${bucket}`),
        () => options.onBucket(bucket),
      );
    this.overTime = h(
      'section',
      { class: 'panel chart over-time', 'aria-labelledby': 'chart-time-title' },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: 'chart-time-title' }, t.t('charts.overTime')),
        this.totals,
        h('div', { class: 'ranges' }, rangeButton('minute'), rangeButton('hour')),
      ),
      h('div', { class: 'chart-box' }, timeCanvas),
    );
    this.byCause = h(
      'section',
      { class: 'panel chart by-cause', 'aria-labelledby': 'chart-cause-title' },
      h(
        'div',
        { class: 'panel-head' },
        h('h2', { id: 'chart-cause-title' }, t.t('charts.byCause')),
        this.causeNote,
      ),
      h('div', { class: 'chart-box' }, causeCanvas),
    );
    this.timeChart = new Chart(timeCanvas, this.timeConfig());
    this.causeChart = new Chart(causeCanvas, this.causeConfig());
    // Axis labels are measured when drawn; measure again once the Japanese font is surely in use.
    void document.fonts.ready.then(() => {
      this.timeChart.update('none');
      this.causeChart.update('none');
    });
  }

  update(series: SessionSeries): void {
    const { t } = this;
    const totals = seriesTotals(series);
    this.totals.textContent = t.t('charts.totals', {
      completed: t.count(totals.completed),
      failed: t.count(totals.failed),
      cancelled: t.count(totals.cancelled),
    });
    this.totals.dataset.completed = String(totals.completed);
    this.totals.dataset.failed = String(totals.failed);
    this.totals.dataset.cancelled = String(totals.cancelled);

    const time = this.timeChart.data;
    time.labels = series.points.map((point) => t.clockTime(point.at));
    const [completed, failed, cancelled] = time.datasets;
    if (completed) completed.data = series.points.map((point) => point.completed);
    if (failed) failed.data = series.points.map((point) => point.failed);
    if (cancelled) cancelled.data = series.points.map((point) => point.cancelled);
    this.timeChart.update('none');

    const ranked = causesByCount(totals.causes);
    const shown = ranked.slice(0, MAX_CAUSES);
    const rest = ranked.slice(MAX_CAUSES).reduce((sum, [, count]) => sum + count, 0);
    const cause = this.causeChart.data;
    cause.labels = [...shown.map(([id]) => causeLabel(t, id)), ...(rest > 0 ? [t.t('cause.other')] : [])];
    const [bars] = cause.datasets;
    if (bars) bars.data = [...shown.map(([, count]) => count), ...(rest > 0 ? [rest] : [])];
    this.causeChart.update('none');
    this.causeNote.textContent = ranked.length === 0 ? t.t('charts.noFailures') : '';
    this.causeNote.dataset.causes = ranked.map(([id, count]) => `${id}=${count}`).join(',');
  }

  destroy(): void {
    this.timeChart.destroy();
    this.causeChart.destroy();
  }

  private timeConfig(): ChartConfiguration<'bar', number[], string> {
    const { t } = this;
    const dataset = (key: keyof typeof COLOURS) => ({
      label: t.t(`charts.${key}`),
      data: [] as number[],
      backgroundColor: COLOURS[key],
      stack: 'sessions',
    });
    return {
      type: 'bar',
      data: { labels: [], datasets: [dataset('completed'), dataset('failed'), dataset('cancelled')] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: {
          x: { stacked: true, ticks: { maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false } },
          y: {
            stacked: true,
            beginAtZero: true,
            ticks: { precision: 0 },
            title: { display: true, text: t.t('charts.count') },
          },
        },
        plugins: { legend: { position: 'top', align: 'end', labels: { boxWidth: 14 } } },
      },
    };
  }

  private causeConfig(): ChartConfiguration<'bar', number[], string> {
    return {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          {
            label: this.t.t('charts.failed'),
            data: [],
            backgroundColor: COLOURS.failed,
            maxBarThickness: 22,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
        plugins: { legend: { display: false } },
      },
    };
  }
}
