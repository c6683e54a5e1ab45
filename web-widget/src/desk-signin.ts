// Sign-in for the agent console and the supervisor view: demo sign-in (GET /v1/desk/token) or a
// pasted token (`showroom token --role agent|supervisor`). The token stays in sessionStorage for
// the tab. URL parameters fill the form; `autosignin=1` submits it at once (used by tests and
// bookmarked desks): `?identity=ana&name=Ana&languages=es,en&skills=headphones&autosignin=1`.

import { ApiError } from './api';
import { type DemoSignIn, demoDeskToken, parseLanguages, parseSkills, peekToken } from './desk-api';
import { DeskSignInError } from './desk-client';
import type { DeskRole } from './desk-types';
import { escapeHtml } from './ui';

export interface DeskSession {
  token: string;
  role: DeskRole;
  /** Fields the person chose for demo sign-in (kept to sign in again after a token expires). */
  demo: DemoSignIn | null;
}

const storageKey = (role: DeskRole) => `showroom.desk.${role}`;

export function loadSession(role: DeskRole): DeskSession | null {
  try {
    const raw = sessionStorage.getItem(storageKey(role));
    if (!raw) return null;
    const s = JSON.parse(raw) as DeskSession;
    const exp = peekToken(s.token).exp;
    if (typeof s.token !== 'string' || (exp !== null && exp * 1000 <= Date.now())) return null;
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: DeskSession): void {
  try {
    sessionStorage.setItem(storageKey(s.role), JSON.stringify(s));
  } catch {
    // No storage (private mode): the session lasts as long as the page.
  }
}

export function forgetSession(role: DeskRole): void {
  try {
    sessionStorage.removeItem(storageKey(role));
  } catch {
    // Nothing stored.
  }
}

/** Demo sign-in fields from the URL (`identity`, `name`, `languages`, `skills`, `tenant`). */
export function demoFromUrl(role: DeskRole, params: URLSearchParams): DemoSignIn {
  const out: DemoSignIn = { role, identity: params.get('identity') ?? '' };
  const name = params.get('name');
  if (name) out.name = name;
  const tenant = params.get('tenant');
  if (tenant) out.tenant = tenant;
  if (role === 'agent') {
    out.languages = parseLanguages(params.get('languages') ?? '');
    out.skills = parseSkills(params.get('skills') ?? '');
  }
  return out;
}

/** A readable reason from a failed sign-in, naming the HTTP status when there is one. */
export function signInErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 403 || err.status === 404) return `${err.message} (${err.status}). Paste a token instead.`;
    return `${err.message} (${err.status || 'network'})`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Renders the sign-in form into `host` and resolves with a session once the person signed in
 * (the desk socket may still refuse the token: call `showError` and keep waiting).
 */
export class SignInForm {
  private resolve: ((s: DeskSession) => void) | null = null;

  constructor(private readonly host: HTMLElement, private readonly role: DeskRole, private readonly initial: DemoSignIn) {}

  /** Shows the form; resolves on submit. */
  ask(): Promise<DeskSession> {
    if (!this.host.querySelector('.signin-card')) this.render();
    this.host.hidden = false;
    return new Promise((resolve) => (this.resolve = resolve));
  }

  hide(): void {
    this.host.hidden = true;
  }

  showError(text: string): void {
    this.host.hidden = false;
    const el = this.host.querySelector<HTMLElement>('#signin-error');
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
    this.busy(false);
  }

  /** Runs demo sign-in with these fields (autosignin); errors land in the form. */
  async submitDemo(demo: DemoSignIn): Promise<void> {
    this.busy(true);
    try {
      const token = await demoDeskToken(demo);
      this.finish({ token, role: this.role, demo });
    } catch (err) {
      this.showError(`Could not sign in: ${signInErrorText(err)}`);
    }
  }

  private finish(s: DeskSession): void {
    saveSession(s);
    const r = this.resolve;
    this.resolve = null;
    r?.(s);
  }

  private busy(on: boolean): void {
    for (const b of this.host.querySelectorAll<HTMLButtonElement>('button')) b.disabled = on;
    this.host.querySelector('.signin-progress')?.toggleAttribute('hidden', !on);
  }

