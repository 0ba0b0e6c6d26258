// Generate: the brief form with every field and its allowed values, the quote before sending,
// the copy streaming in, then the scored piece; or a piece from a template.

import { call, generateStream, get } from '../api';
import { clearFieldErrors, field, h, replace, select, showFieldError, statusLine, usd } from '../dom';
import { showError } from '../errors';
import { pieceView } from '../piece';
import { CONTENT_TYPES, PLATFORMS, TONES, label, type Piece, type Quote, type Template } from '../types';

const opts = (values: readonly string[]): [string, string][] => values.map((v) => [v, label(v)]);

function briefForm(): HTMLFormElement {
  const form = h('form', { class: 'brief', 'aria-label': 'Brief', novalidate: true });
  form.append(
    h(
      'div',
      { class: 'grid' },
      field('Content type', select('content_type', opts(CONTENT_TYPES), 'blog')),
      field('Tone', select('tone', opts(TONES), 'professional')),
      field('Platform', select('platform', [['', 'Default for the type'], ...opts(PLATFORMS)]), 'Each platform has its own limits.'),
      field('Length (words)', h('input', { name: 'length', type: 'number', min: 1, max: 10000, inputmode: 'numeric' }), 'Empty: the type’s default.'),
    ),
    field('Topic', h('textarea', { name: 'topic', rows: 2, maxlength: 500, required: true }), 'What it is about (up to 500 characters).'),
    field('Keywords', h('input', { name: 'keywords', type: 'text' }), 'Comma-separated, at most 20.'),
    h(
      'div',
      { class: 'grid' },
      field('Target audience', h('input', { name: 'target_audience', type: 'text', maxlength: 500 })),
      field('Call to action', h('input', { name: 'call_to_action', type: 'text', maxlength: 500 })),
      field('Language', h('input', { name: 'language', type: 'text', placeholder: 'en', maxlength: 35 }), 'A BCP 47 tag: en, de, pt-BR. English when empty.'),
      field('Hashtags', select('include_hashtags', [['', 'Default (social posts only)'], ['true', 'Add hashtags'], ['false', 'No hashtags']])),
    ),
    field('Optimise for search (SEO)', h('input', { name: 'seo_optimize', type: 'checkbox', checked: true })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Check the cost')),
  );
  return form;
}

function readBrief(form: HTMLFormElement): Record<string, unknown> {
  const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement | null)?.value.trim() ?? '';
  const brief: Record<string, unknown> = { content_type: v('content_type'), topic: v('topic'), tone: v('tone') };
  const kw = v('keywords').split(',').map((k) => k.trim()).filter(Boolean);
  if (kw.length) brief.keywords = kw;
  for (const n of ['target_audience', 'call_to_action', 'language', 'platform']) if (v(n)) brief[n] = v(n);
  if (v('length')) brief.length = Number(v('length'));
  if (v('include_hashtags')) brief.include_hashtags = v('include_hashtags') === 'true';
  brief.seo_optimize = (form.elements.namedItem('seo_optimize') as HTMLInputElement).checked;
  return brief;
}

function quoteView(q: Quote, note?: string): HTMLElement {
  const t = q.targets[0];
  return h(
    'div',
    { class: 'quote', role: 'status' },
    h('p', { class: 'quote-figure' }, q.free ? 'This piece costs nothing (a free model).' : `This piece will cost at most ${usd(q.estimate)}.`),
    h(
      'p',
      { class: 'hint' },
      `Up to ${q.max_tokens.toLocaleString()} output tokens` +
        (t ? ` with ${t.provider} · ${t.model} (prompt up to ${t.input_tokens.toLocaleString()} tokens)` : '') +
        '. That worst case is held against the budget while the piece is written; only what the model really used is spent.',
    ),
    note ? h('p', { class: 'hint' }, note) : null,
  );
}

