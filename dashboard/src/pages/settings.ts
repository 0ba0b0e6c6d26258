// Settings: what /v1/config/public reports; for admins, the API keys: create, list, rotate,
// revoke, with a new secret shown once.

import { ApiError, apiKey, call, get, setApiKey } from '../api';
import { clearFieldErrors, field, h, replace, select, when } from '../dom';
import { showError } from '../errors';
import { label, type KeyInfo, type PublicConfig } from '../types';

function secretBox(title: string, secret: string, note: string, useIt?: () => void): HTMLElement {
  const input = h('input', { type: 'text', readonly: true, value: secret, id: 'new-secret', class: 'secret', spellcheck: 'false' });
  const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
  copy.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(secret);
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Select and copy it';
    }
  });
  const use = useIt ? h('button', { type: 'button', class: 'secondary' }, 'Use it in this tab') : null;
  use?.addEventListener('click', () => useIt?.());
  return h(
    'div',
    { class: 'alert ok secret-box', role: 'alert' },
    h('p', { class: 'alert-title' }, title),
    h('label', { for: 'new-secret' }, 'Secret (shown once: it cannot be shown again)'),
    h('div', { class: 'secret-row' }, input, copy, use),
    h('p', {}, note),
  );
}

async function keysSection(box: HTMLElement): Promise<void> {
  const list = h('div', {});
  const shown = h('div', {});
  let keys: KeyInfo[];
  try {
    keys = (await get<{ keys: KeyInfo[] }>('/v1/admin/keys')).keys;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      const rotate = h('button', { type: 'button' }, 'Rotate my key');
      rotate.addEventListener('click', async () => {
        try {
          const r = await call<{ new_key: string; old_key_expires: string; message: string }>('POST', '/v1/admin/rotate-key', {});
          replace(shown, secretBox('Your key was rotated', r.new_key, `${r.message} The old secret works until ${when(r.old_key_expires)}.`, () => setApiKey(r.new_key)));
        } catch (err) {
          showError(shown, err);
        }
      });
      replace(box, h('h2', {}, 'API keys'), h('p', {}, 'This key is not an admin key, so it cannot manage keys. It can rotate itself.'), rotate, shown);
      return;
    }
    replace(box, h('h2', {}, 'API keys'));
    const err = h('div', {});
    box.append(err);
    showError(err, e);
    return;
  }
  const draw = () => {
    const rows = keys.map((k) => {
      const rotate = h('button', { type: 'button', class: 'link' }, 'Rotate');
      const revoke = h('button', { type: 'button', class: 'link danger' }, 'Revoke');
      rotate.addEventListener('click', async () => {
        const hours = prompt(`Rotate “${k.name}”: hours the old secret keeps working (0 to 720)`, '24');
        if (hours === null) return;
        try {
          const r = await call<{ new_key: string; new_key_id: string; old_key_expires: string; message: string }>('POST', '/v1/admin/rotate-key', { key_id: k.id, grace_hours: Number(hours) });
          const mine = apiKey() !== null && k.status === 'active' && (await isCurrent(k));
          replace(shown, secretBox(`“${k.name}” was rotated`, r.new_key, `${r.message} The old secret is listed as expiring until ${when(r.old_key_expires)}.`, mine ? () => setApiKey(r.new_key) : undefined));
          await reload();
        } catch (err) {
          showError(shown, err);
        }
      });
      revoke.addEventListener('click', async () => {
        if (!confirm(`Revoke “${k.name}” (${k.prefix}…)? It stops working at once.`)) return;
        try {
          await call('DELETE', `/v1/admin/keys/${encodeURIComponent(k.id)}`);
          await reload();
        } catch (err) {
          showError(shown, err);
        }
      });
      return h(
        'tr',
        { class: `key-row status-${k.status}`, 'data-id': k.id },
        h('th', { scope: 'row' }, k.name),
        h('td', {}, h('code', {}, `${k.prefix}…`)),
        h('td', {}, label(k.role)),
        h('td', {}, k.tier + (k.rate_limit_per_hour ? ` (${k.rate_limit_per_hour}/h)` : '')),
        h('td', {}, k.budget === null ? '—' : `$${k.budget}`),
        h('td', {}, h('span', { class: `badge status-${k.status}` }, label(k.status)), k.status === 'expiring' && k.expires_at ? ` until ${when(k.expires_at)}` : ''),
        h('td', {}, when(k.created_at)),
        h('td', {}, when(k.last_used_at)),
        h('td', { class: 'row-actions' }, k.status === 'revoked' ? '' : rotate, ' ', k.status === 'revoked' ? '' : revoke),
      );
    });
    replace(
      list,
      h(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'API keys' },
        h(
          'table',
          { class: 'keys-table' },
          h('thead', {}, h('tr', {}, ...['Name', 'Prefix', 'Role', 'Tier', 'Budget', 'Status', 'Created', 'Last used', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  };
  const reload = async () => {
    keys = (await get<{ keys: KeyInfo[] }>('/v1/admin/keys')).keys;
    draw();
  };
  const isCurrent = async (k: KeyInfo): Promise<boolean> => {
    const key = apiKey();
    return key !== null && key.startsWith(k.prefix);
  };
  const form = h('form', { class: 'new-key', 'aria-label': 'Create a key', novalidate: true });
  form.append(
    h(
      'div',
      { class: 'grid' },
      field('Name', h('input', { name: 'name', type: 'text', maxlength: 100, required: true })),
      field('Role', select('role', [['user', 'User'], ['admin', 'Admin']])),
      field('Tier', h('input', { name: 'tier', type: 'text', placeholder: 'standard' }), 'free, standard, premium or a configured tier.'),
      field('Requests per hour', h('input', { name: 'rate_limit_per_hour', type: 'number', min: 1 }), 'Empty: the tier’s quota.'),
      field('Budget per period ($)', h('input', { name: 'budget', type: 'number', min: 0, step: 'any' }), 'Empty: no budget of its own.'),
      field('Tenant', h('input', { name: 'tenant', type: 'text' })),
      field('Expires', h('input', { name: 'expires_at', type: 'date' })),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim();
    const body: Record<string, unknown> = { name: v('name'), role: v('role') };
    if (v('tier')) body.tier = v('tier');
    if (v('rate_limit_per_hour')) body.rate_limit_per_hour = Number(v('rate_limit_per_hour'));
    if (v('budget')) body.budget = Number(v('budget'));
    if (v('tenant')) body.tenant = v('tenant');
    if (v('expires_at')) body.expires_at = new Date(`${v('expires_at')}T00:00:00`).toISOString();
    try {
      const k = await call<KeyInfo & { secret: string }>('POST', '/v1/admin/keys', body);
      replace(shown, secretBox(`Key “${k.name}” created`, k.secret, 'Give it to its owner now.'));
      form.reset();
      await reload();
    } catch (err) {
      showError(shown, err, form);
    }
  });
  draw();
  replace(box, h('h2', {}, 'API keys'), shown, list, h('h3', {}, 'Create a key'), form);
}

/** The Settings page. */
export async function settingsPage(main: HTMLElement): Promise<void> {
  const cfg = h('section', { 'aria-labelledby': 'cfg-h' }, h('h2', { id: 'cfg-h' }, 'Server'));
  const keys = h('section', { class: 'keys' });
  main.append(cfg, keys);
  try {
    const c = await get<PublicConfig>('/v1/config/public');
    cfg.append(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Version'), h('dd', {}, c.version),
        h('dt', {}, 'Provider'), h('dd', {}, c.provider),
        h('dt', {}, 'Admin key configured'), h('dd', {}, c.api_key_configured ? 'yes' : 'no (set API_KEY)'),
        ...Object.entries(c.features).flatMap(([k, v]) => [h('dt', {}, label(k)), h('dd', {}, v ? 'yes' : 'no')]),
      ),
    );
  } catch (e) {
    const err = h('div', {});
    cfg.append(err);
    showError(err, e);
  }
  if (apiKey()) await keysSection(keys);
  else keys.append(h('h2', {}, 'API keys'), h('p', { class: 'muted' }, 'Enter an admin key at the top of the page to manage keys.'));
}
