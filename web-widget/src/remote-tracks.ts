// Maps the subscriber connection's transceivers (by SDP mid, using the server offer's `tracks`
// list) to one MediaStream per remote participant.

import type { SubscribedTrack } from './protocol';

export type StreamChange = { participantId: string; stream: MediaStream | null };

export class RemoteTracks {
  private mids = new Map<string, SubscribedTrack>();
  private readonly streams = new Map<string, MediaStream>();

  /** Replaces the mid map with the one carried by a new subscriber offer. */
  setOffered(tracks: SubscribedTrack[]): void {
    this.mids = new Map(tracks.map((t) => [t.mid, t]));
  }

  kindOf(trackId: string): SubscribedTrack['kind'] | undefined {
    for (const t of this.mids.values()) if (t.track_id === trackId) return t.kind;
    return undefined;
  }

  forgetTrack(trackId: string): void {
    for (const [mid, t] of this.mids) if (t.track_id === trackId) this.mids.delete(mid);
  }

  forgetParticipant(participantId: string): void {
    for (const [mid, t] of this.mids) if (t.participant_id === participantId) this.mids.delete(mid);
  }

  clear(): void {
    this.mids = new Map();
  }

  /** Brings the per-participant streams in line with `pc`; returns what changed. */
  reconcile(pc: RTCPeerConnection | null): StreamChange[] {
    const wanted = new Map<string, MediaStreamTrack[]>();
    if (pc && pc.signalingState !== 'closed') {
      for (const tr of pc.getTransceivers()) {
        const info = tr.mid ? this.mids.get(tr.mid) : undefined;
        const receiving = tr.currentDirection === 'recvonly' || tr.currentDirection === 'sendrecv';
        if (!info || !receiving) continue;
        const list = wanted.get(info.participant_id) ?? [];
        list.push(tr.receiver.track);
        wanted.set(info.participant_id, list);
      }
    }
    const changes: StreamChange[] = [];
    for (const pid of new Set([...this.streams.keys(), ...wanted.keys()])) {
      const tracks = wanted.get(pid) ?? [];
      let stream = this.streams.get(pid);
      if (tracks.length === 0) {
        if (stream) {
          this.streams.delete(pid);
          changes.push({ participantId: pid, stream: null });
        }
        continue;
      }
      let changed = !stream;
      stream ??= new MediaStream();
      for (const t of stream.getTracks()) {
        if (!tracks.includes(t)) {
          stream.removeTrack(t);
          changed = true;
        }
      }
      for (const t of tracks) {
        if (!stream.getTracks().includes(t)) {
          stream.addTrack(t);
          changed = true;
        }
      }
      this.streams.set(pid, stream);
      if (changed) changes.push({ participantId: pid, stream });
    }
    return changes;
  }
}