function briefSection(): HTMLElement {
  const form = briefForm();
  const quoteArea = h('div', { class: 'quote-area' });
  const out = h('section', { class: 'output', 'aria-label': 'Result' });
  let brief: Record<string, unknown> | null = null;
  form.addEventListener('input', () => {
    brief = null;
    quoteArea.replaceChildren();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const b = readBrief(form);
    if (!b.topic) {
      showFieldError(form, 'topic', 'Write what the piece is about.');
      return;
    }
    quoteArea.replaceChildren(h('p', { class: 'muted' }, 'Pricing the brief…'));
    try {
      const q = await call<Quote>('POST', '/v1/content/quote', b);
      brief = b;
      const go = h('button', { type: 'button', class: 'primary' }, 'Generate now');
      go.addEventListener('click', () => {
        if (brief) void run(brief, form, out, go);
      });
      replace(quoteArea, quoteView(q), h('div', { class: 'actions' }, go));
      go.focus();
    } catch (err) {
      showError(quoteArea, err, form);
    }
  });
  return h('div', {}, form, quoteArea, out);
}

async function run(brief: Record<string, unknown>, form: HTMLFormElement, out: HTMLElement, go: HTMLButtonElement): Promise<void> {
  go.disabled = true;
  const status = statusLine();
  const text = h('div', { class: 'copy stream-text', role: 'region', 'aria-busy': 'true', 'aria-label': 'The copy as it is written', tabindex: '0' });
  const ctrl = new AbortController();
  const stop = h('button', { type: 'button', class: 'secondary', onclick: () => ctrl.abort() }, 'Stop');
  const details = h('div', {});
  replace(out, h('h2', {}, 'The copy'), status, text, h('div', { class: 'actions' }, stop), details);
  status.textContent = 'Writing…';
  let chars = 0;
  try {
    const piece = await generateStream<Piece>(
      brief,
      {
        delta(t) {
          chars += t.length;
          text.append(t);
          status.textContent = `Writing… ${chars.toLocaleString()} characters so far`;
        },
      },
      ctrl.signal,
    );
    text.textContent = piece.content;
    status.textContent = `Done: ${piece.metadata.word_count} words, ${usd(piece.cost_usd)}.`;
    status.classList.add('done');
    details.append(pieceView(piece, false));
  } catch (err) {
    status.textContent = ctrl.signal.aborted ? 'Stopped.' : 'Not written.';
    if (chars === 0) text.remove();
    if (!ctrl.signal.aborted) showError(details, err, form);
  } finally {
    text.setAttribute('aria-busy', 'false');
    stop.remove();
    go.disabled = false;
  }
}

function variableControl(v: Template['variables'][number]): HTMLElement {
  const name = `var.${v.name}`;
  const def = v.default === undefined || v.default === null ? '' : Array.isArray(v.default) ? v.default.join(', ') : String(v.default);
  let control: HTMLInputElement;
  switch (v.kind) {
    case 'integer':
    case 'number':
      control = h('input', { name, type: 'number', step: v.kind === 'integer' ? 1 : 'any', value: def });
      break;
    case 'boolean':
      control = h('input', { name, type: 'checkbox', checked: v.default === true });
      break;
    case 'date':
      control = h('input', { name, type: 'date', value: def });
      break;
    default:
      control = h('input', { name, type: 'text', value: def });
  }
  if (v.required && v.default === undefined) control.required = true;
  const hint = [v.description, v.kind === 'list' ? 'Comma-separated.' : '', v.required ? 'Required.' : 'Optional.'].filter(Boolean).join(' ');
  return field(label(v.name), control, hint);
}

function readVariables(form: HTMLFormElement, t: Template): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const v of t.variables) {
    const el = form.elements.namedItem(`var.${v.name}`) as HTMLInputElement | null;
    if (!el) continue;
    if (v.kind === 'boolean') vars[v.name] = el.checked;
    else if (el.value.trim() === '') continue;
    else if (v.kind === 'integer' || v.kind === 'number') vars[v.name] = Number(el.value);
    else if (v.kind === 'list') vars[v.name] = el.value.split(',').map((x) => x.trim()).filter(Boolean);
    else vars[v.name] = el.value.trim();
  }
  return vars;
}

