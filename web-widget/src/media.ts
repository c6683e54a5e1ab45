// Local camera/microphone helpers shared by the pages and the call client.

/** Asks for camera + microphone; falls back to microphone only when there is no usable camera. */
export async function getLocalMedia(): Promise<MediaStream> {
  const audio: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  const video: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' };
  try {
    return await navigator.mediaDevices.getUserMedia({ audio, video });
  } catch (err) {
    const name = err instanceof DOMException ? err.name : '';
    if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError') {
      return await navigator.mediaDevices.getUserMedia({ audio });
    }
    throw err;
  }
}

/** What to tell a person whose getUserMedia failed, and what they can do about it. */
export function describeMediaError(err: unknown): string {
  const name = err instanceof DOMException ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone access was blocked. Allow access in your browser (the camera icon in the address bar) and try again.';
    case 'NotFoundError':
      return 'No microphone or camera was found. Plug one in and try again.';
    case 'NotReadableError':
      return 'Your camera or microphone is in use by another app. Close it and try again.';
    default:
      if (!navigator.mediaDevices) return 'This page needs a secure (https) connection to use your camera.';
      return `Could not start your camera or microphone (${name || String(err)}).`;
  }
}

let facing: 'user' | 'environment' = 'user';

/** Constraints for "the next camera": another device if there is one, else the other facingMode. */
export async function nextCameraConstraints(current: MediaStreamTrack): Promise<MediaTrackConstraints> {
  const currentId = current.getSettings().deviceId;
  const cams = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput' && d.deviceId);
  if (cams.length > 1) {
    const next = cams[(cams.findIndex((c) => c.deviceId === currentId) + 1) % cams.length]!;
    return { deviceId: { exact: next.deviceId } };
  }
  facing = facing === 'user' ? 'environment' : 'user';
  return { facingMode: { ideal: facing } };
}
