// Plays a call's recordings (one Ogg/Opus file per party) on the call's clock. Each party's
// file is an <audio> element; file k's media time is call time − start_s(k). While playing, the
// element that covers the current time drives the clock (a wall clock fills gaps no file
// covers), the others follow and are re-seeked if they drift; if one buffers, all wait.

import { errorText } from './api';
import type { Recording } from './review-api';
import { formatCallTime, roleLabel } from './review-format';
import { escapeHtml } from './ui';

/** A follower further than this from the clock is seeked back onto it. */
const MAX_DRIFT_S = 0.25;
const RATES = [1, 1.25, 1.5, 2];

interface Track {
  rec: Recording;
  el: HTMLAudioElement;
  failed: string | null;
}

export class CallPlayer {
  readonly root: HTMLElement;
  private readonly tracks: Track[] = [];
  private playing = false;
  private t = 0;
  private anchorT = 0;
  private anchorPerf = 0;
  private rate = 1;
  private token = '';
  private raf = 0;
  private listeners: ((t: number) => void)[] = [];
  private readonly playButton: HTMLButtonElement;
  private readonly timeEl: HTMLElement;
  private readonly noteEl: HTMLElement;

  constructor(host: HTMLElement, private readonly duration: number) {
    host.innerHTML = `
      <div class="player" id="player" data-state="loading">
        <button type="button" class="play-btn" id="play" aria-label="Play" disabled>${PLAY_ICON}</button>
        <span class="player-time" id="player-time" aria-live="off">00:00 / ${formatCallTime(duration)}</span>
        <label class="inline-field">Speed <select id="player-rate">${RATES.map((r) => `<option value="${r}">${r}×</option>`).join('')}</select></label>
        <div class="player-parties" id="player-parties" role="group" aria-label="Parties"></div>
        <p class="player-note" id="player-note" role="status"><span class="spinner small" aria-hidden="true"></span> Loading the recording…</p>
        <div class="player-audio" id="player-audio"></div>
      </div>`;
    this.root = host.querySelector('#player')!;
    this.playButton = host.querySelector('#play')!;
    this.timeEl = host.querySelector('#player-time')!;
    this.noteEl = host.querySelector('#player-note')!;
    this.playButton.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    host.querySelector<HTMLSelectElement>('#player-rate')!.addEventListener('change', (e) => {
      this.setRate(Number((e.target as HTMLSelectElement).value));
    });
  }

  /** Loads the recordings; with none the player says so and stays disabled. */
  setRecordings(recordings: Recording[], token: string): void {
    this.token = token;
    const audioHost = this.root.querySelector('#player-audio')!;
    const parties = this.root.querySelector('#player-parties')!;
    if (recordings.length === 0) {
      this.setNote('none', 'No recording for this call. Recording may be off for this shop, or the call was not recorded; the transcript and timeline still work.');
      return;
    }
    const sorted = [...recordings].sort((a, b) => roleOrder(a.role) - roleOrder(b.role) || a.start_s - b.start_s);
    for (const rec of sorted) {
      const el = document.createElement('audio');
      el.preload = 'auto';
      el.id = `audio-${rec.role}`;
      el.className = 'review-audio';
      el.dataset['role'] = rec.role;
      el.dataset['participant'] = rec.participant;
      el.dataset['startS'] = String(rec.start_s);
      if (rec.bytes !== 0) el.src = `${rec.url}${rec.url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}`;
      const track: Track = {
        rec,
        el,
        failed: rec.bytes === 0 ? `The ${roleLabel(rec.role).toLowerCase()}'s recording cannot be played: the server lists it as an empty file (0 bytes).` : null,
      };
      el.addEventListener('error', () => this.onError(track));
      el.addEventListener('canplay', () => this.refreshReady());
      el.addEventListener('loadedmetadata', () => this.refreshReady());
      el.addEventListener('waiting', () => this.playing && this.tick());
      el.addEventListener('playing', () => this.playing && this.tick());
      audioHost.append(el);
      this.tracks.push(track);
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'party-toggle';
      b.dataset['role'] = rec.role;
      b.setAttribute('aria-pressed', 'true');
      b.title = `Hear the ${roleLabel(rec.role).toLowerCase()} (click to mute)`;
      b.innerHTML = `<span class="dot" aria-hidden="true"></span>${escapeHtml(roleLabel(rec.role))}`;
      b.addEventListener('click', () => {
        el.muted = !el.muted;
        b.setAttribute('aria-pressed', String(!el.muted));
        b.title = el.muted ? `The ${roleLabel(rec.role).toLowerCase()} is muted (click to hear)` : `Hear the ${roleLabel(rec.role).toLowerCase()} (click to mute)`;
      });
      parties.append(b);
    }
    this.refreshReady();
  }

