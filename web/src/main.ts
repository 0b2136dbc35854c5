/**
 * The console's shell: sign-in state, navigation and a hash router (#/portfolios, #/portfolios/<id>,
 * #/onboard, #/runs/<id>, #/admin). A link of the form /#token=<token> signs in and drops the token
 * from the address bar (the fragment never reaches the server).
 */
import '../styles.css';
import { api, describeError, tokenStore, type Me } from './api.js';
import { h, mount } from './dom.js';
import { adminPage } from './pages/admin.js';
import { onboardPage } from './pages/onboard.js';
import { portfolioPage } from './pages/portfolio.js';
import { portfoliosPage } from './pages/portfolios.js';
import { runPage } from './pages/run.js';
import { signInPage } from './pages/signin.js';

export interface PageContext {
  me: Me;
  main: HTMLElement;
  /** Shows a page title and moves focus to it (keyboard and screen-reader users land on the new page). */
  title(text: string): HTMLElement;
}

/** A page draws into ctx.main and may return a cleanup (stop polling etc.). */
export type Page = (ctx: PageContext, params: string[]) => Promise<(() => void) | void>;

const routes: [RegExp, Page][] = [
  [/^#\/portfolios\/([0-9a-f-]{36})$/, portfolioPage],
  [/^#\/portfolios$/, portfoliosPage],
  [/^#\/onboard$/, onboardPage],
  [/^#\/runs\/([0-9a-f-]{36})$/, runPage],
  [/^#\/admin$/, adminPage],
];

let cleanup: (() => void) | void = undefined;
let me: Me | null = null;

function nav(current: string): HTMLElement {
  const link = (href: string, text: string): HTMLElement =>
    h('li', {}, h('a', { href, ...(current.startsWith(href) ? { 'aria-current': 'page' } : {}) }, text));
  return h(
    'nav',
    { 'aria-label': 'Main' },
    h('ul', {}, link('#/portfolios', 'Portfolios'), link('#/onboard', 'Onboard'), me?.role === 'admin' ? link('#/admin', 'Admin') : null),
    h(
      'p',
      { class: 'who' },
      `Signed in as ${me?.email ?? me?.role ?? ''}${me?.role === 'admin' ? ' (admin)' : ''} `,
      h('button', { type: 'button', onclick: signOut }, 'Sign out'),
    ),
  );
}

function signOut(): void {
  tokenStore.clear();
  me = null;
  location.hash = '#/signin';
}

async function route(): Promise<void> {
  const root = document.getElementById('main')!;
  const top = document.getElementById('top')!;
  // Each navigation draws into a fresh container: a page still loading from an earlier
  // navigation draws into its own detached one and never into the current page.
  const main = h('div');
  mount(root, main);
  cleanup?.();
  cleanup = undefined;
  if (takeTokenFromUrl()) me = null;
  const hash = location.hash || '#/portfolios';
  const title = (text: string): HTMLElement => {
    const el = h('h1', { tabindex: '-1' }, text);
    main.prepend(el);
    if (main.isConnected) {
      document.title = `${text} · portfolio-batch`;
      el.focus();
    }
    return el;
  };
  if (!tokenStore.get() || hash === '#/signin') {
    mount(top, h('p', { class: 'brand' }, 'portfolio-batch'));
    signInPage(main, title, async () => {
      me = null;
      if (location.hash === '#/portfolios') await route();
      else location.hash = '#/portfolios'; // hashchange routes
    });
    return;
  }
  if (!me) {
    try {
      me = await api.user.me.query();
    } catch (err) {
      const e = describeError(err);
      if (e.code === 'UNAUTHORIZED') {
        tokenStore.clear();
        location.hash = '#/signin';
        return;
      }
      mount(main, h('p', { role: 'alert' }, `The API could not be reached: ${e.message}`));
      return;
    }
  }
  if (!main.isConnected) return; // a newer navigation took over while signing in
  mount(top, h('p', { class: 'brand' }, 'portfolio-batch'), nav(hash));
  const found = routes.map(([re, page]) => [re.exec(hash), page] as const).find(([m]) => m);
  if (!found) {
    location.hash = '#/portfolios';
    return;
  }
  const [m, page] = found;
  try {
    const done = await page({ me, main, title }, m!.slice(1));
    if (main.isConnected) cleanup = done;
    else done?.(); // navigated away while loading
  } catch (err) {
    const e = describeError(err);
    main.append(h('p', { role: 'alert', class: 'error' }, e.code === 'NOT_FOUND' ? 'Not found (or not yours).' : `Error: ${e.message}`));
  }
}

/** A /#token=… link signs in; the token leaves the address bar (and the history) at once. */
function takeTokenFromUrl(): boolean {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return false;
  tokenStore.set(decodeURIComponent(m[1]!));
  history.replaceState(null, '', `${location.pathname}#/portfolios`);
  return true;
}

function start(): void {
  window.addEventListener('hashchange', () => void route());
  void route();
}

start();
