// Schedule: the queue as a month calendar and as a list; schedule a piece, reschedule or cancel
// an entry; what `unknown` means and what to do about it.

import { call, get } from '../api';
import { field, h, localInput, replace, select, when } from '../dom';
import { showError } from '../errors';
import { listAccounts, publishForm } from '../publish';
import { POST_STATUSES, label, type Page, type Piece, type ScheduledPost } from '../types';

const UNKNOWN_HELP =
  'Unknown: the platform may or may not have posted it. The request was sent, but the answer was lost ' +
  '(a timeout or a dropped connection) on a platform without idempotency keys (X, LinkedIn, Bluesky, Facebook), ' +
  'so splants will not send it again: that could post it twice. Look at the account: if the post is not there, ' +
  'publish the piece again from the Library.';

function dayKey(d: Date): string {
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** The Schedule page. */
export function schedulePage(main: HTMLElement): void {
  let month = new Date();
  month = new Date(month.getFullYear(), month.getMonth(), 1);
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter the schedule', novalidate: true });
  const accountSel = select('account', [['', 'Any']]);
  filters.append(
    h(
      'div',
      { class: 'grid' },
      field('Status', select('status', [['', 'Any'], ...POST_STATUSES.map((s): [string, string] => [s, label(s)])])),
      field('Account', accountSel),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show')),
  );
  void listAccounts().then(
    (list) => accountSel.append(...list.map((a) => h('option', { value: a.name }, `${a.name} (${label(a.platform)})`))),
    () => undefined,
  );
  const status = h('p', { class: 'status', role: 'status' });
  const calendar = h('div', { class: 'calendar-wrap' });
  const list = h('div', { class: 'schedule-list' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'More entries' });
  const newPost = h('section', { class: 'new-post', 'aria-labelledby': 'new-post-h' });
  main.append(
    h('details', { class: 'help' }, h('summary', {}, 'What does “unknown” mean?'), h('p', {}, UNKNOWN_HELP)),
    filters,
    status,
    h('h2', {}, 'Calendar'),
    calendar,
    h('h2', {}, 'List'),
    list,
    pager,
    newPost,
  );

  let cursor: string | null = null;
  let entries: ScheduledPost[] = [];

  const load = async (more = false) => {
    status.textContent = 'Loading…';
    const q: Record<string, string> = { limit: '100' };
    for (const n of ['status', 'account']) {
      const v = (filters.elements.namedItem(n) as HTMLSelectElement).value;
      if (v) q[n] = v;
    }
    q.since = month.toISOString();
    q.until = new Date(month.getFullYear(), month.getMonth() + 1, 1).toISOString();
    try {
      const r = await get<Page<ScheduledPost>>('/v1/schedule', { ...q, cursor: more ? cursor : undefined });
      entries = more ? [...entries, ...r.items] : r.items;
      cursor = r.next_cursor;
      status.textContent = `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} in ${month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' })}.`;
      drawCalendar();
      drawList();
      const moreBtn = h('button', { type: 'button', class: 'secondary' }, 'Load more');
      moreBtn.addEventListener('click', () => void load(true));
      replace(pager, cursor ? moreBtn : null);
    } catch (e) {
      status.textContent = '';
      showError(list, e, filters);
    }
  };

  const drawCalendar = () => {
    const byDay = new Map<string, ScheduledPost[]>();
    for (const p of entries) {
      const k = dayKey(new Date(p.scheduled_time));
      byDay.set(k, [...(byDay.get(k) ?? []), p]);
    }
    const first = (month.getDay() + 6) % 7;
    const days = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
    const rows: HTMLElement[] = [];
    let cells: HTMLElement[] = [];
    for (let i = 0; i < first; i++) cells.push(h('td', { class: 'pad' }));
    for (let d = 1; d <= days; d++) {
      const date = new Date(month.getFullYear(), month.getMonth(), d);
      const posts = byDay.get(dayKey(date)) ?? [];
      const today = dayKey(date) === dayKey(new Date());
      cells.push(
        h(
          'td',
          { class: today ? 'today' : null },
          h('span', { class: 'day' }, String(d)),
          posts.length
            ? h(
                'ul',
                {},
                ...posts.map((p) =>
                  h('li', { class: `entry status-${p.status}` }, `${new Date(p.scheduled_time).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })} ${p.account} (${p.status})`),
                ),
              )
            : null,
        ),
      );
      if (cells.length === 7) {
        rows.push(h('tr', {}, ...cells));
        cells = [];
      }
    }
    if (cells.length) {
      while (cells.length < 7) cells.push(h('td', { class: 'pad' }));
      rows.push(h('tr', {}, ...cells));
    }
    const prev = h('button', { type: 'button', class: 'secondary' }, 'Previous month');
    const next = h('button', { type: 'button', class: 'secondary' }, 'Next month');
    prev.addEventListener('click', () => {
      month = new Date(month.getFullYear(), month.getMonth() - 1, 1);
      void load();
    });
    next.addEventListener('click', () => {
      month = new Date(month.getFullYear(), month.getMonth() + 1, 1);
      void load();
    });
    const title = month.toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
    replace(
      calendar,
      h('div', { class: 'actions' }, prev, next),
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `Calendar of ${title}` },
        h(
          'table',
          { class: 'calendar' },
          h('caption', {}, title),
          h('thead', {}, h('tr', {}, ...['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => h('th', { scope: 'col' }, d)))),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  };

  const drawList = () => {
    if (entries.length === 0) {
      replace(list, h('p', { class: 'muted' }, 'Nothing scheduled in this month.'));
      return;
    }
    replace(list, h('ul', { class: 'entries' }, ...entries.map(entryItem)));
  };

  const entryItem = (p: ScheduledPost): HTMLElement => {
    const li = h('li', { class: `entry-card status-${p.status}`, 'data-id': p.id });
    const out = h('div', { role: 'status' });
    li.append(
      h('p', { class: 'entry-head' }, h('strong', {}, when(p.scheduled_time)), ` · ${p.account} (${label(p.platform)}) · `, h('span', { class: `badge status-${p.status}` }, label(p.status))),
      h('p', { class: 'entry-text' }, p.parts[0] ?? '', p.parts.length > 1 ? ` (+${p.parts.length - 1} more posts in the thread)` : ''),
    );
    if (p.status === 'unknown') li.append(h('p', { class: 'alert warn' }, UNKNOWN_HELP, p.last_error ? ` Last error: ${p.last_error}` : ''));
    else if (p.last_error) li.append(h('p', { class: 'muted' }, `Last error (attempt ${p.attempts}): ${p.last_error}`));
    if (p.post_url) li.append(h('p', {}, h('a', { href: p.post_url, rel: 'noopener noreferrer', target: '_blank' }, 'See the post')));
    if (p.status === 'scheduled') {
      const at = h('input', { type: 'datetime-local', name: 'scheduled_time', value: localInput(new Date(p.scheduled_time)), id: `at-${p.id}` });
      const save = h('button', { type: 'button' }, 'Reschedule');
      const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel post');
      save.addEventListener('click', async () => {
        try {
          await call('PATCH', `/v1/schedule/${encodeURIComponent(p.id)}`, { scheduled_time: new Date(at.value).toISOString() });
          void load();
        } catch (e) {
          showError(out, e, li);
        }
      });
      cancel.addEventListener('click', async () => {
        if (!confirm('Cancel this post? It will not be published.')) return;
        try {
          await call('DELETE', `/v1/schedule/${encodeURIComponent(p.id)}`);
          void load();
        } catch (e) {
          showError(out, e);
        }
      });
      li.append(h('div', { class: 'entry-actions' }, field('New time', at), save, cancel));
    }
    li.append(out);
    return li;
  };

  const drawNewPost = async () => {
    replace(newPost, h('h2', { id: 'new-post-h' }, 'Schedule a piece'));
    try {
      const recent = await get<Page<Piece>>('/v1/content', { limit: 50 });
      if (recent.items.length === 0) {
        newPost.append(h('p', { class: 'muted' }, 'The library is empty: generate a piece first.'));
        return;
      }
      const pick = select('content_id', recent.items.map((p) => [p.id, `${p.topic} (${label(p.content_type)}, ${when(p.created_at)})`]));
      newPost.append(field('Piece', pick), publishForm(() => pick.value, (posts) => {
        const t = posts[0] ? new Date(posts[0].scheduled_time) : null;
        if (t) month = new Date(t.getFullYear(), t.getMonth(), 1);
        void load();
      }));
    } catch (e) {
      const box = h('div', {});
      newPost.append(box);
      showError(box, e);
    }
  };

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  void load();
  void drawNewPost();
}
