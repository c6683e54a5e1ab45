// The reviewer's sign-in: a bearer token (demo sign-in or pasted) kept in sessionStorage, and
// the sign-in form. The review API accepts reviewer and admin tokens only.

import { ApiError } from './api';
import { demoToken, search } from './review-api';
import { errorMessage, formatDateTime } from './review-format';
import { escapeHtml } from './ui';

const STORAGE_KEY = 'showroom.review.session';

export interface Session {
  token: string;
  identity: string;
  role: string;
  /** Null for an admin token without a tenant (it may search any). */
  tenant: string | null;
  /** Unix seconds, when known. */
  expiresAt: number | null;
}

interface Claims {
  sub?: unknown;
  role?: unknown;
  tenant?: unknown;
  exp?: unknown;
}

/** The claims of a JWT, read without verifying it (the server verifies); null if it is not one. */
export function readClaims(token: string): Claims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const claims = JSON.parse(json) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Claims) : null;
  } catch {
    return null;
  }
}

function fromToken(token: string): Session | null {
  const c = readClaims(token);
  if (!c) return null;
  return {
    token,
    identity: typeof c.sub === 'string' ? c.sub : 'unknown',
    role: typeof c.role === 'string' ? c.role : 'unknown',
    tenant: typeof c.tenant === 'string' ? c.tenant : null,
    expiresAt: typeof c.exp === 'number' ? c.exp : null,
  };
}

