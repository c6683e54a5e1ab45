// Device check before the call: live camera preview, microphone level, device pickers, the name
// field, and the two ways in ("Start video call", "Audio only"). Media errors go to `onProblem`.

import { escapeHtml } from '../ui';

export type MediaProblem = 'denied' | 'no-camera' | 'no-device' | 'in-use' | 'insecure' | 'other';

export interface DeviceCheckOptions {
  name: string;
  onStart(stream: MediaStream, name: string, video: boolean): void;
  onProblem(problem: MediaProblem, error: unknown): void;
}

const AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const VIDEO: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' };

export function classifyMediaError(err: unknown): MediaProblem {
  if (!navigator.mediaDevices?.getUserMedia) return 'insecure';
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'DevicesNotFoundError') return 'no-device';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError') return 'in-use';
  return 'other';
}

/** A microphone level meter: RMS of the analyser's samples, drawn as a bar. */
export class MicMeter {
  private ctx: AudioContext | null = null;
  private frame = 0;

  constructor(private readonly bar: HTMLElement) {}

  start(stream: MediaStream): void {
    this.stop();
    if (stream.getAudioTracks().length === 0 || typeof AudioContext === 'undefined') return;
    const ctx = new AudioContext();
    this.ctx = ctx;
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 512;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const draw = () => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      this.bar.style.transform = `scaleX(${level.toFixed(3)})`;
      this.bar.dataset['level'] = level.toFixed(2);
      this.frame = requestAnimationFrame(draw);
    };
    void ctx.resume().catch(() => undefined);
    draw();
  }

  stop(): void {
    cancelAnimationFrame(this.frame);
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
  }
}

export class DeviceCheck {
  private stream: MediaStream | null = null;
  private readonly video: HTMLVideoElement;
  private readonly meter: MicMeter;
  private readonly cameraSelect: HTMLSelectElement;
  private readonly micSelect: HTMLSelectElement;
  private readonly nameInput: HTMLInputElement;
  private readonly startButtons: HTMLButtonElement[];
  private disposed = false;

  constructor(private readonly root: HTMLElement, private readonly opts: DeviceCheckOptions) {
    root.innerHTML = `
      <div class="screen device-check" data-screen="device-check">
        <p class="big" id="sr-check-title">Check your camera and microphone</p>
        <p class="muted small">This is what the expert will see. Say something: the bar shows your microphone works.</p>
        <div class="preview">
          <video class="preview-video" autoplay playsinline muted aria-label="Your camera preview"></video>
          <div class="preview-wait"><div class="spinner"></div><span>Starting your camera… allow access if your browser asks.</span></div>
        </div>
        <div class="meter-row"><span class="meter-label">Mic level</span>
          <span class="meter" role="img" aria-label="Microphone level"><span class="meter-bar"></span></span></div>
        <div class="pickers">
          <label>Camera <select class="pick-camera"></select></label>
          <label>Microphone <select class="pick-mic"></select></label>
        </div>
        <label class="field"><span>Your first name <span class="muted">(optional)</span></span>
          <input class="name-input" type="text" autocomplete="given-name" maxlength="40" value="${escapeHtml(opts.name)}"></label>
        <div class="actions">
          <button type="button" class="btn primary wide start-video" disabled>Start video call</button>
          <button type="button" class="btn ghost start-audio" disabled>Audio only</button>
        </div>
        <p class="fine">Free. You can mute or turn your camera off at any time during the call.</p>
      </div>`;
    this.video = root.querySelector('.preview-video')!;
    this.meter = new MicMeter(root.querySelector('.meter-bar')!);
    this.cameraSelect = root.querySelector('.pick-camera')!;
    this.micSelect = root.querySelector('.pick-mic')!;
    this.nameInput = root.querySelector('.name-input')!;
    this.startButtons = [root.querySelector('.start-video')!, root.querySelector('.start-audio')!];
    this.startButtons[0]!.addEventListener('click', () => this.handOver(true));
    this.startButtons[1]!.addEventListener('click', () => this.handOver(false));
    this.cameraSelect.addEventListener('change', () => void this.acquire());
    this.micSelect.addEventListener('change', () => void this.acquire());
    void this.acquire();
  }

  /** Stops the preview and the devices (unless they were handed over to the call). */
  dispose(): void {
    this.disposed = true;
    this.meter.stop();
    this.video.srcObject = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
  }

  private async acquire(): Promise<void> {
    const camera = this.cameraSelect.value;
    const mic = this.micSelect.value;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    for (const b of this.startButtons) b.disabled = true;
    let stream: MediaStream;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('no mediaDevices');
      stream = await navigator.mediaDevices.getUserMedia({
        audio: mic ? { ...AUDIO, deviceId: { exact: mic } } : AUDIO,
        video: camera ? { ...VIDEO, deviceId: { exact: camera } } : VIDEO,
      });
    } catch (err) {
      if (this.disposed) return;
      let problem = classifyMediaError(err);
      if (problem === 'no-device' && (await this.hasMicrophone())) problem = 'no-camera';
      this.opts.onProblem(problem, err);
      return;
    }
    if (this.disposed) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    this.stream = stream;
    this.video.srcObject = stream;
    void this.video.play().catch(() => undefined);
    this.root.querySelector('.preview')!.classList.add('live');
    this.meter.start(stream);
    await this.listDevices(stream);
    for (const b of this.startButtons) b.disabled = false;
    this.startButtons[0]!.focus();
  }

  private async hasMicrophone(): Promise<boolean> {
    try {
      return (await navigator.mediaDevices.enumerateDevices()).some((d) => d.kind === 'audioinput');
    } catch {
      return false;
    }
  }

  private async listDevices(stream: MediaStream): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, current: string | undefined) => {
      const list = devices.filter((d) => d.kind === kind && d.deviceId);
      select.innerHTML = list
        .map((d, i) => `<option value="${escapeHtml(d.deviceId)}">${escapeHtml(d.label || `${kind === 'videoinput' ? 'Camera' : 'Microphone'} ${i + 1}`)}</option>`)
        .join('');
      if (current) select.value = current;
      select.closest('label')!.hidden = list.length < 2;
    };
    fill(this.cameraSelect, 'videoinput', stream.getVideoTracks()[0]?.getSettings().deviceId);
    fill(this.micSelect, 'audioinput', stream.getAudioTracks()[0]?.getSettings().deviceId);
  }

  private handOver(video: boolean): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = null; // Now the call's.
    if (!video) {
      for (const t of stream.getVideoTracks()) {
        t.stop();
        stream.removeTrack(t);
      }
    }
    this.dispose();
    this.opts.onStart(stream, this.nameInput.value.trim(), video);
  }
}

/** Microphone only, for "Continue with audio only". */
export function getMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) return Promise.reject(new Error('no mediaDevices'));
  return navigator.mediaDevices.getUserMedia({ audio: AUDIO });
}