  /** Shows why recordings are unavailable (e.g. the list could not load). */
  fail(message: string): void {
    this.setNote('error', message);
  }

  onTime(cb: (t: number) => void): void {
    this.listeners.push(cb);
  }

  get time(): number {
    return this.t;
  }

  get hasAudio(): boolean {
    return this.tracks.some((t) => !t.failed);
  }

  /** Moves to call time `t` (and plays from there if asked and possible). */
  seek(t: number, andPlay = false): void {
    this.t = clamp(t, 0, this.duration);
    this.anchor();
    for (const tr of this.tracks) {
      if (tr.failed) continue;
      const media = this.t - tr.rec.start_s;
      const inside = media >= 0 && media < this.trackDuration(tr);
      setTime(tr.el, clamp(media, 0, this.trackDuration(tr)));
      if (!inside && !tr.el.paused) tr.el.pause();
    }
    this.emit();
    if (andPlay && !this.playing) this.play();
    else if (this.playing) this.tick();
  }

  play(): void {
    if (!this.hasAudio || this.playing) return;
    if (this.t >= this.duration - 0.05) this.seek(0);
    this.playing = true;
    this.root.dataset['state'] = 'playing';
    this.playButton.innerHTML = PAUSE_ICON;
    this.playButton.setAttribute('aria-label', 'Pause');
    this.anchor();
    this.tick();
  }

  pause(): void {
    this.playing = false;
    this.root.dataset['state'] = 'paused';
    this.playButton.innerHTML = PLAY_ICON;
    this.playButton.setAttribute('aria-label', 'Play');
    cancelAnimationFrame(this.raf);
    for (const tr of this.tracks) if (!tr.el.paused) tr.el.pause();
    this.emit();
  }

  destroy(): void {
    this.pause();
    for (const tr of this.tracks) {
      tr.el.removeAttribute('src');
      tr.el.load();
    }
    this.listeners = [];
  }

  private setRate(rate: number): void {
    this.t = this.clock();
    this.rate = rate;
    for (const tr of this.tracks) tr.el.playbackRate = rate;
    this.anchor();
  }

  private anchor(): void {
    this.anchorT = this.t;
    this.anchorPerf = performance.now();
  }

  private trackDuration(tr: Track): number {
    return Number.isFinite(tr.el.duration) && tr.el.duration > 0 ? tr.el.duration : tr.rec.duration_s;
  }

  private covers(tr: Track, t: number): boolean {
    const media = t - tr.rec.start_s;
    return !tr.failed && media >= -0.01 && media < this.trackDuration(tr) - 0.02;
  }

  /** The call time now: from the driving element, else the wall clock since the last anchor. */
  private clock(): number {
    if (!this.playing) return this.t;
    const driver = this.tracks.find((tr) => this.covers(tr, this.t) && !tr.el.paused && !tr.el.seeking && tr.el.readyState >= 3);
    if (driver) return driver.el.currentTime + driver.rec.start_s;
    return this.anchorT + ((performance.now() - this.anchorPerf) / 1000) * this.rate;
  }

  private tick(): void {
    cancelAnimationFrame(this.raf);
    if (!this.playing) return;
    const active = this.tracks.filter((tr) => this.covers(tr, this.t));
    const buffering = active.some((tr) => tr.el.seeking || tr.el.readyState < 3);
    if (buffering) {
      // Hold the clock until every party covering this moment can play: the ready ones wait
      // paused, the others are asked to play (so they load) and are caught up with when ready.
      for (const tr of active) {
        const ready = !tr.el.seeking && tr.el.readyState >= 3;
        if (ready && !tr.el.paused) tr.el.pause();
        else if (!ready && tr.el.paused && !tr.el.ended) this.start(tr);
      }
      this.anchor();
      if (this.root.dataset['note'] !== 'buffering') this.setNote('buffering', 'Buffering…');
    } else {
      this.t = this.clock();
      if (this.root.dataset['note'] === 'buffering') this.setNote('ready', '');
      if (this.t >= this.duration) {
        this.t = this.duration;
        this.pause();
        return;
      }
      const driver = active.find((tr) => !tr.el.paused);
      if (driver) this.anchor();
      for (const tr of this.tracks) {
        if (tr.failed) continue;
        // An ended element must not be played again: play() on an ended element restarts it at 0.
        if (this.covers(tr, this.t) && !tr.el.ended) {
          const want = this.t - tr.rec.start_s;
          if (tr.el.paused) {
            // Only seek if it is off: a seek makes it buffer, and seeking again would never end.
            if (Math.abs(tr.el.currentTime - want) > MAX_DRIFT_S) setTime(tr.el, want);
            this.start(tr);
          } else if (tr !== driver && Math.abs(tr.el.currentTime - want) > MAX_DRIFT_S) {
            setTime(tr.el, want);
          }
        } else if (!tr.el.paused) {
          tr.el.pause();
        }
      }
    }
    this.emit();
    this.raf = requestAnimationFrame(() => this.tick());
  }

