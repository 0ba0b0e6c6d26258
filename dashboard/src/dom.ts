// A few DOM helpers: elements are built with properties and text nodes only (never innerHTML),
// so no copy from the API can become markup, and no style attribute is ever written (the CSP
// forbids them; classes carry the looks).

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Creates an element: `on*` keys add listeners, `class`, `for` and other keys set attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Creates an SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'style') throw new Error('style attributes are not allowed by the CSP');
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

let ids = 0;
/** A fresh element id. */
export function uid(prefix: string): string {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** A labelled form control in a wrapper, with a place for its error message. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLDivElement {
  const id = control.id || uid('f');
  control.id = id;
  const hintId = `${id}-hint`;
  const errId = `${id}-error`;
  const described = [hint ? hintId : '', errId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  return h(
    'div',
    { class: control instanceof HTMLInputElement && control.type === 'checkbox' ? 'field check' : 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'field-error', id: errId, hidden: true }),
  );
}

/** A `<select>` of values, the current one selected. */
export function select(name: string, options: [string, string][], value = ''): HTMLSelectElement {
  const el = h('select', { name });
  for (const [v, label] of options) {
    el.append(h('option', { value: v, selected: v === value }, label));
  }
  return el;
}

/** Clears every field error in `form`. */
export function clearFieldErrors(form: HTMLElement): void {
  for (const p of form.querySelectorAll<HTMLElement>('.field-error')) {
    p.hidden = true;
    p.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** Marks the control named `name` in `form` invalid with `message`; false when there is none. */
export function showFieldError(form: HTMLElement, name: string, message: string): boolean {
  const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
  if (!control) return false;
  control.setAttribute('aria-invalid', 'true');
  const err = document.getElementById(`${control.id}-error`);
  if (err) {
    err.textContent = message;
    err.hidden = false;
  }
  control.focus();
  return true;
}

/** Formats dollars: small amounts keep their significant digits. */
export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (v !== 0 && Math.abs(v) < 0.01) return `$${v.toPrecision(2)}`;
  return `$${v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Formats a share 0..=1 as a percentage. */
export function pct(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return '—';
  return `${(v * 100).toFixed(digits)} %`;
}

/** A local date and time, as people read it. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The value of a `datetime-local` input for `d`. */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A status line for screen readers and eyes: `role="status"`. */
export function statusLine(): HTMLParagraphElement {
  return h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
}