  private render(): void {
    const d = this.initial;
    const agent = this.role === 'agent';
    const field = (id: string, label: string, value: string, hint = '') =>
      `<label class="field" for="${id}"><span>${label}</span><input id="${id}" type="text" value="${escapeHtml(value)}" autocomplete="off">${hint ? `<small>${hint}</small>` : ''}</label>`;
    this.host.innerHTML = `
      <div class="signin-card">
        <h1>${agent ? 'Sign in to the desk' : 'Supervisor sign-in'}</h1>
        <p class="signin-lede">${agent ? 'Calls ring here when a shopper asks for an expert in a language you speak.' : 'Queues, agents and live calls of your shop, updated every two seconds.'}</p>
        <form id="signin-demo" class="signin-form">
          <h2>Demo sign-in</h2>
          ${field('signin-name', 'Your name', d.name ?? '')}
          ${field('signin-identity', 'Identity', d.identity, 'Your login, e.g. <code>ana</code>.')}
          ${agent ? field('signin-languages', 'Languages', (d.languages ?? []).join(', '), 'Comma-separated, e.g. <code>es, en</code>.') : ''}
          ${agent ? field('signin-skills', 'Skills', (d.skills ?? []).join(', '), 'Product categories, e.g. <code>headphones</code>.') : ''}
          <button type="submit" class="btn primary" id="signin-submit">Sign in</button>
        </form>
        <form id="signin-token-form" class="signin-form">
          <h2>Or paste a token</h2>
          <label class="field" for="signin-token"><span>${agent ? 'Agent' : 'Supervisor'} token</span>
            <textarea id="signin-token" rows="3" spellcheck="false" placeholder="showroom token --role ${this.role} --identity you"></textarea></label>
          <button type="submit" class="btn secondary" id="signin-token-submit">Use token</button>
        </form>
        <p class="signin-progress" hidden><span class="spinner small"></span> Signing in…</p>
        <p class="signin-error" id="signin-error" role="alert" hidden></p>
      </div>`;
    const value = (id: string) => this.host.querySelector<HTMLInputElement | HTMLTextAreaElement>(`#${id}`)?.value.trim() ?? '';
    this.host.querySelector('#signin-demo')!.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const identity = value('signin-identity') || value('signin-name').toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
      if (!identity) return this.showError('Enter your name or an identity.');
      const demo: DemoSignIn = { role: this.role, identity };
      if (value('signin-name')) demo.name = value('signin-name');
      if (this.initial.tenant) demo.tenant = this.initial.tenant;
      if (agent) {
        demo.languages = parseLanguages(value('signin-languages'));
        demo.skills = parseSkills(value('signin-skills'));
      }
      void this.submitDemo(demo);
    });
    this.host.querySelector('#signin-token-form')!.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const token = value('signin-token');
      const claims = peekToken(token);
      if (!token) return this.showError('Paste a token first.');
      if (claims.role && claims.role !== this.role && claims.role !== 'admin') {
        return this.showError(`This is a token for the role “${claims.role}”; this page needs ${this.role === 'agent' ? 'an agent' : 'a supervisor'} token.`);
      }
      if (claims.exp !== null && claims.exp * 1000 <= Date.now()) return this.showError('This token has expired. Mint a new one.');
      this.finish({ token, role: this.role, demo: null });
    });
  }
}

/**
 * Signs in until it works: the URL's demo identity (`?identity=…&autosignin=1`), else a session
 * kept for this tab, else whatever the form gets. A refused sign-in is explained on the form,
 * which waits for another try. `status` mirrors progress in the page header.
 */
export async function signInLoop(
  role: DeskRole,
  params: URLSearchParams,
  form: SignInForm,
  connect: (s: DeskSession) => Promise<void>,
  status: (state: 'idle' | 'connecting' | 'error', text: string) => void,
): Promise<void> {
  const auto = params.get('autosignin') === '1' && !!params.get('identity');
  let s: DeskSession | null = auto ? null : loadSession(role);
  let asked: Promise<DeskSession> | null = null;
  let refused = false;
  if (auto) {
    asked = form.ask();
    void form.submitDemo(demoFromUrl(role, params));
  }
  for (;;) {
    if (!s) {
      if (!refused) status('idle', 'Signed out'); // After a refusal the error stays up while they retry.
      s = await (asked ?? form.ask());
      asked = null;
    }
    status('connecting', 'Signing in…');
    try {
      await connect(s);
      form.hide();
      return;
    } catch (err) {
      forgetSession(role);
      const code = err instanceof DeskSignInError ? err.code : 'error';
      status('error', `Sign-in refused (${code})`);
      asked = form.ask();
      refused = true;
      form.showError(`The desk refused this sign-in: ${err instanceof Error ? err.message : String(err)} (${code})`);
      s = null;
    }
  }
}
