// When the camera cannot be used: what happened, how to fix it, and the ways forward —
// "Try again", "Continue with audio only", and a callback when even the microphone fails.

import { escapeHtml } from '../ui';
import { classifyMediaError, getMicrophone, type MediaProblem } from './device-check';

export interface MediaHelpOptions {
  problem: MediaProblem;
  onRetry(): void;
  onAudioOnly(stream: MediaStream): void;
  onCallback(): void;
}

const ALLOW_STEPS = `
  <ol class="steps">
    <li>Click the <b>camera icon</b> or the <b>lock</b> at the left or right end of the address bar.</li>
    <li>Set <b>Camera</b> and <b>Microphone</b> to <b>Allow</b>.</li>
    <li>Come back here and press <b>Try again</b>. (Some browsers need the page reloaded.)</li>
  </ol>
  <p class="muted small">On a phone: open your phone's <b>Settings</b>, find your browser, and allow Camera and Microphone.</p>`;

function explain(problem: MediaProblem): { title: string; body: string } {
  switch (problem) {
    case 'denied':
      return { title: 'Your browser is blocking the camera', body: `<p>To show you the product on video we need your permission. Your camera is only used during the call.</p>${ALLOW_STEPS}` };
    case 'no-camera':
      return { title: 'No camera found', body: '<p>We could not find a camera on this device. You can still talk to an expert with your microphone — they will show you the product on their video.</p>' };
    case 'no-device':
      return { title: 'No camera or microphone found', body: '<p>We could not find a camera or a microphone. Plug one in and press <b>Try again</b>, or ask us to call you back.</p>' };
    case 'in-use':
      return { title: 'Your camera is busy', body: '<p>Another app (or another tab) is using your camera or microphone. Close it and press <b>Try again</b>.</p>' };
    case 'insecure':
      return { title: 'Video calls need a secure page', body: '<p>This page is not served over https, so your browser does not allow the camera. Ask us to call you back instead.</p>' };
    default:
      return { title: 'The camera did not start', body: '<p>Something went wrong while starting your camera. Press <b>Try again</b>, or continue with audio only.</p>' };
  }
}

export function showMediaHelp(root: HTMLElement, opts: MediaHelpOptions): void {
  const { title, body } = explain(opts.problem);
  root.innerHTML = `
    <div class="screen media-help" data-screen="media-help" data-problem="${opts.problem}">
      <p class="big" role="alert">${escapeHtml(title)}</p>
      ${body}
      <p class="mic-failed error-text" role="alert" hidden></p>
      <div class="actions">
        <button type="button" class="btn primary wide retry">Try again</button>
        <button type="button" class="btn ghost audio-only">Continue with audio only</button>
        <button type="button" class="btn ghost callback" hidden>Ask us to call you back</button>
      </div>
    </div>`;
  const retry = root.querySelector<HTMLButtonElement>('.retry')!;
  const audioOnly = root.querySelector<HTMLButtonElement>('.audio-only')!;
  const callback = root.querySelector<HTMLButtonElement>('.callback')!;
  const micFailed = root.querySelector<HTMLElement>('.mic-failed')!;
  const offerCallback = (why: string) => {
    micFailed.textContent = why;
    micFailed.hidden = false;
    audioOnly.hidden = true;
    callback.hidden = false;
    callback.focus();
  };
  if (opts.problem === 'no-device' || opts.problem === 'insecure') {
    audioOnly.hidden = true;
    callback.hidden = false;
  }
  retry.addEventListener('click', () => opts.onRetry());
  callback.addEventListener('click', () => opts.onCallback());
  audioOnly.addEventListener('click', async () => {
    audioOnly.disabled = true;
    audioOnly.textContent = 'Starting your microphone…';
    try {
      opts.onAudioOnly(await getMicrophone());
    } catch (err) {
      const problem = classifyMediaError(err);
      offerCallback(
        problem === 'denied'
          ? 'Your microphone is blocked too. Allow it (steps above) and press Try again — or ask us to call you back.'
          : 'We could not use your microphone either. We can call you back instead.',
      );
    } finally {
      audioOnly.disabled = false;
      audioOnly.textContent = 'Continue with audio only';
    }
  });
  (opts.problem === 'no-camera' ? audioOnly : retry).focus();
}
