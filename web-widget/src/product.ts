// Product page: "Video call with an expert" → camera/mic → POST /v1/calls → CallClient.

import { ApiError, createCall, type ProductInfo } from './api';
import { CallClient, CallError } from './call-client';
import { describeMediaError, getLocalMedia } from './media';
import { describeError, type ParticipantInfo } from './protocol';
import { $, CallStage, escapeHtml, exposeForTests, formatDuration, getStatus, setStatus } from './ui';

const callButton = $('video-call') as HTMLButtonElement;
const panel = $('call-panel');
const message = $('call-message');

let client: CallClient | null = null;
let waitTimer: ReturnType<typeof setInterval> | null = null;
let expert: ParticipantInfo | null = null;

const stage = new CallStage($('stage-host'), { remoteLabel: 'Expert', switchCamera: false, captions: true, onEnd: () => endCall() });
stage.reset();

function productInfo(): ProductInfo {
  const title = $('product-title');
  const img = document.querySelector<HTMLImageElement>('.product-shot img');
  return {
    sku: title.dataset['sku'] ?? '',
    title: title.textContent?.trim() ?? document.title,
    url: location.href,
    image: img ? new URL(img.getAttribute('src') ?? '', location.href).href : '',
    price: $('product-price').textContent?.trim() ?? '',
  };
}

let messageSeq = 0;

function showMessage(html: string | null, action?: { label: string; run: () => void }): void {
  messageSeq += 1;
  message.hidden = html === null;
  message.innerHTML = html ?? '';
  if (html !== null && action) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'btn primary';
    b.textContent = action.label;
    b.addEventListener('click', action.run);
    message.append(b);
  }
  panel.classList.toggle('has-message', html !== null);
}

function stopWaitTimer(): void {
  if (waitTimer) clearInterval(waitTimer);
  waitTimer = null;
}

function startWaiting(): void {
  stopWaitTimer();
  const since = Date.now();
  const tick = () => {
    const waited = formatDuration(Date.now() - since);
    setStatus('waiting', `Waiting for an expert… ${waited}`);
    stage.setPlaceholder(
      `<div class="spinner"></div><p class="big">Waiting for an expert…</p>` +
        `<p><span class="elapsed" id="wait-elapsed">${waited}</span> · an expert will join you shortly.</p>` +
        `<p class="hint">Hold the product or your questions ready — you can mute or stop video any time.</p>`,
    );
  };
  tick();
  waitTimer = setInterval(tick, 1000);
}

function showConnected(): void {
  stopWaitTimer();
  const name = expert?.name ?? 'your expert';
  setStatus('connected', `Connected with ${name}`);
  stage.setRemoteName(expert?.name ?? 'Expert');
  stage.setPlaceholder(`<p class="big">${escapeHtml(name)} is joining…</p>`);
}

function finish(state: 'ended' | 'error', text: string, detail: string): void {
  stopWaitTimer();
  exposeForTests(null);
  client = null;
  expert = null;
  stage.reset();
  stage.setPlaceholder('');
  panel.classList.remove('in-call');
  setStatus(state, text);
  showMessage(`<p class="${state}">${escapeHtml(detail)}</p>`, {
    label: state === 'error' ? 'Try again' : 'Start a new call',
    run: () => void startCall(),
  });
  callButton.disabled = false;
}

function endCall(detail = 'Call ended. Thanks for calling — we are here whenever you need us.'): void {
  const c = client;
  client = null;
  c?.leave();
  finish('ended', 'Call ended', detail);
}

async function startCall(): Promise<void> {
  if (client) return;
  callButton.disabled = true;
  panel.hidden = false;
  panel.classList.add('in-call');
  showMessage(null);
  stage.reset();
  setStatus('connecting', 'Starting your camera…');
  stage.setPlaceholder('<div class="spinner"></div><p class="big">Starting your camera…</p><p>Please allow camera and microphone access when your browser asks.</p>');

  let stream: MediaStream;
  try {
    stream = await getLocalMedia();
  } catch (err) {
    finish('error', 'Camera blocked', describeMediaError(err));
    return;
  }

  setStatus('connecting', 'Calling…');
  const name = ($('customer-name') as HTMLInputElement).value.trim();
  let created;
  try {
    created = await createCall({ ...(name ? { name } : {}), language: navigator.language, product: productInfo() });
  } catch (err) {
    for (const t of stream.getTracks()) t.stop();
    const why = err instanceof ApiError ? `${err.message} (${err.status || 'network'})` : String(err);
    finish('error', 'Could not start the call', `We could not start the call: ${why}`);
    return;
  }

  const c = new CallClient({ token: created.token, stream, ...(name ? { name } : {}) });
  client = c;
  exposeForTests(c);
  stage.attach(c);
  let joined = false; // Until connect() resolves, failures are reported by its rejection.
  c.on('participant', ({ participant, present, reason }) => {
    if (c !== client) return;
    if (present && participant.role === 'agent') {
      expert = participant;
      showConnected();
    } else if (!present && participant.participant_id === expert?.participant_id) {
      const who = participant.name ?? 'The expert';
      endCall(reason === 'timeout' ? `${who} lost their connection. Start a new call and we will pick up right away.` : `${who} ended the call. Thanks for calling!`);
    }
  });
  c.on('state', ({ state, message: why }) => {
    if (c !== client) return;
    if (state === 'reconnecting') setStatus('reconnecting', 'Reconnecting…');
    else if (state === 'connected' && getStatus() === 'reconnecting') {
      if (expert) showConnected();
      else startWaiting();
    } else if (state === 'failed' && joined) finish('error', 'Call interrupted', why ?? 'The call was interrupted.');
  });
  c.on('error', ({ code, message: text, fatal }) => {
    if (c !== client) return;
    console.warn(`showroom: server error ${code}: ${text}`);
    if (fatal) return;
    const html = `<p class="error"><code>${escapeHtml(code)}</code> ${escapeHtml(describeError(code, text))}</p>`;
    showMessage(html);
    const shown = messageSeq;
    setTimeout(() => c === client && messageSeq === shown && showMessage(null), 6000);
  });

  try {
    await c.connect();
    joined = true;
  } catch (err) {
    if (c !== client) return;
    const code = err instanceof CallError ? err.code : 'connection_lost';
    const text = err instanceof Error ? err.message : String(err);
    finish('error', 'Could not connect', `${describeError(code, text)} (${code})`);
    return;
  }
  if (c !== client) return;
  if (expert) showConnected();
  else startWaiting();
}

callButton.addEventListener('click', () => void startCall());
$('close-panel').addEventListener('click', () => {
  if (client) return;
  panel.hidden = true;
  showMessage(null);
});
window.addEventListener('pagehide', () => client?.leave());
