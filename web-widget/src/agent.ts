// Agent console: sign in → desk socket (presence, rings) → Accept → the call → wrap-up.
//
// Pieces: desk-signin.ts (sign-in form, token in sessionStorage), desk-client.ts (the socket),
// agent-presence.ts (header state), agent-ring.ts (the ring), agent-call.ts (the call itself),
// agent-wrapup.ts (notes and wrap-up). This file wires them to the desk's messages.

import { AgentCall, type CallEnd } from './agent-call';
import { PresenceControl } from './agent-presence';
import { RingPanel } from './agent-ring';
import { CallNotes, WrapUpPanel } from './agent-wrapup';
import { DeskClient, DeskSignInError } from './desk-client';
import { languageName } from './desk-format';
import { type DeskSession, SignInForm, demoFromUrl, forgetSession, signInLoop } from './desk-signin';
import type { OfferMessage, PresenceMessage, SignedIn } from './desk-types';
import { getLocalMedia } from './media';
import { $, escapeHtml, getStatus, setStatus } from './ui';

const params = new URLSearchParams(location.search);
const alertEl = $('desk-alert');
const deskEl = $('desk');
const idleEl = $('idle-host');

let desk: DeskClient | null = null;
let profile: SignedIn | null = null;
let session: DeskSession | null = null;
let lastPresence: { msg: PresenceMessage; at: number } | null = null;
/** Accept pressed, `accepted` not yet here: the offer and the camera being started meanwhile. */
let accepting: { offer: OfferMessage; media: Promise<MediaStream> } | null = null;

const presence = new PresenceControl($('presence'), (state) => desk?.setPresence(state));
const ring = new RingPanel($('ring-host'), { onAccept: accept, onDecline: decline });
const call = new AgentCall($('stage-host'), $('transcript-host'), $('call-context'), {
  onEnded: callEnded,
  warn: (html) => showAlert('warn', html),
});
const notes = new CallNotes($('notes-host'));
const wrapUp = new WrapUpPanel($('wrapup-host'), (callId, disposition, text) => desk?.wrapUp(callId, disposition, text) ?? false);

// ---- alerts -------------------------------------------------------------------------------

type AlertKind = 'error' | 'info' | 'warn';

function showAlert(kind: AlertKind, html: string, action?: { label: string; run: () => void }, tag = ''): void {
  alertEl.hidden = false;
  alertEl.dataset['kind'] = kind;
  alertEl.dataset['tag'] = tag;
  alertEl.innerHTML = `<p>${html}</p>`;
  for (const a of [...(action ? [action] : []), { label: 'Dismiss', run: hideAlert }]) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = a.label === 'Dismiss' ? 'btn ghost' : 'btn primary';
    b.textContent = a.label;
    b.addEventListener('click', () => {
      hideAlert();
      if (a.run !== hideAlert) a.run();
    });
    alertEl.append(b);
  }
}

function hideAlert(tag?: string): void {
  if (tag !== undefined && alertEl.dataset['tag'] !== tag) return;
  alertEl.hidden = true;
  alertEl.innerHTML = '';
}

// ---- the idle card ------------------------------------------------------------------------

function renderIdle(): void {
  const quiet = !ring.offer && !call.active && !wrapUp.callId && !accepting;
  idleEl.hidden = !quiet;
  if (!quiet || !profile) return;
  const agent = profile.agent;
  const langs = (agent?.languages ?? []).map((l) => `<b>${escapeHtml(languageName(l))}</b>`).join(', ') || 'your languages';
  const skills = agent?.skills?.length ? `<p class="muted small">Skills: ${agent.skills.map(escapeHtml).join(', ')}</p>` : '';
  const state = presence.state;
  const head =
    state === 'available' ? `<h2>Ready for calls</h2><p>Shoppers who speak ${langs} ring here.</p>`
    : state === 'away' ? '<h2>You are away</h2><p>No calls ring while you are away. Choose <b>Available</b> at the top to take calls.</p>'
    : state === 'wrap_up' ? '<h2>Wrap-up</h2><p>Calls ring again when wrap-up ends.</p>'
    : state === 'busy' ? '<h2>Busy</h2><p>You are in a call.</p>'
    : '<h2>Connecting…</h2>';
  idleEl.innerHTML = `<section class="side-card idle-card" data-state="${state ?? 'offline'}">${head}${skills}</section>`;
  if (!call.active && getStatus() !== 'ended' && getStatus() !== 'error') {
    setStatus('idle', state === 'available' ? 'Ready' : state === 'away' ? 'Away' : 'Signed in');
  }
}

