// Agent desk: desk token → poll the waiting queue every second → Answer → CallClient.

import { ApiError, answerCall, getDeskToken, listWaitingCalls, type WaitingCall } from './api';
import { CallClient, CallError } from './call-client';
import { describeMediaError, getLocalMedia } from './media';
import { describeError, type ParticipantInfo } from './protocol';
import { OvertalkAlerts } from './overtalk';
import { TranscriptPanel } from './transcript';
import { $, CallStage, escapeHtml, exposeForTests, formatDuration, getStatus, safeHttpUrl, setStatus } from './ui';

const POLL_INTERVAL_MS = 1000;
const params = new URLSearchParams(location.search);
const identity = params.get('identity') ?? `agent-${Math.random().toString(36).slice(2, 8)}`;
const displayName = params.get('name') ?? 'Product expert';

const queueEl = $('queue');
const alertEl = $('desk-alert');
const contextEl = $('call-context');

let deskToken: string | null = null;
let calls: WaitingCall[] = [];
let pollTimer: ReturnType<typeof setTimeout> | null = null;
let pollFailures = 0;
let busy = false;
let client: CallClient | null = null;
let current: { callId: string; info: WaitingCall | null; startedAt: number | null } | null = null;
let customer: ParticipantInfo | null = null;
let contextTimer: ReturnType<typeof setInterval> | null = null;

const stage = new CallStage($('stage-host'), { remoteLabel: 'Customer', switchCamera: true, onEnd: () => endCall() });
stage.reset();
stage.setPlaceholder('<p class="big">No active call</p><p>Answer a customer from the queue to start.</p>');
const transcript = new TranscriptPanel($('transcript-host'));
transcript.hide();
let talkOvers = 0;
const overtalk = new OvertalkAlerts(transcript.root, transcript, (n) => {
  talkOvers = n;
  renderContext();
});

// ---- alerts & status -------------------------------------------------------------------------

function showAlert(kind: 'error' | 'info' | 'warn', html: string, action?: { label: string; run: () => void }): void {
  alertEl.hidden = false;
  alertEl.dataset['kind'] = kind;
  alertEl.innerHTML = `<p>${html}</p>`;
  const buttons = action ? [action] : [];
  buttons.push({ label: 'Dismiss', run: () => hideAlert() });
  for (const a of buttons) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = a.label === 'Dismiss' ? 'btn ghost' : 'btn primary';
    b.textContent = a.label;
    b.addEventListener('click', a.run);
    alertEl.append(b);
  }
}

function hideAlert(): void {
  alertEl.hidden = true;
  alertEl.innerHTML = '';
  const s = getStatus();
  if (!busy && (s === 'error' || s === 'ended') && deskToken) setIdleStatus(true);
}

function setIdleStatus(force = false): void {
  if (busy || !deskToken) return;
  const s = getStatus();
  if (!force && s !== 'idle' && s !== 'connecting') return;
  const n = calls.length;
  setStatus('idle', n === 0 ? 'Ready · queue empty' : `Ready · ${n} waiting`);
}

// ---- queue ----------------------------------------------------------------------------------

function cardHtml(c: WaitingCall): string {
  const name = c.customer_name?.trim() || 'Customer';
  const product = c.product
    ? `<p class="card-product"><span>${escapeHtml(c.product.title ?? c.product.sku ?? 'Product')}</span>${c.product.price ? `<b>${escapeHtml(c.product.price)}</b>` : ''}</p>`
    : '<p class="card-product muted">No product context</p>';
  const lang = c.language ? ` · ${escapeHtml(c.language)}` : '';
  return `
    <div class="avatar" aria-hidden="true">${escapeHtml(name.charAt(0).toUpperCase())}</div>
    <div class="card-main">
      <h3>${escapeHtml(name)}</h3>
      ${product}
      <p class="card-meta">Waiting <span class="wait"></span>${lang}</p>
    </div>
    <button type="button" class="btn primary answer">Answer</button>`;
}

