// Library: search and filters, cursor paging, and for each piece: view, delete, publish.

import { call, get } from '../api';
import { field, h, pct, replace, select, usd, when } from '../dom';
import { showError } from '../errors';
import { pieceView } from '../piece';
import { publishForm } from '../publish';
import { CONTENT_TYPES, PLATFORMS, label, type Page, type Piece } from '../types';

const opts = (values: readonly string[]): [string, string][] => values.map((v) => [v, label(v)]);

/** The Library page. */
export function libraryPage(main: HTMLElement): void {
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Library filters', novalidate: true });
  form.append(
    h(
      'div',
      { class: 'grid' },
      field('Search', h('input', { name: 'q', type: 'search', maxlength: 200 }), 'Text in the topic or the copy.'),
      field('Content type', select('content_type', [['', 'Any'], ...opts(CONTENT_TYPES)])),
      field('Platform', select('platform', [['', 'Any'], ...opts(PLATFORMS)])),
      field('Minimum quality', h('input', { name: 'min_quality', type: 'number', min: 0, max: 1, step: 0.05 }), '0 to 1.'),
      field('Created from', h('input', { name: 'since', type: 'date' })),
      field('Created before', h('input', { name: 'until', type: 'date' })),
      field('Completed after the caller left', select('caller_left', [['', 'Either'], ['true', 'Only those'], ['false', 'Only the others']])),
      field('Per page', select('limit', [['10', '10'], ['20', '20'], ['50', '50']], '20')),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Search'), h('button', { type: 'reset', class: 'secondary' }, 'Clear')),
  );
  const status = h('p', { class: 'status', role: 'status' });
  const results = h('div', { class: 'results' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages of results' });
  const detail = h('section', { class: 'detail', 'aria-label': 'The piece', hidden: true, tabindex: '-1' });
  main.append(form, status, results, pager, detail);

  const cursors: (string | null)[] = [null];
  let page = 0;

  const query = (): Record<string, string> => {
    const q: Record<string, string> = {};
    for (const n of ['q', 'content_type', 'platform', 'min_quality', 'caller_left', 'limit']) {
      const v = (form.elements.namedItem(n) as HTMLInputElement).value.trim();
      if (v) q[n] = v;
    }
    for (const n of ['since', 'until']) {
      const v = (form.elements.namedItem(n) as HTMLInputElement).value;
      if (v) q[n] = new Date(`${v}T00:00:00`).toISOString();
    }
    return q;
  };

  const load = async () => {
    status.textContent = 'Loading…';
    try {
      const r = await get<Page<Piece>>('/v1/content', { ...query(), cursor: cursors[page] ?? undefined });
      cursors[page + 1] = r.next_cursor;
      status.textContent = r.items.length === 0 ? 'No pieces match.' : `Page ${page + 1}: ${r.items.length} ${r.items.length === 1 ? 'piece' : 'pieces'}.`;
      drawList(r.items);
      const prev = h('button', { type: 'button', class: 'secondary', disabled: page === 0 }, 'Previous page');
      const next = h('button', { type: 'button', class: 'secondary', disabled: !r.next_cursor }, 'Next page');
      prev.addEventListener('click', () => {
        page -= 1;
        void load();
      });
      next.addEventListener('click', () => {
        page += 1;
        void load();
      });
      replace(pager, prev, next);
    } catch (e) {
      status.textContent = '';
      showError(results, e, form);
    }
  };

  const drawList = (items: Piece[]) => {
    if (items.length === 0) {
      results.replaceChildren();
      return;
    }
    const rows = items.map((p) => {
      const view = h('button', { type: 'button', class: 'link' }, 'View');
      const del = h('button', { type: 'button', class: 'link danger' }, 'Delete');
      view.addEventListener('click', () => show(p));
      del.addEventListener('click', async () => {
        if (!confirm(`Delete “${p.topic}”? This cannot be undone.`)) return;
        try {
          await call('DELETE', `/v1/content/${encodeURIComponent(p.id)}`);
          status.textContent = `Deleted “${p.topic}”.`;
          detail.hidden = true;
          void load();
        } catch (e) {
          showError(results, e);
        }
      });
      return h(
        'tr',
        {},
        h('th', { scope: 'row' }, p.topic),
        h('td', {}, label(p.content_type)),
        h('td', {}, label(p.platform)),
        h('td', {}, pct(p.quality_score)),
        h('td', {}, usd(p.cost_usd)),
        h('td', {}, when(p.created_at)),
        h('td', { class: 'row-actions' }, view, ' ', del),
      );
    });
    replace(
      results,
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Pieces' },
        h(
          'table',
          { class: 'library-table' },
          h('thead', {}, h('tr', {}, ...['Topic', 'Type', 'Platform', 'Quality', 'Cost', 'Created', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  };

  const show = (p: Piece) => {
    const close = h('button', { type: 'button', class: 'secondary' }, 'Close');
    close.addEventListener('click', () => {
      detail.hidden = true;
    });
    replace(
      detail,
      h('h2', {}, p.topic),
      pieceView(p, true),
      h('h3', {}, 'Publish'),
      publishForm(() => p.id, () => undefined),
      h('div', { class: 'actions' }, close),
    );
    detail.hidden = false;
    detail.focus();
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    cursors.length = 1;
    page = 0;
    void load();
  });
  form.addEventListener('reset', () => {
    setTimeout(() => {
      cursors.length = 1;
      page = 0;
      void load();
    });
  });
  void load();
}