  private start(tr: Track): void {
    tr.el.playbackRate = this.rate;
    tr.el.play().catch((err: unknown) => this.onPlayRejected(err));
  }

  private onPlayRejected(err: unknown): void {
    if (err instanceof DOMException && err.name === 'AbortError') return; // A pause or seek won.
    this.pause();
    if (err instanceof DOMException && err.name === 'NotAllowedError') {
      this.setNote('ready', 'The browser blocked playback until you interact with the page: press Play.');
    } else {
      this.setNote('error', `Playback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private onError(tr: Track): void {
    const code = tr.el.error?.code;
    const who = `The ${roleLabel(tr.rec.role).toLowerCase()}'s recording cannot be played`;
    if (code === MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED) {
      // The element does not say whether the server refused the file or the browser cannot
      // decode it: ask the server for its first bytes and explain what it says.
      tr.failed = `${who}; checking why…`;
      this.refreshReady();
      void probe(tr.rec.url, this.token).then((why) => {
        tr.failed = `${who}: ${why}.`;
        this.refreshReady();
      });
      return;
    }
    const why = code === MediaError.MEDIA_ERR_NETWORK ? 'the download broke off' : code === MediaError.MEDIA_ERR_DECODE ? 'the file is damaged' : 'an unknown error';
    tr.failed = `${who}: ${why}.`;
    this.refreshReady();
  }

  private refreshReady(): void {
    const failed = this.tracks.filter((t) => t.failed);
    const usable = this.tracks.filter((t) => !t.failed);
    this.playButton.disabled = usable.length === 0;
    if (usable.length === 0) {
      this.setNote('error', failed.map((t) => t.failed).join(' '));
      return;
    }
    const loading = usable.some((t) => t.el.readyState < 1);
    if (failed.length) this.setNote('error', `${failed.map((t) => t.failed).join(' ')} The other party still plays.`);
    else if (loading) this.setNote('loading', 'Loading the recording…');
    else this.setNote('ready', '');
    if (this.root.dataset['state'] === 'loading') this.root.dataset['state'] = 'paused';
  }

  private setNote(kind: 'loading' | 'buffering' | 'ready' | 'none' | 'error', text: string): void {
    this.root.dataset['note'] = kind;
    if (kind === 'none' || (kind === 'error' && !this.hasAudio)) this.root.dataset['state'] = kind;
    this.noteEl.hidden = !text;
    this.noteEl.innerHTML = kind === 'loading' || kind === 'buffering' ? `<span class="spinner small" aria-hidden="true"></span> ${escapeHtml(text)}` : escapeHtml(text);
  }

  private emit(): void {
    this.timeEl.textContent = `${formatCallTime(this.t)} / ${formatCallTime(this.duration)}`;
    for (const cb of this.listeners) cb(this.t);
  }
}

/** Why the server's copy of a recording cannot be played, in words. */
async function probe(url: string, token: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Range: 'bytes=0-3' }, cache: 'no-store' });
  } catch {
    return 'the server cannot be reached';
  }
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    const { message } = errorText(safeJson(body));
    if (res.status === 401) return `your session has ended (${message ?? 'token refused'}); sign in again`;
    if (res.status === 404) return `the server no longer has it (${message ?? 'not found'})`;
    return `the server refused it: ${message ?? res.statusText} (HTTP ${res.status})`;
  }
  const bytes = new Uint8Array(await res.arrayBuffer());
  const total = /\/(\d+)$/.exec(res.headers.get('Content-Range') ?? '')?.[1];
  if (bytes.length === 0 || total === '0') return 'the server sent an empty file (0 bytes)';
  if (String.fromCharCode(...bytes.slice(0, 4)) !== 'OggS') return 'the server sent something that is not an Ogg file';
  return 'this browser cannot decode Ogg/Opus audio';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function roleOrder(role: string): number {
  return role === 'customer' ? 0 : role === 'agent' ? 1 : 2;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function setTime(el: HTMLAudioElement, t: number): void {
  try {
    el.currentTime = Math.max(0, t);
  } catch {
    // Not seekable yet: it starts from 0, and the drift check corrects it.
  }
}

const PLAY_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M7 4.5v15l13-7.5z" fill="currentColor"/></svg>';
const PAUSE_ICON = '<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true"><path d="M6 4h4v16H6zM14 4h4v16h-4z" fill="currentColor"/></svg>';
