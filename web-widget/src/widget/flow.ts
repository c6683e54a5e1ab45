// The shopper's way through the panel, one screen at a time:
//   availability → (nobody online: hours + callback) | device check → (camera problem: help,
//   audio only, callback) → call (line, talk) → rating → thanks.

import { escapeHtml } from '../ui';
import { offlineReason, showCallbackForm } from './callback-form';
import type { CallUiHost, CallUiSession } from './contract';
import { getAvailability, type Availability } from './desk-api';
import { DeviceCheck, type MediaProblem } from './device-check';
import { showMediaHelp } from './media-help';
import { showRating } from './rating';
import { WidgetCall, type CallOutcome } from './widget-call';

export class ShopperFlow implements CallUiSession {
  private deviceCheck: DeviceCheck | null = null;
  private call: WidgetCall | null = null;
  private availability: Availability | null = null;
  private stopped = false;

  constructor(private readonly host: CallUiHost) {}

  async begin(): Promise<void> {
    const { host } = this;
    host.setStatus('checking', 'Checking…');
    host.body.innerHTML = `<div class="screen center" data-screen="checking" aria-busy="true"><div class="spinner"></div><p class="big">Finding an expert for you…</p></div>`;
    const a = await getAvailability(host.config());
    if (this.stopped) return;
    this.availability = a;
    if (a && (a.agents_online === 0 || !a.open)) this.showOffline(offlineReason(host.config(), a));
    else this.showDeviceCheck();
  }

  stop(): void {
    this.stopped = true;
    this.deviceCheck?.dispose();
    this.deviceCheck = null;
    this.call?.stop();
    this.call = null;
  }

  private clear(): void {
    this.deviceCheck?.dispose();
    this.deviceCheck = null;
  }

  private showDeviceCheck(): void {
    this.clear();
    this.host.setStatus('device-check', 'Camera check');
    const config = this.host.config();
    this.deviceCheck = new DeviceCheck(this.host.body, {
      name: config.shopper.name,
      onStart: (stream, name) => this.startCall(stream, name),
      onProblem: (problem) => this.showMediaHelp(problem),
    });
  }

  private showMediaHelp(problem: MediaProblem): void {
    this.clear();
    this.host.setStatus('media-help', problem === 'denied' ? 'Camera blocked' : 'No camera');
    showMediaHelp(this.host.body, {
      problem,
      onRetry: () => this.showDeviceCheck(),
      onAudioOnly: (stream) => this.startCall(stream, this.host.config().shopper.name),
      onCallback: () => this.showOffline('Let us call you back instead.'),
    });
  }

  private showOffline(reason: string): void {
    this.clear();
    this.host.setStatus('offline', this.availability && !this.availability.open ? 'Closed now' : 'No expert online');
    showCallbackForm(this.host.body, {
      config: this.host.config(),
      availability: this.availability,
      reason,
      onDone: () => this.host.setStatus('callback-requested', 'Callback requested'),
      onClose: () => this.host.close(),
    });
  }

  private startCall(stream: MediaStream, name: string): void {
    this.clear();
    if (this.stopped) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    const call = new WidgetCall(this.host.body, this.host, this.host.config(), stream, name, (o) => this.onCallFinished(o));
    this.call = call;
    void call.start();
  }

  private onCallFinished(outcome: CallOutcome): void {
    this.call = null;
    if (this.stopped) return;
    const { host } = this;
    if (outcome.kind === 'callback') {
      this.showOffline('No problem — we will call you back.');
      return;
    }
    host.emit('ended', { call_id: outcome.callId, connected: outcome.connected, reason: outcome.kind });
    if (outcome.kind === 'ended' && outcome.connected) {
      host.setStatus('ended', 'Call ended');
      showRating(host.body, {
        base: host.config().base,
        callId: outcome.callId,
        token: outcome.token,
        message: `${outcome.message} Thanks for calling!`,
        onRated: (stars, comment) => host.emit('rated', { call_id: outcome.callId, stars, comment }),
        onClose: () => host.close(),
      });
      return;
    }
    const failed = outcome.kind === 'failed';
    host.setStatus(failed ? 'error' : 'ended', failed ? 'Call interrupted' : 'Call ended');
    host.body.innerHTML = `
      <div class="screen center" data-screen="${failed ? 'error' : 'left'}">
        <p class="big"${failed ? ' role="alert"' : ''}>${failed ? 'The call did not work out.' : 'You left the line.'}</p>
        <p class="muted">${escapeHtml(outcome.message)}</p>
        <div class="actions">
          <button type="button" class="btn primary wide again">${failed ? 'Try again' : 'Start a new call'}</button>
          <button type="button" class="btn ghost callback">Ask us to call you back</button>
        </div>
      </div>`;
    host.body.querySelector('.again')!.addEventListener('click', () => void this.begin());
    host.body.querySelector('.callback')!.addEventListener('click', () => this.showOffline('Let us call you back.'));
    host.body.querySelector<HTMLButtonElement>('.again')!.focus();
  }
}
