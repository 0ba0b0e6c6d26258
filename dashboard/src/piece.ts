// A finished piece as people read it: the copy, its scores, the assessments as traffic lights
// (with words, not colour alone), hashtags, thread posts and how it fits its platform.

import { h, pct, usd, when } from './dom';
import { label, type Piece } from './types';

const LIGHT_WORDS = { green: 'Good', orange: 'Could be better', red: 'Needs work' } as const;

function score(name: string, v: number): HTMLElement {
  const level = v >= 0.7 ? 'green' : v >= 0.4 ? 'orange' : 'red';
  return h(
    'div',
    { class: 'score' },
    h('span', { class: 'score-name' }, name),
    h('meter', { min: 0, max: 1, low: 0.4, high: 0.7, optimum: 1, value: v, 'aria-label': `${name} ${pct(v)}` }),
    h('span', { class: `score-value light-${level}` }, pct(v)),
  );
}

/** The piece's details. `withCopy`: show the copy too (the stream already showed it). */
export function pieceView(p: Piece, withCopy = true): HTMLElement {
  const m = p.metadata;
  const box = h('section', { class: 'piece', 'aria-label': 'The finished piece' });
  box.append(
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Type'), h('dd', {}, label(p.content_type)),
      h('dt', {}, 'Platform'), h('dd', {}, label(p.platform)),
      h('dt', {}, 'Cost'), h('dd', {}, `${usd(p.cost_usd)}${p.usage?.estimated ? ' (usage estimated)' : ''}`),
      h('dt', {}, 'Written by'), h('dd', {}, `${p.provider} · ${p.model}${p.cached ? ' (from the cache)' : ''}`),
      h('dt', {}, 'Words'), h('dd', {}, `${m.word_count} (${m.reading_time} min read)`),
      h('dt', {}, 'Created'), h('dd', {}, when(p.created_at)),
      p.template ? h('dt', {}, 'Template') : null,
      p.template ? h('dd', {}, `${p.template.name} ${p.template.version}`) : null,
    ),
  );
  if (!p.stored) box.append(h('p', { class: 'alert warn' }, 'This piece could not be stored in the library: copy it now.'));
  if (m.notice) box.append(h('p', { class: 'alert info' }, m.notice));
  if (withCopy) {
    box.append(h('h3', {}, m.title ?? 'Copy'), h('div', { class: 'copy', tabindex: '0', role: 'region', 'aria-label': 'Copy' }, p.content));
  }
  if (m.subject_line) box.append(h('p', {}, h('strong', {}, 'Subject line: '), m.subject_line));
  if (m.meta_description) box.append(h('p', {}, h('strong', {}, 'Meta description: '), m.meta_description));
  box.append(h('h3', {}, 'Scores'), h('div', { class: 'scores' }, score('Quality', p.quality_score), score('SEO', p.seo_score)));
  if (m.assessments.length > 0) {
    box.append(
      h('h3', {}, 'Assessments'),
      h(
        'ul',
        { class: 'assessments' },
        ...m.assessments.map((a) =>
          h(
            'li',
            { class: `assessment light-${a.light}` },
            h('span', { class: 'light', 'aria-hidden': 'true' }),
            h('span', { class: 'light-word' }, `${LIGHT_WORDS[a.light]}: `),
            h('span', { class: 'assessment-id' }, `${label(a.id)}. `),
            a.message,
          ),
        ),
      ),
    );
  }
  box.append(h('h3', {}, 'Hashtags'));
  box.append(
    m.hashtags.length > 0
      ? h('ul', { class: 'tags' }, ...m.hashtags.map((t) => h('li', {}, t)))
      : h('p', { class: 'muted' }, 'No hashtags.'),
  );
  if (m.thread && m.thread.length > 0) {
    box.append(h('h3', {}, `Thread (${m.thread.length} posts)`), h('ol', { class: 'thread' }, ...m.thread.map((t) => h('li', {}, t))));
  }
  const fit = h('ul', { class: 'fit' });
  fit.append(
    h('li', { class: m.fits_platform ? 'ok' : 'bad' }, m.fits_platform ? `Fits ${label(m.platform_optimized)}'s limits.` : `Does not fit ${label(m.platform_optimized)}'s limits.`),
    h('li', {}, m.has_call_to_action ? 'A call to action was found.' : 'No call to action was found.'),
  );
  if (m.keywords_used.length) fit.append(h('li', {}, `Keywords used: ${m.keywords_used.join(', ')}`));
  if (m.keywords_missing.length) fit.append(h('li', {}, `Keywords missing: ${m.keywords_missing.join(', ')}`));
  for (const r of m.repairs) fit.append(h('li', {}, `${r.message} (${label(r.limit)}: ${r.found} → ${r.after}, at most ${r.max})`));
  box.append(h('h3', {}, 'Platform fit'), fit);
  return box;
}