export function isExpired(s: Session, nowS = Date.now() / 1000): boolean {
  return s.expiresAt !== null && s.expiresAt <= nowS;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (typeof s?.token !== 'string' || isExpired(s)) {
      sessionStorage.removeItem(STORAGE_KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

function saveSession(s: Session): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
  } catch {
    // Private mode without storage: the session lasts as long as the page.
  }
}

export function clearSession(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
}

/** Why a pasted token cannot be used, in words; null if it looks usable. */
function pastedTokenProblem(s: Session | null): string | null {
  if (!s) return 'This is not a Showroom token: a token is three dot-separated parts (eyJ…).';
  if (s.role !== 'reviewer' && s.role !== 'admin') {
    return `This token is for role “${s.role}”. The review pages need a reviewer or admin token.`;
  }
  if (s.role === 'reviewer' && !s.tenant) return 'This reviewer token names no shop (tenant); ask for one minted with --tenant.';
  if (isExpired(s)) return `This token expired on ${formatDateTime(new Date((s.expiresAt ?? 0) * 1000).toISOString())}. Ask for a new one.`;
  return null;
}

export interface SignInOptions {
  /** Shown above the form (e.g. "Your session expired"). */
  notice?: string;
  onSignedIn: (s: Session) => void;
}

/** Renders the sign-in form into `host`. */
export function renderSignIn(host: HTMLElement, opts: SignInOptions): void {
  host.innerHTML = `
    <section class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in to review calls</h1>
      <p class="signin-lede">Search transcripts, listen to calls, check scorecards and override verdicts.</p>
      <div id="signin-notice" class="alert" data-kind="warn" role="alert" ${opts.notice ? '' : 'hidden'}><p>${escapeHtml(opts.notice ?? '')}</p></div>
      <form id="demo-form" class="signin-card" novalidate>
        <h2>Demo sign-in</h2>
        <p class="hint">On a demo server anyone may sign in as a reviewer of one shop.</p>
        <div class="signin-fields">
          <label>Your name <input id="signin-identity" name="identity" autocomplete="username" maxlength="64" value="reviewer" required></label>
          <label>Shop (tenant) <input id="signin-tenant" name="tenant" maxlength="64" value="default" required></label>
        </div>
        <button type="submit" class="btn primary" id="demo-signin">Demo sign-in</button>
        <p class="form-error" id="demo-error" role="alert" hidden></p>
      </form>
      <p class="signin-or"><span>or</span></p>
      <form id="paste-form" class="signin-card" novalidate>
        <h2><label for="signin-token">Paste a token</label></h2>
        <p class="hint">A reviewer or admin token, e.g. from <code>showroom token --role reviewer --identity you --tenant shop</code>.</p>
        <textarea id="signin-token" rows="3" spellcheck="false" autocomplete="off" placeholder="eyJ…"></textarea>
        <button type="submit" class="btn secondary" id="paste-signin" disabled>Use this token</button>
        <p class="form-error" id="paste-error" role="alert" hidden></p>
      </form>
    </section>`;

  const demoForm = host.querySelector<HTMLFormElement>('#demo-form')!;
  const pasteForm = host.querySelector<HTMLFormElement>('#paste-form')!;
  const identity = host.querySelector<HTMLInputElement>('#signin-identity')!;
  const tenant = host.querySelector<HTMLInputElement>('#signin-tenant')!;
  const demoButton = host.querySelector<HTMLButtonElement>('#demo-signin')!;
  const demoError = host.querySelector<HTMLElement>('#demo-error')!;
  const tokenBox = host.querySelector<HTMLTextAreaElement>('#signin-token')!;
  const pasteButton = host.querySelector<HTMLButtonElement>('#paste-signin')!;
  const pasteError = host.querySelector<HTMLElement>('#paste-error')!;

  const showError = (el: HTMLElement, text: string | null) => {
    el.hidden = !text;
    el.textContent = text ?? '';
  };

  demoForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = identity.value.trim();
    const shop = tenant.value.trim();
    if (!name || !shop) {
      showError(demoError, !name ? 'Type your name: it is recorded with every call you open and every override.' : 'Type the shop (tenant) whose calls you review; “default” on a demo server.');
      (!name ? identity : tenant).focus();
      return;
    }
    showError(demoError, null);
    demoButton.disabled = true;
    demoButton.innerHTML = '<span class="spinner small light" aria-hidden="true"></span> Signing in…';
    try {
      const t = await demoToken(name, shop);
      const s: Session = { token: t.token, identity: name, role: 'reviewer', tenant: t.tenant, expiresAt: t.expires_at };
      saveSession(s);
      opts.onSignedIn(s);
    } catch (err) {
      demoButton.disabled = false;
      demoButton.textContent = 'Demo sign-in';
      if (err instanceof ApiError && err.status === 403) {
        showError(demoError, 'Demo sign-in is turned off on this server. Paste a reviewer token below instead — an admin mints one with `showroom token --role reviewer --identity <you> --tenant <shop>`.');
        pasteForm.classList.add('suggested');
        tokenBox.focus();
      } else {
        showError(demoError, `Could not sign in: ${errorMessage(err)}${err instanceof ApiError && err.status ? ` (HTTP ${err.status})` : ''}`);
      }
    }
  });

  tokenBox.addEventListener('input', () => {
    pasteButton.disabled = tokenBox.value.trim().length === 0;
    showError(pasteError, null);
  });

  pasteForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const raw = tokenBox.value.trim().replace(/^Bearer\s+/i, '');
    if (!raw) return;
    const s = fromToken(raw);
    const problem = pastedTokenProblem(s);
    if (problem || !s) {
      showError(pasteError, problem);
      tokenBox.focus();
      return;
    }
    pasteButton.disabled = true;
    pasteButton.textContent = 'Checking the token…';
    try {
      // One cheap search tells whether this server accepts the token.
      await search(s.token, new URLSearchParams({ limit: '1' }));
      saveSession(s);
      opts.onSignedIn(s);
    } catch (err) {
      pasteButton.disabled = false;
      pasteButton.textContent = 'Use this token';
      const why =
        err instanceof ApiError && err.status === 401
          ? `The server does not accept this token (${err.message}). It may be expired or minted with another server's secret.`
          : err instanceof ApiError && err.status === 403
            ? `The server refused this token: ${err.message}.`
            : `Could not check the token: ${errorMessage(err)}`;
      showError(pasteError, why);
    }
  });

  identity.focus();
  identity.select();
}
