// Decides when a peer connection needs an ICE restart: at once on `failed`, after a short grace
// on `disconnected` (it often recovers by itself), and again every few seconds while still broken.

import type { PeerRole } from './protocol';

const DISCONNECTED_GRACE_MS = 1_500;
const RETRY_MS = 5_000;

export function iceBroken(pc: RTCPeerConnection): boolean {
  return pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed';
}

export class IceWatch {
  private readonly timers: Partial<Record<PeerRole, ReturnType<typeof setTimeout>>> = {};

  /** `restart` performs the restart for one connection; `peer` returns the current connection. */
  constructor(
    private readonly peer: (role: PeerRole) => RTCPeerConnection,
    private readonly restart: (role: PeerRole) => void,
  ) {}

  /** Call from `oniceconnectionstatechange`. */
  onStateChange(role: PeerRole): void {
    clearTimeout(this.timers[role]);
    const state = this.peer(role).iceConnectionState;
    if (state === 'failed') this.fire(role);
    else if (state === 'disconnected') this.timers[role] = setTimeout(() => this.fire(role), DISCONNECTED_GRACE_MS);
  }

  stop(): void {
    clearTimeout(this.timers.publisher);
    clearTimeout(this.timers.subscriber);
  }

  private fire(role: PeerRole): void {
    if (!iceBroken(this.peer(role))) return;
    this.restart(role);
    this.timers[role] = setTimeout(() => this.fire(role), RETRY_MS); // Still broken later: again.
  }
}
