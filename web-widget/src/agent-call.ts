// The agent's side of one call: joins with the token from `accepted`, shows the shopper large and
// the agent's camera small (with the switch to a second camera for showing items), the live
// transcript with overtalk alerts, and the call header (who, language, product, timer, talk-overs).
// When the shopper leaves or the agent hangs up, it leaves the call and reports how it ended.

import { CallClient, CallError } from './call-client';
import { formatSeconds, languageBadge, productCardHtml } from './desk-format';
import type { OfferMessage } from './desk-types';
import { describeMediaError } from './media';
import { OvertalkAlerts } from './overtalk';
import { describeError, type ParticipantInfo } from './protocol';
import { TranscriptPanel } from './transcript';
import { CallStage, escapeHtml, exposeForTests, getStatus, setStatus } from './ui';

export interface CallEnd {
  callId: string;
  offer: OfferMessage | null;
  /** What to tell the agent. */
  detail: string;
  state: 'ended' | 'error';
  /** Whether the agent was ever in the call with the shopper. */
  connected: boolean;
}

export interface AgentCallHooks {
  onEnded: (end: CallEnd) => void;
  warn: (html: string) => void;
}

interface Current {
  callId: string;
  offer: OfferMessage | null;
  startedAt: number | null;
  shopper: ParticipantInfo | null;
  everConnected: boolean;
}

export class AgentCall {
  private client: CallClient | null = null;
  private current: Current | null = null;
  private contextTimer: ReturnType<typeof setInterval> | null = null;
  private talkOvers = 0;
  private readonly stage: CallStage;
  private readonly transcript: TranscriptPanel;
  private readonly overtalk: OvertalkAlerts;

  constructor(stageHost: HTMLElement, transcriptHost: HTMLElement, private readonly contextEl: HTMLElement, private readonly hooks: AgentCallHooks) {
    this.stage = new CallStage(stageHost, { remoteLabel: 'Shopper', switchCamera: true, onEnd: () => this.hangUp() });
    this.stage.reset();
    this.idle('<p class="big">No active call</p><p>Calls ring on the left. Accept with <kbd>A</kbd>, decline with <kbd>D</kbd>.</p>');
    this.transcript = new TranscriptPanel(transcriptHost);
    this.transcript.hide();
    this.overtalk = new OvertalkAlerts(this.transcript.root, this.transcript, (n) => {
      this.talkOvers = n;
      this.renderContext();
    });
  }

  get active(): boolean {
    return this.current !== null;
  }

  get callId(): string | null {
    return this.current?.callId ?? null;
  }

  /** The empty stage between calls. */
  idle(html: string): void {
    if (this.current) return;
    this.stage.setPlaceholder(html);
  }

