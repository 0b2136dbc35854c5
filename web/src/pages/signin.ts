import { api, describeError, tokenStore } from '../api.js';
import { h } from '../dom.js';

/** Sign in with a token: ADMIN_TOKEN or a user token (kept in this tab's sessionStorage only). */
export function signInPage(main: HTMLElement, title: (t: string) => HTMLElement, done: () => Promise<void>): void {
  title('Sign in');
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('p', { role: 'alert', class: 'error' });
  const form = h(
    'form',
    {
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        const token = input.value.trim();
        tokenStore.set(token);
        api.user.me.query().then(
          () => void done(),
          (err: unknown) => {
            tokenStore.clear();
            const e = describeError(err);
            status.textContent = e.code === 'UNAUTHORIZED' ? 'That token is not valid (unknown or revoked).' : `Could not sign in: ${e.message}`;
          },
        );
      },
    },
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { class: 'hint' }, 'The admin token (ADMIN_TOKEN) or a user token from user.create. It stays in this browser tab only.'),
    h('button', { type: 'submit' }, 'Sign in'),
    status,
  );
  main.append(form);
  input.focus();
}