function renderQueue(): void {
  $('queue-count').textContent = String(calls.length);
  const seen = new Set<string>();
  const sorted = [...calls].sort((a, b) => a.created_at_ms - b.created_at_ms);
  sorted.forEach((c, idx) => {
    seen.add(c.call_id);
    let card = queueEl.querySelector<HTMLElement>(`[data-call-id="${CSS.escape(c.call_id)}"]`);
    if (!card) {
      card = document.createElement('article');
      card.className = 'call-card';
      card.dataset['callId'] = c.call_id;
      card.innerHTML = cardHtml(c);
      card.querySelector('.answer')!.addEventListener('click', () => void answer(c.call_id));
    }
    const at = queueEl.children[idx] ?? null;
    if (at !== card) queueEl.insertBefore(card, at); // Oldest first; untouched cards keep their DOM.
    const waited = Date.now() - c.created_at_ms;
    card.querySelector('.wait')!.textContent = formatDuration(waited);
    card.classList.toggle('long-wait', waited > 60_000);
    card.querySelector<HTMLButtonElement>('.answer')!.disabled = busy;
  });
  for (const card of queueEl.querySelectorAll<HTMLElement>('[data-call-id]')) {
    if (!seen.has(card.dataset['callId'] ?? '')) card.remove();
  }
  queueEl.querySelector('.empty')?.remove();
  if (calls.length === 0) {
    queueEl.insertAdjacentHTML('beforeend', '<p class="empty">No one is waiting. New calls show up here within a second.</p>');
  }
  setIdleStatus();
}

async function poll(): Promise<void> {
  pollTimer = null;
  if (!deskToken) return;
  try {
    calls = await listWaitingCalls(deskToken);
    if (pollFailures > 0 && alertEl.dataset['kind'] === 'warn') hideAlert();
    pollFailures = 0;
    renderQueue();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      deskToken = null;
      if (!busy) setStatus('error', `Desk sign-in refused (${err.status})`);
      showAlert('error', `The server refused this desk session (${err.status}): ${escapeHtml(err.message)}`, {
        label: 'Sign in again',
        run: () => { hideAlert(); void signIn(); },
      });
      return;
    }
    pollFailures += 1;
    if (pollFailures === 3) showAlert('warn', `Cannot load the queue: ${escapeHtml(String((err as Error).message ?? err))}. Retrying…`);
  }
  pollTimer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
}

async function signIn(): Promise<void> {
  setStatus('connecting', 'Signing in…');
  try {
    deskToken = await getDeskToken(identity);
  } catch (err) {
    const why = err instanceof ApiError ? `${escapeHtml(err.message)} (${err.status || 'network'})` : escapeHtml(String(err));
    setStatus('error', 'Sign-in failed');
    showAlert('error', `Could not sign in to the desk: ${why}`, { label: 'Try again', run: () => { hideAlert(); void signIn(); } });
    return;
  }
  $('agent-identity').textContent = identity;
  setIdleStatus(true);
  if (pollTimer) clearTimeout(pollTimer);
  await poll();
  const deepLink = params.get('call');
  if (deepLink) void answer(deepLink);
}

// ---- the call -------------------------------------------------------------------------------

function setBusy(value: boolean): void {
  busy = value;
  for (const b of queueEl.querySelectorAll<HTMLButtonElement>('.answer')) b.disabled = value;
}

function renderContext(): void {
  if (!current) {
    contextEl.hidden = true;
    return;
  }
  const info = current.info;
  const name = customer?.name ?? info?.customer_name ?? 'Customer';
  const p = info?.product;
  const image = safeHttpUrl(p?.image);
  const link = safeHttpUrl(p?.url);
  const product = p
    ? `<div class="ctx-product">${image ? `<img src="${escapeHtml(image)}" alt="">` : ''}<div><b>${escapeHtml(p.title ?? 'Product')}</b>` +
      `<span>${[p.price, p.sku].filter(Boolean).map((x) => escapeHtml(x!)).join(' · ')}</span>` +
      `${link ? `<a href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer">Open product page</a>` : ''}</div></div>`
    : '';
  const timer = current.startedAt ? `In call <b>${formatDuration(Date.now() - current.startedAt)}</b>` : 'Connecting…';
  contextEl.hidden = false;
  // Agent interruptions this call; a plain count, no alarm colour.
  const counter = `<span class="talkover-count" id="talkover-count" data-count="${talkOvers}" title="Times you talked over the customer in this call">Talk-overs: ${talkOvers}</span>`;
  contextEl.innerHTML = `<div class="ctx-who"><h2>${escapeHtml(name)}</h2><p>${timer}${info?.language ? ` · ${escapeHtml(info.language)}` : ''} · ${counter}</p></div>${product}`;
}

function failAnswer(title: string, detail: string): void {
  setStatus('error', title);
  showAlert('error', detail);
  setBusy(false);
  current = null;
  renderContext();
}

