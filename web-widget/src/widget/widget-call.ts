// One shopper call inside the panel: POST /v1/calls, join with CallClient, wait in line (queue
// messages), talk (CallStage: agent video large, self view small, mute, camera, captions, end),
// and report how it ended.

import { CallClient, CallError } from '../call-client';
import { describeError, type ParticipantInfo, type QueueMessage } from '../protocol';
import { CallStage, escapeHtml, exposeForTests } from '../ui';
import type { CallUiHost, WidgetConfig } from './contract';
import { createCall, describeApiError, type QueuePlace } from './desk-api';
import { positionText, waitText } from './queue-text';

export type CallOutcome =
  | { kind: 'ended'; callId: string; token: string; connected: boolean; message: string }
  | { kind: 'failed'; message: string; connected: boolean; callId: string | null; token: string | null }
  | { kind: 'callback' };

export class WidgetCall {
  private client: CallClient | null = null;
  private stage: CallStage | null = null;
  private expert: ParticipantInfo | null = null;
  private everConnected = false;
  private callId: string | null = null;
  private token: string | null = null;
  private queued = false;
  private finished = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly host: CallUiHost,
    private readonly config: WidgetConfig,
    private readonly stream: MediaStream,
    private readonly name: string,
    private readonly onFinished: (outcome: CallOutcome) => void,
  ) {}

  async start(): Promise<void> {
    this.host.setStatus('connecting', 'Calling…');
    this.root.innerHTML = `<div class="screen center" data-screen="connecting" aria-busy="true"><div class="spinner"></div><p class="big">Calling an expert…</p></div>`;
    let created;
    try {
      created = await createCall(this.config, this.name);
    } catch (err) {
      for (const t of this.stream.getTracks()) t.stop();
      this.finish({ kind: 'failed', message: `We could not start the call: ${describeApiError(err)}`, connected: false, callId: null, token: null });
      return;
    }
    if (this.finished) {
      for (const t of this.stream.getTracks()) t.stop();
      return;
    }
    this.callId = created.call_id;
    this.token = created.token;

    this.root.innerHTML = `<div class="call-host${this.stream.getVideoTracks().length ? '' : ' audio-only'}"></div>`;
    const cameras = (await navigator.mediaDevices.enumerateDevices().catch(() => [])).filter((d) => d.kind === 'videoinput').length;
    const stage = new CallStage(this.root.querySelector('.call-host')!, {
      remoteLabel: 'Expert',
      switchCamera: cameras > 1 && this.stream.getVideoTracks().length > 0,
      captions: true,
      onEnd: () => this.hangUp(),
    });
    this.stage = stage;
    stage.reset();
    const c = new CallClient({ token: created.token, stream: this.stream, signalUrl: `${this.config.base.replace(/^http/, 'ws')}/v1/signal`, ...(this.name ? { name: this.name } : {}) });
    this.client = c;
    exposeForTests(c);
    stage.attach(c);
    this.showWaiting(created.queue ?? null);
    this.host.setClosable(false);

    let joined = false; // Until connect() resolves, failures come as its rejection.
    c.on('queue', (q) => c === this.client && !this.expert && this.updateQueue(q));
    c.on('participant', ({ participant, present, reason }) => {
      if (c !== this.client) return;
      if (present && participant.role === 'agent' && !this.expert) {
        this.expert = participant;
        this.showConnected();
      } else if (!present && participant.participant_id === this.expert?.participant_id) {
        const who = participant.name ?? 'The expert';
        this.end(reason === 'timeout' ? `${who} lost their connection.` : `${who} ended the call.`);
      }
    });
    c.on('state', ({ state, message }) => {
      if (c !== this.client) return;
      if (state === 'reconnecting') this.host.setStatus('reconnecting', 'Reconnecting…');
      else if (state === 'connected') this.restoreStatus();
      else if (state === 'failed' && joined) this.fail(message ?? 'The call was interrupted.');
    });
    c.on('error', ({ code, message, fatal }) => {
      if (c === this.client && !fatal) console.warn(`showroom: server error ${code}: ${message}`);
    });
    try {
      await c.connect();
      joined = true;
    } catch (err) {
      if (c !== this.client) return;
      const code = err instanceof CallError ? err.code : 'connection_lost';
      const text = err instanceof Error ? err.message : String(err);
      this.fail(`${describeError(code, text)} (${code})`);
      return;
    }
    this.restoreStatus();
  }

  /** The panel is closing: leave without a word. */
  stop(): void {
    this.finished = true;
    this.teardown();
  }

  private hangUp(): void {
    this.end(this.expert ? 'You ended the call.' : 'You left the line.');
  }

  private restoreStatus(): void {
    if (this.expert) this.host.setStatus('connected', `Connected with ${this.expert.name ?? 'your expert'}`);
    else this.host.setStatus('waiting', 'Waiting in line');
  }

  private showWaiting(place: QueuePlace | null): void {
    this.stage?.setPlaceholder(`
      <div class="waiting" data-screen="waiting">
        <div class="spinner light"></div>
        <p class="big queue-position" aria-live="polite">Waiting for an expert…</p>
        <p class="queue-wait"></p>
        <p class="hint">Have the product page or your questions ready. You can mute or stop your video at any time.</p>
        <p class="waiting-actions"><button type="button" class="btn dark cancel">Cancel</button>
          <button type="button" class="btn dark ask-callback" hidden>Call me back instead</button></p>
      </div>`);
    const ph = this.root.querySelector('.waiting')!;
    ph.querySelector('.cancel')!.addEventListener('click', () => this.hangUp());
    ph.querySelector('.ask-callback')!.addEventListener('click', () => {
      this.teardown();
      this.finish({ kind: 'callback' });
    });
    if (place) this.updateQueue({ type: 'queue', position: place.position, estimated_wait_s: place.estimated_wait_s, agents_online: place.agents_online, ringing: false });
  }

  private updateQueue(q: QueueMessage): void {
    const ph = this.root.querySelector<HTMLElement>('.waiting');
    if (!ph) return;
    ph.dataset['position'] = String(q.position);
    ph.dataset['ringing'] = String(q.ringing);
    const pos = ph.querySelector('.queue-position')!;
    const wait = ph.querySelector('.queue-wait')!;
    if (q.ringing) {
      pos.textContent = 'An expert is being connected…';
      wait.textContent = 'Just a moment.';
    } else {
      pos.textContent = positionText(q.position);
      wait.textContent = q.agents_online === 0 ? 'No expert is online right now — we can call you back instead.' : waitText(q.estimated_wait_s);
    }
    (ph.querySelector('.ask-callback') as HTMLElement).hidden = q.ringing || (q.estimated_wait_s !== null && q.agents_online > 0);
    if (!this.queued) {
      this.queued = true;
      this.host.emit('queued', { call_id: this.callId, position: q.position, estimated_wait_s: q.estimated_wait_s });
    }
  }

  private showConnected(): void {
    this.everConnected = true;
    const name = this.expert?.name ?? 'your expert';
    this.stage?.setRemoteName(this.expert?.name ?? 'Expert');
    this.stage?.setPlaceholder(`<div class="waiting" data-screen="joining"><p class="big">${escapeHtml(name)} is joining…</p></div>`);
    this.restoreStatus();
    this.host.emit('connected', { call_id: this.callId, expert: this.expert?.name ?? null });
  }

  private end(message: string): void {
    if (this.finished) return;
    this.teardown();
    this.finish({ kind: 'ended', callId: this.callId!, token: this.token!, connected: this.everConnected, message });
  }

  private fail(message: string): void {
    if (this.finished) return;
    this.teardown();
    this.finish({ kind: 'failed', message, connected: this.everConnected, callId: this.callId, token: this.token });
  }

  private teardown(): void {
    const c = this.client;
    this.client = null;
    c?.leave();
    this.stage?.reset();
    this.stage = null;
    exposeForTests(null);
    this.host.setClosable(true);
    for (const t of this.stream.getTracks()) t.stop();
  }

  private finish(outcome: CallOutcome): void {
    this.finished = true;
    this.onFinished(outcome);
  }
}
