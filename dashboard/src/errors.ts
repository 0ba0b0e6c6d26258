// Refusals in words a person acts on: which budget ran out and when it resets (402), when to
// try again (429), which field to fix (422, shown at the field itself), and the request id of
// anything else so an operator can find it in the server log.

import { ApiError } from './api';
import { clearFieldErrors, h, showFieldError, usd, when } from './dom';

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function scopeName(scope: unknown): string {
  const s = String(scope ?? 'global');
  if (s === 'global') return 'The global budget';
  if (s.startsWith('key:')) return `The budget of this API key (${s.slice(4)})`;
  if (s.startsWith('tenant:')) return `The budget of tenant ${s.slice(7)}`;
  return `The ${s} budget`;
}

/** The sentences explaining `e`. */
export function explain(e: unknown): { title: string; lines: string[] } {
  if (!(e instanceof ApiError)) return { title: 'Something went wrong', lines: [String(e)] };
  const d = e.details;
  const rid = e.body.request_id ? [`Request id: ${e.body.request_id}`] : [];
  switch (e.code) {
    case 'budget_exceeded': {
      const limit = num(d.limit);
      const spent = num(d.spent) ?? 0;
      const held = num(d.reserved) ?? 0;
      const requested = num(d.requested);
      const end = typeof d.period_end === 'string' ? d.period_end : null;
      const days = num(d.remaining_days);
      return {
        title: 'Budget exceeded (402)',
        lines: [
          `${scopeName(d.scope)} has run out: ${usd(spent)} spent and ${usd(held)} held by calls in flight, of ${usd(limit)}.`,
          requested !== null ? `This request could cost up to ${usd(requested)}, more than is left.` : '',
          end
            ? `It resets on ${when(end)}${days !== null ? ` (${days} ${days === 1 ? 'day' : 'days'} from now)` : ''}.`
            : '',
          'Ask an admin to raise the limit, or write a shorter piece.',
        ].filter(Boolean),
      };
    }
    case 'rate_limited': {
      const wait = num(d.retry_after_s) ?? e.retryAfter ?? 60;
      const secs = Math.max(1, Math.ceil(wait));
      const at = new Date(Date.now() + secs * 1000);
      const quota = d.quota ? ` (${String(d.quota)} quota` + (num(d.limit) !== null ? `, ${d.limit} requests` : '') + ')' : '';
      return {
        title: 'Too many requests (429)',
        lines: [
          `This API key has used its request quota${quota}.`,
          `Try again in ${secs} ${secs === 1 ? 'second' : 'seconds'}, at ${at.toLocaleTimeString()}.`,
        ],
      };
    }
    case 'validation_error':
      return {
        title: 'Please check the form (422)',
        lines: [`${String(d.field ?? 'A field')}: ${String(d.reason ?? e.message)}`],
      };
    case 'unauthorized':
      return {
        title: 'The API key was refused (403)',
        lines: [String(d.reason ?? e.message), 'Enter a valid key at the top of the page.'],
      };
    case 'template_error':
      return { title: 'The template could not be used (422)', lines: [e.message] };
    case 'not_found':
      return { title: 'Not found (404)', lines: [e.message] };
    case 'conflict':
      return { title: 'Not possible any more (409)', lines: [e.message] };
    case 'network':
      return { title: 'The server could not be reached', lines: [e.message] };
    default:
      return {
        title: e.status ? `The request failed (${e.status})` : 'The request failed',
        lines: [e.message, ...rid],
      };
  }
}

/** An alert box for `e`. */
export function errorBox(e: unknown): HTMLElement {
  const { title, lines } = explain(e);
  const code = e instanceof ApiError ? e.code : 'error';
  return h(
    'div',
    { class: `alert error code-${code}`, role: 'alert' },
    h('p', { class: 'alert-title' }, title),
    ...lines.map((l) => h('p', {}, l)),
  );
}

/** The form control name an API field path points at (`keywords[2]` → `keywords`). */
export function fieldName(path: string): string {
  return path.replace(/\[\d+\]$/, '').replace(/^(request|overrides)\./, '').replace(/^variables\./, 'var.');
}

/**
 * Shows `e` in `where`; a validation error is also shown at its field in `form` (the field
 * gets `aria-invalid` and the focus).
 */
export function showError(where: HTMLElement, e: unknown, form?: HTMLElement): void {
  if (form) clearFieldErrors(form);
  where.replaceChildren(errorBox(e));
  if (form && e instanceof ApiError && e.code === 'validation_error') {
    const f = String(e.details.field ?? '');
    const reason = String(e.details.reason ?? e.message);
    showFieldError(form, fieldName(f), reason);
  } else if (form && e instanceof ApiError && e.code === 'template_error' && typeof e.details.variable === 'string') {
    showFieldError(form, `var.${e.details.variable}`, String(e.details.reason ?? e.message));
  }
}