async function answer(callId: string): Promise<void> {
  if (busy || !deskToken) return;
  setBusy(true);
  hideAlert();
  current = { callId, info: calls.find((c) => c.call_id === callId) ?? null, startedAt: null };
  customer = null;
  setStatus('connecting', 'Answering…');
  renderContext();

  let stream: MediaStream;
  try {
    stream = await getLocalMedia();
  } catch (err) {
    failAnswer('Camera blocked', escapeHtml(describeMediaError(err)));
    return;
  }
  let token: string;
  try {
    token = (await answerCall(deskToken, callId)).token;
  } catch (err) {
    for (const t of stream.getTracks()) t.stop();
    calls = calls.filter((c) => c.call_id !== callId);
    renderQueue();
    if (!(err instanceof ApiError)) return failAnswer('Could not answer', escapeHtml(String(err)));
    const why =
      err.status === 409 ? 'Another expert already answered this call.'
      : err.status === 404 ? 'This call is no longer waiting — the customer may have hung up.'
      : err.status === 401 || err.status === 403 ? 'The server refused this desk session.'
      : 'The server could not hand over this call.';
    return failAnswer(`Could not answer (${err.status || 'network'})`, `${why} <small>${escapeHtml(err.message)} (${err.status || 'network'})</small>`);
  }

  const c = new CallClient({ token, stream, name: displayName });
  client = c;
  exposeForTests(c);
  stage.attach(c);
  transcript.start(null);
  overtalk.reset();
  document.body.classList.add('has-transcript');
  c.on('transcript', (m) => {
    if (c !== client) return;
    transcript.setSelf(c.participantId);
    transcript.update(m);
  });
  c.on('overtalk', (m) => {
    if (c === client) overtalk.handle(m);
  });
  let joined = false; // Until connect() resolves, failures are reported by its rejection.
  stage.setPlaceholder('<div class="spinner"></div><p class="big">Connecting to the customer…</p>');
  c.on('participant', ({ participant, present, reason }) => {
    if (c !== client) return;
    if (present && participant.role === 'customer') {
      customer = participant;
      stage.setRemoteName(participant.name ?? current?.info?.customer_name ?? 'Customer');
      if (getStatus() !== 'reconnecting') setStatus('connected', `In call with ${participant.name ?? 'customer'}`);
      renderContext();
    } else if (!present && participant.participant_id === customer?.participant_id) {
      const who = participant.name ?? 'The customer';
      endCall(reason === 'timeout' ? `${who} lost their connection.` : `${who} ended the call.`);
    }
  });
  c.on('state', ({ state, message }) => {
    if (c !== client) return;
    if (state === 'reconnecting') setStatus('reconnecting', 'Reconnecting…');
    else if (state === 'connected' && getStatus() === 'reconnecting') setStatus(customer ? 'connected' : 'waiting', customer ? 'In call' : 'Waiting for the customer…');
    else if (state === 'failed' && joined) endCall(`The call was interrupted: ${message ?? 'connection lost'}.`, 'error');
  });
  c.on('error', ({ code, message, fatal }) => {
    if (c !== client || fatal) return;
    showAlert('warn', `<code>${escapeHtml(code)}</code> ${escapeHtml(describeError(code, message))}`);
  });

  try {
    await c.connect();
    joined = true;
  } catch (err) {
    if (c !== client) return;
    client = null;
    exposeForTests(null);
    stage.reset();
    transcript.hide();
    document.body.classList.remove('has-transcript');
    const code = err instanceof CallError ? err.code : 'connection_lost';
    return failAnswer(`Could not join (${code})`, escapeHtml(`${describeError(code, (err as Error).message)} (${code})`));
  }
  if (c !== client) return;
  current.startedAt = Date.now();
  contextTimer = setInterval(renderContext, 1000);
  renderContext();
  const present = customer as ParticipantInfo | null; // Set by the participant listener meanwhile.
  if (present) setStatus('connected', `In call with ${present.name ?? 'customer'}`);
  else setStatus('waiting', 'Waiting for the customer…');
}

function endCall(detail?: string, state: 'ended' | 'error' = 'ended'): void {
  const c = client;
  client = null;
  c?.leave();
  exposeForTests(null);
  if (contextTimer) clearInterval(contextTimer);
  contextTimer = null;
  const took = current?.startedAt ? ` after ${formatDuration(Date.now() - current.startedAt)}` : '';
  const who = customer?.name ?? current?.info?.customer_name ?? 'the customer';
  current = null;
  customer = null;
  renderContext();
  stage.reset();
  overtalk.reset();
  transcript.end();
  document.body.classList.toggle('has-transcript', !transcript.root.hidden);
  stage.setPlaceholder('<p class="big">Call ended</p><p>Answer the next customer from the queue.</p>');
  setBusy(false);
  setStatus(state, state === 'error' ? 'Call interrupted' : 'Call ended');
  showAlert(state === 'error' ? 'error' : 'info', escapeHtml(detail ?? `Call with ${who} ended${took}. Ready for the next customer.`));
  renderQueue();
  if (state === 'ended') setTimeout(() => getStatus() === 'ended' && setIdleStatus(true), 5000);
}

window.addEventListener('pagehide', () => client?.leave());
void signIn();
