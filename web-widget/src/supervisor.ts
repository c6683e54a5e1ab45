// Supervisor view: sign in → desk socket → the board (queues, waiting shoppers, agents, live
// calls, callbacks) → Listen joins a live call listen-only.

import { ApiError } from './api';
import { listenToken } from './desk-api';
import { DeskClient, DeskSignInError } from './desk-client';
import { type DeskSession, SignInForm, demoFromUrl, forgetSession, signInLoop } from './desk-signin';
import type { LiveCall } from './desk-types';
import { BoardView } from './supervisor-board';
import { ListenPanel } from './supervisor-listen';
import { $, escapeHtml } from './ui';

const params = new URLSearchParams(location.search);
const alertEl = $('desk-alert');
const connEl = $('board-connection');

let desk: DeskClient | null = null;
let session: DeskSession | null = null;

const listen = new ListenPanel($('listen-host'), () => board.setListening(null));
const board = new BoardView($('board-host'), (call) => void startListening(call));

function showAlert(kind: 'error' | 'warn' | 'info', html: string): void {
  alertEl.hidden = false;
  alertEl.dataset['kind'] = kind;
  alertEl.innerHTML = `<p>${html}</p>`;
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn ghost';
  b.textContent = 'Dismiss';
  b.addEventListener('click', () => (alertEl.hidden = true));
  alertEl.append(b);
}

async function startListening(call: LiveCall): Promise<void> {
  if (!session) return;
  listen.opening(call);
  board.setListening(call.call_id);
  try {
    const { token } = await listenToken(session.token, call.call_id);
    await listen.join(token, session.demo?.name ?? 'Supervisor');
  } catch (err) {
    const why = err instanceof ApiError ? `${err.message} (${err.status || 'network'})` : String(err);
    listen.fail(`Could not listen: ${why}`);
    board.setListening(null);
  }
}

function setConnection(state: string, text: string): void {
  connEl.dataset['state'] = state;
  connEl.textContent = text;
}

async function connect(s: DeskSession): Promise<void> {
  const d = new DeskClient({ token: s.token });
  d.on('board', (b) => board.update(b));
  d.on('error', (m) => showAlert('warn', `<code>${escapeHtml(m.code)}</code> ${escapeHtml(m.message)}`));
  d.on('connection', ({ state, retryInMs, code, message }) => {
    if (state === 'online') setConnection('connected', 'Live');
    else if (state === 'reconnecting') setConnection('reconnecting', `Reconnecting${retryInMs ? ` in ${Math.ceil(retryInMs / 1000)} s` : ''}…`);
    else if (state === 'signed_out' && session) {
      setConnection('error', 'Signed out');
      showAlert('error', `The desk signed you out: ${escapeHtml(message ?? '')} (${escapeHtml(code ?? 'unknown')}). Reload to sign in again.`);
    }
  });
  const info = await d.connect();
  if (info.role !== 'supervisor') {
    d.close();
    throw new DeskSignInError('forbidden', `This is an ${info.role} token; the supervisor view needs a supervisor token.`);
  }
  desk = d;
  session = s;
  $('board-host').hidden = false;
  $('sign-out').hidden = false;
  $('supervisor-identity').textContent = s.demo?.name ?? s.demo?.identity ?? '';
}

async function start(): Promise<void> {
  setConnection('connecting', 'Signing in…');
  const form = new SignInForm($('signin'), 'supervisor', demoFromUrl('supervisor', params));
  await signInLoop('supervisor', params, form, connect, setConnection);
}

$('sign-out').addEventListener('click', () => {
  listen.stop(false);
  desk?.close();
  forgetSession('supervisor');
  location.href = location.pathname;
});
window.addEventListener('pagehide', () => {
  listen.stop(false);
  desk?.close();
});
void start();