// ---- desk events --------------------------------------------------------------------------

function onPresence(m: PresenceMessage): void {
  const at = Date.now();
  lastPresence = { msg: m, at };
  presence.update(m, at);
  if (m.state === 'wrap_up' && m.call_id) {
    if (!wrapUp.callId && !call.active && profile) {
      // Signed in again during wrap-up (reload, reconnect): offer the form for that call.
      wrapUp.show(m.call_id, profile.dispositions ?? [], '', 'Finish the wrap-up of your last call.', null);
    }
    if (m.wrap_up_ends_at_ms !== null) wrapUp.setDeadline(m.call_id, m.since_ms, m.wrap_up_ends_at_ms, at);
  } else if (m.state !== 'busy' && wrapUp.callId) {
    wrapUp.windowOver();
  }
  if (m.state === 'away' && m.reason === 'missed_offer') {
    showAlert('warn', 'You missed a call, so you are set to <b>Away</b>.', { label: 'Go available', run: () => desk?.setPresence('available') }, 'missed');
  } else if (m.state === 'available') {
    hideAlert('missed');
    if (!call.active && getStatus() === 'ended') setStatus('idle', 'Ready');
  }
  renderIdle();
}

function onOffer(m: OfferMessage): void {
  if (call.active || accepting) return; // The server offers only to free agents; ignore a stray one.
  hideAlert('missed');
  ring.show(m);
  setStatus('waiting', 'Incoming call');
  renderIdle();
}

function accept(offer: OfferMessage): void {
  const media = getLocalMedia();
  media.catch(() => undefined); // Reported when the call starts.
  accepting = { offer, media };
  if (!desk?.accept(offer.offer_id)) {
    abandonAccept();
    showAlert('error', 'Not connected to the desk, so the call could not be accepted. Reconnecting…');
  }
}

function abandonAccept(): void {
  const a = accepting;
  accepting = null;
  ring.close();
  void a?.media.then((s) => s.getTracks().forEach((t) => t.stop()), () => undefined);
  renderIdle();
}

function decline(offer: OfferMessage): void {
  desk?.decline(offer.offer_id);
  setStatus('idle', 'Declined · ready');
  renderIdle();
}

function callEnded(end: CallEnd): void {
  const text = notes.take();
  const summary = end.connected ? end.detail.replace(/<[^>]*>/g, '') : `The call did not connect: ${end.detail.replace(/<[^>]*>/g, '')}`;
  wrapUp.show(end.callId, profile?.dispositions ?? [], text, summary, end.offer);
  const p = lastPresence;
  if (p && p.msg.state === 'wrap_up' && p.msg.call_id === end.callId && p.msg.wrap_up_ends_at_ms !== null) {
    wrapUp.setDeadline(end.callId, p.msg.since_ms, p.msg.wrap_up_ends_at_ms, p.at);
  }
  if (end.state === 'error') showAlert('error', end.detail);
  renderIdle();
}

