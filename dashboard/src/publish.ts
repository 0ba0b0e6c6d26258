// The publish form shared by the Library and the Schedule: accounts, and now or a time.

import { call, get } from './api';
import { clearFieldErrors, field, h, localInput, replace, when } from './dom';
import { showError } from './errors';
import { label, type Account, type ScheduledPost } from './types';

let accounts: Promise<Account[]> | null = null;

/** The configured accounts (asked once per page load). */
export function listAccounts(): Promise<Account[]> {
  accounts ??= get<Account[]>('/v1/accounts').catch((e: unknown) => {
    accounts = null;
    throw e;
  });
  return accounts;
}

/** A form that publishes `contentId` now or at a time; `done` gets the entries made. */
export function publishForm(contentId: () => string | null, done: (posts: ScheduledPost[]) => void): HTMLElement {
  const box = h('div', { class: 'publish' });
  void (async () => {
    let list: Account[];
    try {
      list = await listAccounts();
    } catch (e) {
      showError(box, e);
      return;
    }
    if (list.length === 0) {
      replace(
        box,
        h('p', { class: 'alert info' }, 'No publishing accounts are configured. An operator adds them with SPLANTS_PUBLISH_ACCOUNTS (see docs/publishing.md).'),
      );
      return;
    }
    const form = h('form', { class: 'publish-form', 'aria-label': 'Publish', novalidate: true });
    const group = h(
      'fieldset',
      {},
      h('legend', {}, 'Accounts'),
      ...list.map((a, i) =>
        h(
          'span',
          { class: 'check' },
          h('input', { type: 'checkbox', name: 'targets', value: a.name, id: `target-${a.name}`, checked: i === 0 }),
          h('label', { for: `target-${a.name}` }, `${a.name} (${label(a.platform)})`),
        ),
      ),
      h('p', { class: 'field-error', id: 'targets-error', hidden: true }),
    );
    const at = h('input', { name: 'scheduled_time', type: 'datetime-local', min: localInput(new Date()) });
    const result = h('div', { role: 'status' });
    form.append(group, field('When', at, 'Empty: now. Your local time.'), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Publish')), result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      const id = contentId();
      if (!id) {
        replace(result, h('p', { class: 'alert error' }, 'Choose a piece first.'));
        return;
      }
      const targets = [...form.querySelectorAll<HTMLInputElement>('input[name="targets"]:checked')].map((c) => c.value);
      const body: Record<string, unknown> = { content_id: id, targets };
      if (at.value) body.scheduled_time = new Date(at.value).toISOString();
      try {
        const r = await call<{ posts: ScheduledPost[] }>('POST', '/v1/content/publish', body);
        replace(
          result,
          h('p', { class: 'alert ok' }, `Scheduled ${r.posts.length} ${r.posts.length === 1 ? 'post' : 'posts'}: ` + r.posts.map((p) => `${p.account} at ${when(p.scheduled_time)}`).join('; ') + '.'),
        );
        done(r.posts);
      } catch (err) {
        showError(result, err, form);
        // `targets[i]`: the platform refused that account's copy.
        const f = err && typeof err === 'object' && 'details' in err ? String((err as { details: Record<string, unknown> }).details.field ?? '') : '';
        if (f.startsWith('targets')) {
          const p = document.getElementById('targets-error');
          if (p) {
            p.textContent = String((err as { details: Record<string, unknown> }).details.reason ?? '');
            p.hidden = false;
          }
        }
      }
    });
    replace(box, form);
  })();
  return box;
}
