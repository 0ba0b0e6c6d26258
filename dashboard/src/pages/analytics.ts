// Analytics: spend per day against the budget's daily pace, pieces per platform and type,
// engagement rates, best posting hours and ROI for a week, month, quarter or year.

import { get } from '../api';
import { barChart, listed } from '../charts';
import { field, h, pct, replace, select, usd } from '../dom';
import { showError } from '../errors';
import { label, type BudgetAnswer, type Engagement, type Overview, type Roi } from '../types';

const DAY = 86_400_000;

/** The first UTC midnight of the last `n` days (today included). */
function firstDay(n: number): number {
  const now = new Date();
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (n - 1) * DAY;
}

function days(first: number, n: number, rows: Overview['cost_per_day']): { label: string; value: number }[] {
  const byDate = new Map(rows.map((r) => [r.date.slice(0, 10), r.cost]));
  const out: { label: string; value: number }[] = [];
  for (let i = 0, t = first; i < n; i++, t += DAY) {
    const iso = new Date(t).toISOString().slice(0, 10);
    out.push({ label: new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }), value: byDate.get(iso) ?? 0 });
  }
  return out;
}

/** The Analytics page. */
export function analyticsPage(main: HTMLElement): void {
  const range = select('range', [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days']], '30');
  const form = h('form', { class: 'filters inline', 'aria-label': 'Range' }, field('Range', range), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show')));
  const status = h('p', { class: 'status', role: 'status' });
  const charts = h('div', { class: 'charts' });
  const roiBox = h('section', { class: 'roi', 'aria-labelledby': 'roi-h' });
  main.append(form, status, charts, roiBox);

  const load = async () => {
    status.textContent = 'Loading…';
    const n = Number(range.value);
    const first = firstDay(n);
    const q = { start_date: new Date(first).toISOString(), end_date: new Date(Date.now() + 60_000).toISOString() };
    try {
      const [ov, en, budget] = await Promise.all([
        get<Overview>('/v1/analytics', q),
        get<Engagement>('/v1/analytics/engagement', q),
        get<BudgetAnswer>('/v1/budget'),
      ]);
      status.textContent = `${ov.total_content} pieces, ${usd(ov.total_cost)} spent, average quality ${pct(ov.avg_quality)}.`;
      const global = budget.scopes.find((s) => s.scope === 'global');
      let line: { value: number; label: string } | undefined;
      if (global?.limit) {
        const periodDays = Math.max(1, Math.round((Date.parse(global.period_end) - Date.parse(global.period_start)) / DAY));
        line = { value: global.limit / periodDays, label: 'Budget per day' };
      }
      const spend = days(first, n, ov.cost_per_day);
      const total = spend.reduce((a, d) => a + d.value, 0);
      const count = (v: number) => String(Math.round(v));
      const rate = (v: number) => pct(v, 1);
      const platforms = ov.top_platforms.map((p) => ({ label: label(p.platform), value: p.count }));
      const types = ov.by_content_type.map((t) => ({ label: label(t.content_type ?? 'other'), value: t.count }));
      const engagement = en.by_platform.map((p) => ({ label: label(p.platform), value: p.engagement_rate }));
      replace(
        charts,
        h('dl', { class: 'kpis' },
          h('div', {}, h('dt', {}, 'Pieces'), h('dd', {}, String(ov.total_content))),
          h('div', {}, h('dt', {}, 'Spent'), h('dd', {}, usd(ov.total_cost))),
          h('div', {}, h('dt', {}, 'Average quality'), h('dd', {}, pct(ov.avg_quality))),
          h('div', {}, h('dt', {}, 'Engagement rate'), h('dd', {}, pct(en.engagement_rate, 1))),
        ),
        barChart({
          name: 'chart-spend',
          title: 'Spend per day',
          summary: `Spend per day over ${spend.length} days, ${usd(total)} in all` + (line ? `, against a budget pace of ${usd(line.value)} a day.` : '.'),
          data: spend,
          format: usd,
          line,
          columns: ['Day (UTC)', 'Spend'],
        }),
        barChart({
          name: 'chart-platforms',
          title: 'Pieces per platform',
          summary: listed(platforms, count, 'No pieces.'),
          data: platforms,
          format: count,
          columns: ['Platform', 'Pieces'],
          orientation: 'horizontal',
        }),
        barChart({
          name: 'chart-types',
          title: 'Pieces per content type',
          summary: listed(types, count, 'No pieces.'),
          data: types,
          format: count,
          columns: ['Content type', 'Pieces'],
          orientation: 'horizontal',
        }),
        barChart({
          name: 'chart-engagement',
          title: 'Engagement rate by platform',
          summary: listed(engagement, rate, 'No engagement events recorded.'),
          data: engagement,
          format: rate,
          columns: ['Platform', 'Engagement rate'],
          orientation: 'horizontal',
        }),
        barChart({
          name: 'chart-hours',
          title: 'Best posting hours (UTC)',
          summary: en.best_posting_hours.map((r) => `${r.hour}:00 ${pct(r.engagement_rate, 1)}`).join(', ') || 'No engagement events recorded.',
          data: [...en.best_posting_hours].sort((a, b) => a.hour - b.hour).map((r) => ({ label: `${String(r.hour).padStart(2, '0')}:00`, value: r.engagement_rate })),
          format: rate,
          columns: ['Hour (UTC)', 'Engagement rate'],
          width: 440,
        }),
      );
    } catch (e) {
      status.textContent = '';
      showError(charts, e);
    }
  };

  const period = select('time_period', [['week', 'Week'], ['month', 'Month'], ['quarter', 'Quarter'], ['year', 'Year']], 'month');
  const roiOut = h('div', {});
  replace(roiBox, h('h2', { id: 'roi-h' }, 'Return on investment'), field('Period', period), roiOut);
  const loadRoi = async () => {
    try {
      const r = await get<Roi>('/v1/analytics/roi', { time_period: period.value });
      replace(
        roiOut,
        h('dl', { class: 'kpis' },
          h('div', {}, h('dt', {}, 'Pieces'), h('dd', {}, String(r.pieces))),
          h('div', {}, h('dt', {}, 'AI cost'), h('dd', {}, usd(r.ai_cost))),
          h('div', {}, h('dt', {}, 'Freelance cost'), h('dd', {}, usd(r.freelance_cost))),
          h('div', {}, h('dt', {}, 'Saved'), h('dd', {}, usd(r.savings))),
          h('div', {}, h('dt', {}, 'ROI'), h('dd', {}, r.roi === null ? '—' : `${Math.round(r.roi).toLocaleString('en-US')}×`)),
          h('div', {}, h('dt', {}, 'Hours saved'), h('dd', {}, r.hours_saved.toFixed(1))),
          h('div', {}, h('dt', {}, 'Cost per piece'), h('dd', {}, usd(r.cost_per_piece))),
          h('div', {}, h('dt', {}, 'Attributed revenue'), h('dd', {}, usd(r.attributed_revenue))),
        ),
        barChart({
          name: 'chart-roi',
          title: `AI cost against a freelancer (${label(r.time_period)})`,
          summary: `${r.pieces} pieces cost ${usd(r.ai_cost)} with AI against ${usd(r.freelance_cost)} from a freelancer; ${usd(r.attributed_revenue)} revenue attributed.`,
          data: [
            { label: 'AI cost', value: r.ai_cost },
            { label: 'Freelance cost', value: r.freelance_cost },
            { label: 'Attributed revenue', value: r.attributed_revenue },
          ],
          format: usd,
          columns: ['', 'Dollars'],
          orientation: 'horizontal',
        }),
      );
    } catch (e) {
      showError(roiOut, e);
    }
  };
  period.addEventListener('change', () => void loadRoi());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  void load();
  void loadRoi();
}