function templateSection(): HTMLElement {
  const box = h('div', {});
  const out = h('section', { class: 'output', 'aria-label': 'Result' });
  const area = h('div', {});
  box.append(area, out);
  void (async () => {
    try {
      const list = await get<{ items: Template[] }>('/v1/templates');
      const pick = select('template_name', list.items.map((t) => [t.name, label(t.name)]));
      const form = h('form', { class: 'brief', 'aria-label': 'From a template', novalidate: true });
      const vars = h('div', {});
      const quoteArea = h('div', { class: 'quote-area' });
      const draw = () => {
        const t = list.items.find((x) => x.name === pick.value);
        if (!t) return;
        replace(
          vars,
          h('p', { class: 'hint' }, `${t.description} (${label(t.content_type)}, ${t.default_tone})`),
          ...t.variables.map(variableControl),
          h(
            'div',
            { class: 'grid' },
            field('Tone', select('tone', [['', `Template default (${t.default_tone})`], ...opts(TONES)])),
            field('Platform', select('platform', [['', 'Template default'], ...opts(PLATFORMS)])),
            field('Length (words)', h('input', { name: 'length', type: 'number', min: 1, max: 10000 }), t.default_length ? `Template default: ${t.default_length}.` : undefined),
          ),
        );
        quoteArea.replaceChildren();
      };
      pick.addEventListener('change', draw);
      form.append(field('Template', pick), vars, quoteArea, h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Generate from the template')));
      draw();
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        clearFieldErrors(form);
        const t = list.items.find((x) => x.name === pick.value);
        if (!t) return;
        const body: Record<string, unknown> = { template_name: t.name, variables: readVariables(form, t) };
        for (const n of ['tone', 'platform']) {
          const v = (form.elements.namedItem(n) as HTMLSelectElement).value;
          if (v) body[n] = v;
        }
        const len = (form.elements.namedItem('length') as HTMLInputElement).value;
        if (len) body.length = Number(len);
        const status = statusLine();
        replace(out, h('h2', {}, 'The copy'), status);
        status.textContent = 'Writing from the template…';
        try {
          const piece = await call<Piece>('POST', '/v1/content/from-template', body);
          status.textContent = `Done: ${piece.metadata.word_count} words, ${usd(piece.cost_usd)}.`;
          out.append(pieceView(piece, true));
        } catch (err) {
          status.textContent = 'Not written.';
          const errBox = h('div', {});
          out.append(errBox);
          showError(errBox, err, form);
        }
      });
      // The worst case of the template's brief, shown before sending (its own instructions
      // add prompt tokens; the output cap, which dominates, is the same).
      const quoteBtn = h('button', { type: 'button', class: 'secondary' }, 'Check the cost');
      quoteBtn.addEventListener('click', async () => {
        const t = list.items.find((x) => x.name === pick.value);
        if (!t) return;
        const tone = (form.elements.namedItem('tone') as HTMLSelectElement).value || t.default_tone;
        const platform = (form.elements.namedItem('platform') as HTMLSelectElement).value || t.default_platform;
        const len = (form.elements.namedItem('length') as HTMLInputElement).value;
        const brief: Record<string, unknown> = { content_type: t.content_type, topic: t.topic.slice(0, 500), tone, keywords: t.keywords.slice(0, 20) };
        if (platform) brief.platform = platform;
        if (len) brief.length = Number(len);
        else if (t.default_length) brief.length = t.default_length;
        try {
          const q = await call<Quote>('POST', '/v1/content/quote', brief);
          replace(quoteArea, quoteView(q, 'Priced from the template’s brief; its instructions add a few prompt tokens.'));
        } catch (err) {
          showError(quoteArea, err, form);
        }
      });
      form.querySelector('.actions')?.prepend(quoteBtn);
      area.append(form);
    } catch (err) {
      showError(area, err);
    }
  })();
  return box;
}

/** The Generate page. */
export function generatePage(main: HTMLElement): void {
  const modeBrief = h('input', { type: 'radio', name: 'mode', id: 'mode-brief', value: 'brief', checked: true });
  const modeTemplate = h('input', { type: 'radio', name: 'mode', id: 'mode-template', value: 'template' });
  const holder = h('div', {});
  const draw = () => replace(holder, modeBrief.checked ? briefSection() : templateSection());
  modeBrief.addEventListener('change', draw);
  modeTemplate.addEventListener('change', draw);
  main.append(
    h(
      'fieldset',
      { class: 'mode' },
      h('legend', {}, 'Start from'),
      h('span', { class: 'radio' }, modeBrief, h('label', { for: 'mode-brief' }, 'A brief')),
      h('span', { class: 'radio' }, modeTemplate, h('label', { for: 'mode-template' }, 'A template')),
    ),
    holder,
  );
  draw();
}
