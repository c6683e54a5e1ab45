// Listen-only: a supervisor joins a live call with a listen token, sees and hears both parties
// (one tile per participant) and the live transcript, and publishes nothing.

import { CallClient, CallError } from './call-client';
import { languageBadge } from './desk-format';
import type { LiveCall } from './desk-types';
import { describeError } from './protocol';
import { escapeHtml, exposeForTests } from './ui';

export class ListenPanel {
  private client: CallClient | null = null;
  private readonly tiles = new Map<string, HTMLElement>();

  constructor(private readonly host: HTMLElement, private readonly onStopped: () => void) {}

  get callId(): string | null {
    return this.client?.callId ?? null;
  }

  /** Shows the panel in its "getting a token" state (the token request may take a moment). */
  opening(call: LiveCall): void {
    this.stop(false);
    this.host.hidden = false;
    this.host.innerHTML = `
      <section class="listen-panel" id="listen" data-call-id="${escapeHtml(call.call_id)}" data-state="connecting" aria-labelledby="listen-title">
        <header>
          <h2 id="listen-title">Listening to <b>${escapeHtml(call.agent)}</b>'s call ${languageBadge(call.language)}</h2>
          <span class="listen-state" id="listen-state"><span class="spinner small"></span> Joining…</span>
          <button type="button" class="btn small ghost on-dark" id="listen-stop">Stop listening</button>
        </header>
        <div class="listen-tiles" id="listen-tiles"></div>
        <div class="listen-transcript" id="listen-transcript" role="log" aria-live="polite"></div>
      </section>`;
    this.host.querySelector('#listen-stop')!.addEventListener('click', () => this.stop(true));
  }

  async join(token: string, name: string): Promise<void> {
    const c = new CallClient({ token, stream: new MediaStream(), name, listenOnly: true });
    this.client = c;
    exposeForTests(c);
    c.on('remote-stream', ({ participantId, stream }) => {
      if (c === this.client) this.setTile(participantId, stream);
    });
    c.on('participant', ({ participant, present }) => {
      if (c !== this.client) return;
      const tile = this.tiles.get(participant.participant_id);
      if (tile && !present) this.setTile(participant.participant_id, null);
      if (tile && present) this.label(participant.participant_id, tile);
      if (!present && participant.role === 'customer') this.setState('ended', 'The shopper left: the call is over.');
    });
    c.on('transcript', (m) => {
      if (c !== this.client || m.status !== 'final' || !m.text.trim()) return;
      const log = this.host.querySelector('#listen-transcript');
      const who = m.role === 'customer' ? 'Shopper' : m.role === 'agent' ? 'Agent' : m.role;
      log?.insertAdjacentHTML('beforeend', `<p data-role="${escapeHtml(m.role)}"><b>${escapeHtml(who)}</b>${escapeHtml(m.text.trim())}</p>`);
      if (log) log.scrollTop = log.scrollHeight;
    });
    c.on('state', ({ state, message }) => {
      if (c !== this.client) return;
      if (state === 'connected') this.setState('live', 'Live · listen-only');
      else if (state === 'reconnecting') this.setState('reconnecting', 'Reconnecting…');
      else if (state === 'failed') this.setState('error', `Lost the call: ${message ?? 'connection lost'}`);
    });
    try {
      await c.connect();
    } catch (err) {
      if (c !== this.client) return;
      const code = err instanceof CallError ? err.code : 'connection_lost';
      this.setState('error', `Could not join (${code}): ${describeError(code, (err as Error).message)}`);
    }
  }

  fail(text: string): void {
    this.setState('error', text);
  }

  /** Leaves the call; `user` when the supervisor pressed Stop (the panel goes away). */
  stop(user: boolean): void {
    const c = this.client;
    this.client = null;
    c?.leave();
    if (c) exposeForTests(null);
    this.tiles.clear();
    if (user) {
      this.host.innerHTML = '';
      this.host.hidden = true;
      this.onStopped();
    }
  }

  private setState(state: string, text: string): void {
    const panel = this.host.querySelector<HTMLElement>('#listen');
    if (panel) panel.dataset['state'] = state;
    const el = this.host.querySelector('#listen-state');
    if (el) el.textContent = text;
  }

  private setTile(participantId: string, stream: MediaStream | null): void {
    let tile = this.tiles.get(participantId);
    if (!stream) {
      tile?.remove();
      this.tiles.delete(participantId);
      return;
    }
    if (!tile) {
      tile = document.createElement('div');
      tile.className = 'listen-tile';
      tile.dataset['participant'] = participantId;
      tile.innerHTML = '<video autoplay playsinline></video><span class="tile-label"></span>';
      this.host.querySelector('#listen-tiles')?.append(tile);
      this.tiles.set(participantId, tile);
    }
    this.label(participantId, tile);
    const video = tile.querySelector('video')!;
    if (video.srcObject !== stream) video.srcObject = stream;
    void video.play().catch(() => undefined);
  }

  private label(participantId: string, tile: HTMLElement): void {
    const p = this.client?.participants.get(participantId);
    tile.dataset['role'] = p?.role ?? 'unknown';
    const role = p?.role === 'customer' ? 'Shopper' : p?.role === 'agent' ? 'Agent' : (p?.role ?? 'Participant');
    tile.querySelector('.tile-label')!.textContent = p?.name ? `${role} · ${p.name}` : role;
  }
}
