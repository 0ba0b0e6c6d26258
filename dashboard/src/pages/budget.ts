// Budget: each scope's spend, held and limit as a gauge, the alert thresholds, days left.

import { get } from '../api';
import { gauge } from '../charts';
import { h, replace, usd, when } from '../dom';
import { showError } from '../errors';
import type { BudgetAnswer, BudgetStatus } from '../types';

function scopeTitle(s: string): string {
  if (s === 'global') return 'Global budget';
  if (s.startsWith('key:')) return `This key’s budget (${s.slice(4)})`;
  if (s.startsWith('tenant:')) return `Tenant ${s.slice(7)}`;
  return s;
}

function card(s: BudgetStatus, thresholds: number[]): HTMLElement {
  const id = `scope-${s.scope.replace(/[^a-z0-9]/gi, '-')}`;
  const used = s.limit ? ((s.spent + s.reserved) / s.limit) * 100 : null;
  const passed = s.limit ? thresholds.filter((t) => (s.spent / (s.limit ?? 1)) * 100 >= t) : [];
  return h(
    'section',
    { class: 'budget-card', 'aria-labelledby': id },
    h('h2', { id }, scopeTitle(s.scope)),
    s.limit
      ? gauge({ label: scopeTitle(s.scope), spent: s.spent, held: s.reserved, limit: s.limit, thresholds, format: usd })
      : h('p', { class: 'muted' }, 'No limit: spend is recorded, never refused.'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Spent'), h('dd', {}, usd(s.spent)),
      h('dt', {}, 'Held by calls in flight'), h('dd', {}, `${usd(s.reserved)} (${s.in_flight} ${s.in_flight === 1 ? 'call' : 'calls'})`),
      h('dt', {}, 'Limit'), h('dd', {}, s.limit === null ? 'none' : usd(s.limit)),
      h('dt', {}, 'Left'), h('dd', {}, s.remaining === null ? '—' : usd(s.remaining)),
      h('dt', {}, 'Used'), h('dd', {}, used === null ? '—' : `${used.toFixed(1)} %`),
      h('dt', {}, 'Days left'), h('dd', {}, `${s.remaining_days} (resets ${when(s.period_end)})`),
      h('dt', {}, 'Alerts at'), h('dd', {}, thresholds.length ? thresholds.map((t) => `${t} %`).join(', ') + (passed.length ? `; passed: ${passed.map((t) => `${t} %`).join(', ')}` : '; none passed yet') : 'none'),
      s.overshoot_count ? h('dt', {}, 'Over estimate') : null,
      s.overshoot_count ? h('dd', {}, `${s.overshoot_count} calls cost ${usd(s.overshoot)} more than estimated`) : null,
    ),
  );
}

/** The Budget page. */
export function budgetPage(main: HTMLElement): void {
  const out = h('div', { class: 'budgets' });
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  main.append(
    h('p', { class: 'hint' }, 'Each bar: spent (solid), held by calls being written (lighter), what is left (empty). Ticks mark the alert thresholds.'),
    h('div', { class: 'actions' }, refresh),
    out,
  );
  const load = async () => {
    try {
      const b = await get<BudgetAnswer>('/v1/budget');
      replace(out, ...b.scopes.map((s) => card(s, b.alert_thresholds ?? [])));
    } catch (e) {
      showError(out, e);
    }
  };
  refresh.addEventListener('click', () => void load());
  void load();
}
