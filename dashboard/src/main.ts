// The dashboard shell: the navigation, the API key form and a router over the History API.
// Each page lives at its own path (`/generate`, `/library`, …), which the server answers with
// this same page.

import './style.css';
import { apiKey, setApiKey } from './api';
import { h, replace } from './dom';
import { analyticsPage } from './pages/analytics';
import { budgetPage } from './pages/budget';
import { generatePage } from './pages/generate';
import { libraryPage } from './pages/library';
import { schedulePage } from './pages/schedule';
import { settingsPage } from './pages/settings';

/** A page: its title and how to draw it into `main` (`needsKey`: only with an API key). */
export interface PageDef {
  path: string;
  title: string;
  needsKey: boolean;
  render(main: HTMLElement): void | Promise<void>;
}

const PAGES: PageDef[] = [
  { path: '/generate', title: 'Generate', needsKey: true, render: generatePage },
  { path: '/library', title: 'Library', needsKey: true, render: libraryPage },
  { path: '/schedule', title: 'Schedule', needsKey: true, render: schedulePage },
  { path: '/analytics', title: 'Analytics', needsKey: true, render: analyticsPage },
  { path: '/budget', title: 'Budget', needsKey: true, render: budgetPage },
  { path: '/settings', title: 'Settings', needsKey: false, render: settingsPage },
];

const main = h('main', { id: 'main', tabindex: '-1' });
const nav = h('nav', { 'aria-label': 'Pages' });
const keyArea = h('div', { class: 'key-area' });

function current(): PageDef {
  return PAGES.find((p) => p.path === location.pathname) ?? PAGES[0]!;
}

function drawNav(): void {
  const page = current();
  replace(
    nav,
    h(
      'ul',
      {},
      ...PAGES.map((p) =>
        h('li', {}, h('a', { href: p.path, 'aria-current': p === page ? 'page' : null, 'data-link': '' }, p.title)),
      ),
    ),
  );
}

function drawKey(): void {
  const key = apiKey();
  if (key) {
    replace(
      keyArea,
      h('p', { class: 'key-set' }, `API key in use: …${key.slice(-4)}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => setApiKey(null) }, 'Forget key'),
    );
    return;
  }
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const form = h(
    'form',
    { class: 'key-form' },
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('button', { type: 'submit' }, 'Use key'),
    h('p', { class: 'hint' }, 'Kept in this browser tab only (session storage), sent as X-API-Key.'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (input.value.trim()) setApiKey(input.value.trim());
  });
  replace(keyArea, form);
}

let rendering = 0;

async function render(focus: boolean): Promise<void> {
  if (location.pathname === '/') history.replaceState(null, '', '/generate');
  const page = current();
  document.title = `${page.title} · splants`;
  drawNav();
  const n = ++rendering;
  main.replaceChildren();
  const heading = h('h1', { tabindex: '-1' }, page.title);
  main.append(heading);
  if (page.needsKey && !apiKey()) {
    main.append(
      h('div', { class: 'alert info' }, h('p', {}, 'Enter an API key at the top of the page to use this page.')),
    );
  } else {
    const body = h('div', { class: 'page' });
    main.append(body);
    await page.render(body);
  }
  if (focus && n === rendering) heading.focus();
}

function go(path: string): void {
  if (path !== location.pathname) history.pushState(null, '', path);
  void render(true);
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-link]');
  if (!a || e.defaultPrevented || (e as MouseEvent).button !== 0 || (e as MouseEvent).ctrlKey || (e as MouseEvent).metaKey) return;
  e.preventDefault();
  go(a.getAttribute('href') ?? '/');
});
window.addEventListener('popstate', () => void render(true));
window.addEventListener('splants:key', () => {
  drawKey();
  void render(false);
});

const app = document.getElementById('app');
if (app) {
  app.replaceChildren(
    h('a', { class: 'skip', href: '#main' }, 'Skip to the page'),
    h('header', { class: 'top' }, h('p', { class: 'brand' }, 'splants'), nav, keyArea),
    main,
  );
  drawKey();
  void render(false);
}