function wire(d: DeskClient): void {
  d.on('presence', onPresence);
  d.on('offer', onOffer);
  d.on('offer_closed', (m) => {
    if (accepting?.offer.offer_id === m.offer_id) {
      if (m.reason === 'abandoned' || m.reason === 'timeout') {
        abandonAccept();
        showAlert('info', m.reason === 'abandoned' ? 'The shopper hung up before the call connected.' : 'The offer ran out before the server confirmed your accept.');
      }
      return;
    }
    if (ring.offer?.offer_id !== m.offer_id) return;
    ring.close();
    if (m.reason === 'abandoned') showAlert('info', 'The shopper hung up before you answered.', undefined, 'abandoned');
    if (getStatus() === 'waiting') setStatus('idle', 'Ready');
    renderIdle();
  });
  d.on('accepted', (m) => {
    const offer = accepting?.offer.offer_id === m.offer_id ? accepting.offer : ring.offer;
    const media = accepting?.offer.offer_id === m.offer_id ? accepting.media : getLocalMedia();
    accepting = null;
    ring.close();
    wrapUp.close();
    hideAlert();
    notes.show(offer);
    void call.join(m.token, m.call_id, offer, media, profile?.agent?.name ?? session?.demo?.name ?? 'Product expert');
    renderIdle(); // After join: the call is active now, so the idle card goes.
  });
  d.on('wrap_up_saved', (m) => {
    wrapUp.saved(m.call_id);
    setTimeout(renderIdle, 1300);
  });
  d.on('error', (m) => {
    if (accepting && (m.code === 'offer_expired' || m.code === 'unknown_call' || m.code === 'unknown_offer')) {
      abandonAccept();
      showAlert('info', `That call was already gone <small>${escapeHtml(m.message)} (${escapeHtml(m.code)})</small>`);
    } else if (wrapUp.callId && /wrap|disposition|notes/i.test(`${m.code} ${m.message}`)) {
      wrapUp.failed(`${m.message} (${m.code})`);
    } else {
      showAlert('warn', `<code>${escapeHtml(m.code)}</code> ${escapeHtml(m.message)}`);
    }
  });
  d.on('connection', ({ state, retryInMs, code, message }) => {
    if (state === 'reconnecting') {
      presence.offline('Reconnecting…');
      showAlert('warn', `Lost the connection to the desk. Reconnecting${retryInMs ? ` in ${Math.ceil(retryInMs / 1000)} s` : ''}… Calls cannot ring meanwhile.`, undefined, 'desk');
    } else if (state === 'online') {
      hideAlert('desk');
    } else if (state === 'signed_out' && profile) {
      presence.offline('Signed out');
      showAlert('error', `The desk signed you out: ${escapeHtml(message ?? '')} (${escapeHtml(code ?? 'unknown')})`, { label: 'Sign in again', run: signOut }, 'desk');
    }
  });
}

// ---- sign-in ------------------------------------------------------------------------------

async function connect(s: DeskSession): Promise<void> {
  const d = new DeskClient({ token: s.token, presence: params.get('presence') === 'away' ? 'away' : 'available' });
  wire(d);
  desk = d;
  let info: SignedIn;
  try {
    info = await d.connect();
  } catch (err) {
    desk = null;
    throw err;
  }
  if (info.role !== 'agent') {
    d.close();
    desk = null;
    throw new DeskSignInError('forbidden', `This is a ${info.role} token; the console needs an agent token.`);
  }
  profile = info;
  session = s;
  const a = info.agent;
  $('agent-identity').textContent = a ? `${a.name || a.id} · ${a.languages.map((l) => l.toUpperCase()).join(' ')}` : '';
  $('sign-out').hidden = false;
  deskEl.hidden = false;
  renderIdle();
}

async function start(): Promise<void> {
  presence.offline('Signed out');
  setStatus('connecting', 'Signing in…');
  const form = new SignInForm($('signin'), 'agent', demoFromUrl('agent', params));
  await signInLoop('agent', params, form, connect, (state, text) => setStatus(state, text));
}

function signOut(): void {
  call.leave();
  desk?.close();
  forgetSession('agent');
  location.href = location.pathname;
}

$('sign-out').addEventListener('click', signOut);
window.addEventListener('pagehide', () => {
  call.leave();
  desk?.close();
});
void start();
