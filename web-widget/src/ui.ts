// Shared UI pieces: the status pill and the call stage (remote video, self view, controls).

import type { CallClient } from './call-client';

export type StatusState = 'idle' | 'connecting' | 'waiting' | 'connected' | 'reconnecting' | 'ended' | 'error';

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

export function setStatus(state: StatusState, text: string): void {
  const el = $('call-status');
  el.dataset['state'] = state;
  el.textContent = text;
  document.body.dataset['callState'] = state;
}

export function getStatus(): StatusState {
  return ($('call-status').dataset['state'] ?? 'idle') as StatusState;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}:${String(s % 60).padStart(2, '0')}` : `${s} s`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL if it is http(s), else null: customer-supplied links must not become `javascript:`. */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const icon = (path: string) =>
  `<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${path}</svg>`;

export const ICONS = {
  mic: icon('<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>'),
  micOff: icon('<path d="M3 3l18 18M9 9v2a3 3 0 0 0 5 2.2M15 10V6a3 3 0 0 0-5.7-1.3"/><path d="M5 11a7 7 0 0 0 11.4 5.4M19 11a7 7 0 0 1-.6 2.8M12 18v3"/>'),
  cam: icon('<rect x="2" y="6" width="14" height="12" rx="2"/><path d="M16 10l6-3v10l-6-3z"/>'),
  camOff: icon('<path d="M3 3l18 18M16 16H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2h2m4 0h4a2 2 0 0 1 2 2v4l6-3v10"/>'),
  flip: icon('<path d="M4 8h13l-3-3M20 16H7l3 3"/>'),
  end: icon('<path d="M3 15.5c5-4.7 13-4.7 18 0l-2.5 2.5-3.5-1.6v-2.6a10 10 0 0 0-6 0v2.6L5.5 18z" fill="currentColor" stroke="none"/>'),
  captions: icon('<rect x="2" y="5" width="20" height="14" rx="3"/><path d="M10 10.2a2.5 2.5 0 1 0 0 3.6M17 10.2a2.5 2.5 0 1 0 0 3.6"/>'),
  video: icon('<rect x="2" y="6" width="14" height="12" rx="2"/><path d="M16 10l6-3v10l-6-3z"/>'),
};

export interface StageOptions {
  remoteLabel: string;
  switchCamera: boolean;
  /** A "Captions" toggle: asks for live transcripts and shows the other side's last final line. */
  captions?: boolean;
  onEnd: () => void;
}

/** How long a caption stays up after the last thing the other side said. */
const CAPTION_HOLD_MS = 12_000;

/** The in-call view. Owns two <video> elements and the control bar. */
export class CallStage {
  readonly root: HTMLElement;
  private readonly remoteVideo: HTMLVideoElement;
  private readonly selfVideo: HTMLVideoElement;
  private readonly placeholder: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly remoteMuted: HTMLElement;
  private readonly remoteName: HTMLElement;
  private readonly caption: HTMLElement | null;
  private captionTimer: ReturnType<typeof setTimeout> | null = null;
  private client: CallClient | null = null;
  private unsubscribe: Array<() => void> = [];

  constructor(host: HTMLElement, private readonly opts: StageOptions) {
    host.innerHTML = `
      <div class="stage">
        <div class="banner" id="reconnect-banner" role="status" hidden>
          <span class="spinner small"></span> Reconnecting… your call will continue in a moment.
        </div>
        <div class="remote-tile">
          <video id="remote-video" autoplay playsinline></video>
          <div class="placeholder" id="stage-placeholder"></div>
          <span class="tile-label" id="remote-name">${escapeHtml(opts.remoteLabel)}</span>
          <span class="badge muted-badge" id="remote-muted" hidden>${ICONS.micOff} Muted</span>
          ${opts.captions ? '<div class="caption" id="caption-text" role="status" aria-live="polite" hidden></div>' : ''}
        </div>
        <div class="self-tile">
          <video id="self-video" autoplay playsinline muted></video>
          <span class="tile-label">You</span>
        </div>
        <div class="controls" role="toolbar" aria-label="Call controls">
          <button type="button" class="ctl" id="mute-mic" aria-pressed="false">${ICONS.mic}<span>Mute</span></button>
          <button type="button" class="ctl" id="camera-off" aria-pressed="false">${ICONS.cam}<span>Stop video</span></button>
          ${opts.switchCamera ? `<button type="button" class="ctl" id="switch-camera">${ICONS.flip}<span>Switch camera</span></button>` : ''}
          ${opts.captions ? `<button type="button" class="ctl toggle" id="captions" aria-pressed="false" aria-controls="caption-text" title="Show what the other person says as text">${ICONS.captions}<span>Captions</span></button>` : ''}
          <button type="button" class="ctl danger" id="end-call">${ICONS.end}<span>End call</span></button>
        </div>
      </div>`;
    this.root = host.querySelector('.stage')!;
    this.remoteVideo = host.querySelector('#remote-video')!;
    this.selfVideo = host.querySelector('#self-video')!;
    this.placeholder = host.querySelector('#stage-placeholder')!;
    this.banner = host.querySelector('#reconnect-banner')!;
    this.remoteMuted = host.querySelector('#remote-muted')!;
    this.remoteName = host.querySelector('#remote-name')!;
    this.caption = host.querySelector('#caption-text');
    this.button('end-call').addEventListener('click', () => this.opts.onEnd());
    this.button('mute-mic').addEventListener('click', () => this.toggle('audio'));
    this.button('camera-off').addEventListener('click', () => this.toggle('video'));
    if (opts.switchCamera) this.button('switch-camera').addEventListener('click', () => void this.switchCamera());
    if (opts.captions) this.button('captions').addEventListener('click', () => this.toggleCaptions());
  }

  /** Wires the stage to a call: local preview, remote media, mute badges, reconnect banner. */
  attach(client: CallClient): void {
    this.detach();
    this.client = client;
    this.root.classList.add('live');
    this.setSelf(client.localStream);
    this.setControlsEnabled(true);
    const hasVideo = client.localStream.getVideoTracks().length > 0;
    this.button('camera-off').disabled = !hasVideo;
    if (this.opts.switchCamera) this.button('switch-camera').disabled = !hasVideo;
    this.unsubscribe.push(
      client.on('local-stream', ({ stream }) => this.setSelf(stream)),
      client.on('remote-stream', ({ stream }) => this.setRemote(stream)),
      client.on('track-muted', ({ kind, muted }) => {
        if (kind === 'audio') this.remoteMuted.hidden = !muted;
        if (kind === 'video') this.root.classList.toggle('remote-video-off', muted);
      }),
      client.on('state', ({ state }) => {
        this.banner.hidden = state !== 'reconnecting';
        if (state === 'ended' || state === 'failed') this.setControlsEnabled(false);
      }),
      client.on('transcript', (m) => {
        // The other side's finished sentences only: our own words and unsettled partials would flicker.
        if (!this.caption || !client.captionsEnabled || m.participant_id === client.participantId) return;
        if (m.status === 'final' && m.text.trim()) this.showCaption(m.text.trim());
      }),
    );
  }

  detach(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.client = null;
    this.banner.hidden = true;
  }

  setRemote(stream: MediaStream | null): void {
    if (this.remoteVideo.srcObject !== stream) this.remoteVideo.srcObject = stream;
    this.root.classList.toggle('has-remote', stream !== null);
    if (stream) void this.remoteVideo.play().catch(() => this.showPlayButton());
  }

  setRemoteName(name: string): void {
    this.remoteName.textContent = name;
  }

  setPlaceholder(html: string): void {
    this.placeholder.innerHTML = html;
  }

  reset(): void {
    this.detach();
    this.setRemote(null);
    this.selfVideo.srcObject = null;
    this.remoteMuted.hidden = true;
    this.root.classList.remove('live', 'remote-video-off', 'self-video-off');
    for (const id of ['mute-mic', 'camera-off']) this.setPressed(id, false);
    if (this.opts.captions) this.button('captions').setAttribute('aria-pressed', 'false');
    this.showCaption(null);
    this.setControlsEnabled(false);
  }

  private toggleCaptions(): void {
    if (!this.client) return;
    const on = !this.client.captionsEnabled;
    this.client.setCaptions(on);
    this.button('captions').setAttribute('aria-pressed', String(on));
    if (!on) this.showCaption(null);
  }

  private showCaption(text: string | null): void {
    if (!this.caption) return;
    if (this.captionTimer) clearTimeout(this.captionTimer);
    this.captionTimer = null;
    this.caption.textContent = text ?? '';
    this.caption.hidden = text === null;
    if (text !== null) this.captionTimer = setTimeout(() => this.showCaption(null), CAPTION_HOLD_MS);
  }

  private setSelf(stream: MediaStream): void {
    this.selfVideo.srcObject = stream;
    void this.selfVideo.play().catch(() => undefined);
  }

  private button(id: string): HTMLButtonElement {
    return this.root.querySelector<HTMLButtonElement>(`#${id}`)!;
  }

  private setControlsEnabled(enabled: boolean): void {
    for (const b of this.root.querySelectorAll<HTMLButtonElement>('.controls button')) b.disabled = !enabled;
  }

  private setPressed(id: string, pressed: boolean): void {
    const b = this.button(id);
    b.setAttribute('aria-pressed', String(pressed));
    const audio = id === 'mute-mic';
    b.innerHTML = audio
      ? `${pressed ? ICONS.micOff : ICONS.mic}<span>${pressed ? 'Unmute' : 'Mute'}</span>`
      : `${pressed ? ICONS.camOff : ICONS.cam}<span>${pressed ? 'Start video' : 'Stop video'}</span>`;
  }

  private toggle(kind: 'audio' | 'video'): void {
    if (!this.client) return;
    const muted = !this.client.isMuted(kind);
    this.client.mute(kind, muted);
    this.setPressed(kind === 'audio' ? 'mute-mic' : 'camera-off', muted);
    if (kind === 'video') this.root.classList.toggle('self-video-off', muted);
  }

  private async switchCamera(): Promise<void> {
    if (!this.client) return;
    const b = this.button('switch-camera');
    b.disabled = true;
    try {
      await this.client.switchCamera();
    } catch (err) {
      console.warn('showroom: switching camera failed', err);
      b.title = 'Could not switch camera';
    } finally {
      b.disabled = false;
    }
  }

  /** Autoplay with sound was refused (no user gesture): one click fixes it. */
  private showPlayButton(): void {
    if (this.root.querySelector('.play-audio')) return;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'play-audio';
    b.textContent = 'Click to turn on sound';
    b.addEventListener('click', () => {
      void this.remoteVideo.play();
      b.remove();
    });
    this.root.querySelector('.remote-tile')!.append(b);
  }
}

/** Exposes the live call to tests (window.showroomCall.publisher / .subscriber → getStats()). */
export function exposeForTests(client: CallClient | null): void {
  (window as unknown as { showroomCall: CallClient | null }).showroomCall = client;
}
