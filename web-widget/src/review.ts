// The QA reviewer's pages (`/review`): sign-in, then the search view or one call, chosen by the
// URL hash (`#q=…&team=…` searches, `#call=<id>[&t=<s>]` opens a call), so links, reload and
// back/forward work. The token lives in sessionStorage; a 401 anywhere signs out and comes back
// to the same place after signing in again.

import type { ApiError } from './api';
import { CallView } from './review-call';
import { escapeHtml } from './ui';
import { clearSession, isExpired, loadSession, renderSignIn, type Session } from './review-session';
import { parseSearchState, SearchView } from './review-search';

const main = document.getElementById('review-main')!;
const who = document.getElementById('review-who')!;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;

let session: Session | null = loadSession();
let searchView: SearchView | null = null;
let callView: CallView | null = null;
let lastSearchHash = sessionStorage.getItem('showroom.review.lastSearch') ?? '';

/** The bearer token; an expired one is caught by route() or refused by the server (401). */
function token(): string {
  return session?.token ?? '';
}

function onAuthError(err: ApiError): void {
  signOut(`The server ended your session (${err.message}). Sign in again to continue where you were.`);
}

function signOut(notice?: string): void {
  clearSession();
  session = null;
  callView?.destroy();
  callView = null;
  searchView?.root.remove();
  searchView = null;
  renderHeader();
  renderSignIn(main, {
    ...(notice ? { notice } : {}),
    onSignedIn: (s) => {
      session = s;
      main.innerHTML = '';
      renderHeader();
      route();
    },
  });
  document.title = 'Sign in · Showroom Review';
}

function renderHeader(): void {
  signOutButton.hidden = !session;
  if (!session) {
    who.innerHTML = '';
    return;
  }
  const tenant = session.tenant ? ` · shop <b>${escapeHtml(session.tenant)}</b>` : ' · any shop (choose it in the filters)';
  who.innerHTML = `Signed in as <b id="review-identity">${escapeHtml(session.identity)}</b> (${escapeHtml(session.role)})${tenant}`;
}

function route(): void {
  if (!session) return;
  if (isExpired(session)) {
    signOut('Your sign-in expired. Sign in again to continue where you were.');
    return;
  }
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const callId = params.get('call');
  if (callId) {
    const t = Number(params.get('t'));
    searchView?.hide();
    if (callView?.callId !== callId) {
      callView?.destroy();
      callView = new CallView(main, { token, onAuthError, backHash: lastSearchHash }, callId, Number.isFinite(t) && params.has('t') ? t : null);
      window.scrollTo(0, 0);
    }
    return;
  }
  callView?.destroy();
  callView = null;
  if (!searchView) searchView = new SearchView(main, { token, onAuthError, anyTenant: session.role === 'admin' && !session.tenant });
  searchView.show(parseSearchState(params));
  lastSearchHash = searchView.currentHash();
  sessionStorage.setItem('showroom.review.lastSearch', lastSearchHash);
  document.title = 'Search calls · Showroom Review';
}

signOutButton.addEventListener('click', () => {
  signOut();
  history.replaceState(null, '', location.pathname);
});
window.addEventListener('hashchange', route);

renderHeader();
if (session) route();
else signOut();