  /** Joins the call; `media` was started when Accept was pressed, so the camera is warm. */
  async join(token: string, callId: string, offer: OfferMessage | null, media: Promise<MediaStream>, displayName: string): Promise<void> {
    if (this.current) this.leave();
    this.current = { callId, offer, startedAt: null, shopper: null, everConnected: false };
    this.talkOvers = 0;
    setStatus('connecting', 'Connecting…');
    this.stage.setPlaceholder('<div class="spinner"></div><p class="big">Connecting to the shopper…</p><p>Starting your camera.</p>');
    this.renderContext();

    let stream: MediaStream;
    try {
      stream = await media;
    } catch (err) {
      return this.finish('error', `Camera or microphone blocked: ${escapeHtml(describeMediaError(err))}`);
    }
    if (this.current?.callId !== callId) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    const c = new CallClient({ token, stream, name: displayName });
    this.client = c;
    exposeForTests(c);
    this.stage.attach(c);
    this.transcript.start(null);
    this.overtalk.reset();
    document.body.classList.add('has-transcript');
    c.on('transcript', (m) => {
      if (c !== this.client) return;
      this.transcript.setSelf(c.participantId);
      this.transcript.update(m);
    });
    c.on('overtalk', (m) => {
      if (c === this.client) this.overtalk.handle(m);
    });
    c.on('participant', ({ participant, present, reason }) => {
      const cur = this.current;
      if (c !== this.client || !cur) return;
      if (present && participant.role === 'customer') {
        cur.shopper = participant;
        cur.everConnected = true;
        this.stage.setRemoteName(participant.name ?? cur.offer?.shopper.name ?? 'Shopper');
        if (getStatus() !== 'reconnecting') setStatus('connected', `In call with ${participant.name ?? 'the shopper'}`);
        this.renderContext();
      } else if (!present && participant.participant_id === cur.shopper?.participant_id) {
        const who = participant.name ?? 'The shopper';
        this.finish('ended', reason === 'timeout' ? `${who} lost their connection.` : `${who} ended the call.`);
      }
    });
    c.on('state', ({ state, message }) => {
      if (c !== this.client) return;
      const shopper = this.current?.shopper;
      if (state === 'reconnecting') setStatus('reconnecting', 'Reconnecting…');
      else if (state === 'connected' && getStatus() === 'reconnecting') setStatus(shopper ? 'connected' : 'waiting', shopper ? 'In call' : 'Waiting for the shopper…');
      else if (state === 'failed' && this.current?.startedAt) this.finish('error', `The call was interrupted: ${escapeHtml(message ?? 'connection lost')}.`);
    });
    c.on('error', ({ code, message, fatal }) => {
      if (c !== this.client || fatal) return;
      this.hooks.warn(`<code>${escapeHtml(code)}</code> ${escapeHtml(describeError(code, message))}`);
    });

    try {
      await c.connect();
    } catch (err) {
      if (c !== this.client) return;
      const code = err instanceof CallError ? err.code : 'connection_lost';
      return this.finish('error', `Could not join the call (${code}): ${escapeHtml(describeError(code, (err as Error).message))}`);
    }
    const cur = this.current;
    if (c !== this.client || !cur) return;
    cur.startedAt = Date.now();
    this.contextTimer = setInterval(() => this.renderContext(), 1000);
    this.renderContext();
    if (cur.shopper) setStatus('connected', `In call with ${cur.shopper.name ?? 'the shopper'}`);
    else setStatus('waiting', 'Waiting for the shopper…');
  }

  /** The agent pressed End call. */
  hangUp(): void {
    if (!this.current) return;
    const took = this.current.startedAt ? ` after ${formatSeconds((Date.now() - this.current.startedAt) / 1000)}` : '';
    this.finish('ended', `You ended the call${took}.`);
  }

  /** Leaves without reporting (page closing, sign-out). */
  leave(): void {
    this.client?.leave();
    this.client = null;
    exposeForTests(null);
    this.teardown();
  }

  private finish(state: 'ended' | 'error', detail: string): void {
    const cur = this.current;
    if (!cur) return;
    this.client?.leave();
    this.client = null;
    exposeForTests(null);
    this.teardown();
    setStatus(state, state === 'error' ? 'Call interrupted' : 'Call ended');
    this.hooks.onEnded({ callId: cur.callId, offer: cur.offer, detail, state, connected: cur.everConnected });
  }

  private teardown(): void {
    if (this.contextTimer) clearInterval(this.contextTimer);
    this.contextTimer = null;
    this.current = null;
    this.stage.reset();
    this.overtalk.reset();
    this.transcript.end();
    document.body.classList.toggle('has-transcript', !this.transcript.root.hidden);
    this.stage.setPlaceholder('<p class="big">Call ended</p><p>Wrap up on the left; the next call rings when you are available.</p>');
    this.renderContext();
  }

  private renderContext(): void {
    const cur = this.current;
    if (!cur) {
      this.contextEl.hidden = true;
      return;
    }
    const offer = cur.offer;
    const name = cur.shopper?.name ?? offer?.shopper.name ?? 'Shopper';
    const timer = cur.startedAt ? `In call <b>${formatSeconds((Date.now() - cur.startedAt) / 1000)}</b>` : 'Connecting…';
    const lang = offer?.shopper.language ? ` ${languageBadge(offer.shopper.language)}` : '';
    const vip = offer?.shopper.vip ? ' <span class="vip-badge">★ VIP</span>' : '';
    // Agent interruptions this call; a plain count, no alarm colour.
    const counter = `<span class="talkover-count" id="talkover-count" data-count="${this.talkOvers}" title="Times you talked over the shopper in this call">Talk-overs: ${this.talkOvers}</span>`;
    this.contextEl.hidden = false;
    this.contextEl.innerHTML =
      `<div class="ctx-who"><h2>${escapeHtml(name)}${lang}${vip}</h2><p>${timer} · ${counter}</p></div>` +
      (offer?.product ? productCardHtml(offer.product, { compact: true }) : '');
  }
}
