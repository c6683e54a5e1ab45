// CallClient: one participant's side of a Showroom call.
//
// Signaling runs over the `/v1/signal` WebSocket (see protocol.ts). Media uses two peer
// connections: `publisher` (we offer, our camera + mic go up) and `subscriber` (the server offers,
// everyone else's tracks come down). A lost socket is resumed with the resume token while both
// peer connections stay up; a lost ICE path is restarted per connection.

import { type CallClientOptions, type CallEvents, type CallState, CallError, TERMINAL_CODES } from './call-types';
import { Emitter } from './emitter';
import { IceWatch, iceBroken } from './ice-watch';
import { nextCameraConstraints } from './media';
import type { ClientMessage, IceCandidate, LeaveReason, ParticipantInfo, PeerRole, Role } from './protocol';
import type { ServerMessage, SubscribedTrack, TrackAnnouncement, TrackInfo, TrackKind, TrackSource } from './protocol';
import { PROTOCOL_VERSION, candidateFromWire, candidateToWire, parseServerMessage } from './protocol';
import { RemoteTracks } from './remote-tracks';


/** Simulcast: the SFU picks one layer per viewer from its bandwidth (RIDs q/h/f, low to high). */
const SIMULCAST_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'f', maxBitrate: 1_500_000 },
];
export { CallError, type CallClientOptions, type CallEvents, type CallState };

const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000];
const RECONNECT_WINDOW_MS = 15_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const PING_INTERVAL_MS = 10_000;
const PONG_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CallClient extends Emitter<CallEvents> {
  state: CallState = 'idle';
  callId: string | null = null;
  identity: string | null = null;
  role: Role | null = null;
  participantId: string | null = null;
  resumeToken: string | null = null;
  readonly participants = new Map<string, ParticipantInfo>();
  readonly tracks = new Map<string, TrackInfo>();

  private pub!: RTCPeerConnection;
  private sub!: RTCPeerConnection;
  private readonly url: string;
  private ws: WebSocket | null = null;
  private socketJoined = false;
  private everJoined = false;
  private closed = false;
  private readonly outbox: ClientMessage[] = [];
  private readonly pendingCandidates: Record<PeerRole, IceCandidate[]> = { publisher: [], subscriber: [] };
  private readonly pubTx: Partial<Record<TrackKind, RTCRtpTransceiver>> = {};
  private readonly muted: Record<TrackKind, boolean> = { audio: false, video: false };
  private readonly remote = new RemoteTracks();
  private subChain: Promise<void> = Promise.resolve();
  private offerInFlight = false;
  private offerAgain = false;
  private offerAgainRestart = false;
  private readonly iceWatch = new IceWatch((role) => this.peer(role), (role) => this.restartIce(role));
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private captions: boolean | null = null;
  private lastPongAt = 0;

  constructor(private readonly opts: CallClientOptions) {
    super();
    this.url = opts.signalUrl ?? `${location.origin.replace(/^http/, 'ws')}/v1/signal`;
    this.createPeerConnections();
  }

  /** Publisher peer connection (ours, outgoing media). Exposed for getStats() in tests. */
  get publisher(): RTCPeerConnection { return this.pub; }
  /** Subscriber peer connection (incoming media). Exposed for getStats() in tests. */
  get subscriber(): RTCPeerConnection { return this.sub; }
  /** The live signaling socket, if any. Exposed so tests can cut it and watch the resume. */
  get socket(): WebSocket | null { return this.ws; }
  get localStream(): MediaStream { return this.opts.stream; }
  isMuted(kind: TrackKind): boolean { return this.muted[kind]; }
  /** Whether we asked for live captions (null: never asked; agents get transcripts anyway). */
  get captionsEnabled(): boolean { return this.captions === true; }

  /** Authenticates, joins and starts publishing. Rejects with a CallError if that fails. */
  async connect(): Promise<void> {
    if (this.state !== 'idle') throw new Error('connect() may be called once');
    this.setState('connecting');
    try {
      await this.openSocket(false);
    } catch (err) {
      const e = err instanceof CallError ? err : new CallError('connection_lost', String(err));
      this.shutdown('failed', e.message);
      throw e;
    }
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  /** Mutes or unmutes our microphone (`audio`) or camera (`video`) without renegotiating. */
  mute(kind: TrackKind, muted: boolean): void {
    this.muted[kind] = muted;
    for (const track of this.opts.stream.getTracks()) if (track.kind === kind) track.enabled = !muted;
    const mid = this.pubTx[kind]?.mid;
    if (mid) this.send({ type: 'mute', mid, muted });
  }

  /**
   * Turns live captions on or off: whether the server sends us `transcript` frames (emitted as
   * 'transcript' events). Agents and supervisors receive them regardless. Kept across resumes.
   */
  setCaptions(enabled: boolean): void {
    if (this.closed) return;
    this.captions = enabled;
    if (this.ws && this.socketJoined && this.ws.readyState === WebSocket.OPEN) this.sendNow(this.ws, { type: 'set_captions', enabled });
    // Otherwise onJoined sends it (not queued in the outbox, so a toggle flurry sends one frame).
  }

  /** Switches to the next camera (or flips facingMode) via replaceTrack; the call stays up. */
  async switchCamera(): Promise<string> {
    const sender = this.pubTx.video?.sender;
    const old = this.opts.stream.getVideoTracks()[0];
    if (!sender || !old) throw new Error('no camera to switch');
    const video = await nextCameraConstraints(old);
    let fresh: MediaStream;
    try {
      fresh = await navigator.mediaDevices.getUserMedia({ video });
    } catch {
      old.stop(); // Some phones open only one camera at a time.
      fresh = await navigator.mediaDevices.getUserMedia({ video });
    }
    const track = fresh.getVideoTracks()[0]!;
    track.enabled = !this.muted.video;
    await sender.replaceTrack(track);
    this.opts.stream.removeTrack(old);
    old.stop();
    this.opts.stream.addTrack(track);
    this.emit('local-stream', { stream: this.opts.stream });
    return track.label;
  }

  /** Leaves the call: tells the server, closes both peer connections and the socket. */
  leave(): void {
    if (this.closed) return;
    if (this.ws?.readyState === WebSocket.OPEN && this.socketJoined) this.sendNow(this.ws, { type: 'leave' });
    this.shutdown('ended');
  }

  // ---- socket lifecycle -------------------------------------------------------------------

  private openSocket(resume: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      this.socketJoined = false;
      let settled = false;
      let resuming = resume && this.participantId !== null && this.resumeToken !== null;
      const settle = (err?: CallError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          if (this.ws === ws) this.ws = null;
          ws.close();
          reject(err);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(() => settle(new CallError('timeout', 'The call server did not answer.')), HANDSHAKE_TIMEOUT_MS);
      ws.onopen = () => this.sendNow(ws, { type: 'auth', token: this.opts.token });
      ws.onmessage = (ev: MessageEvent) => {
        if (this.ws !== ws || typeof ev.data !== 'string') return;
        const msg = parseServerMessage(ev.data);
        if (!msg) return;
        if (settled) return this.handle(msg);
        if (msg.type === 'authed') {
          this.callId = msg.call_id;
          this.identity = msg.identity;
          this.role = msg.role;
          this.sendNow(ws, this.joinMessage(resuming));
        } else if (msg.type === 'joined') {
          this.onJoined(msg);
          settle();
        } else if (msg.type === 'error' && msg.code === 'resume_failed') {
          this.resumeToken = null; // Our old session is gone: join afresh (on this socket if it lives).
          resuming = false;
          if (msg.fatal) settle(new CallError(msg.code, msg.message));
          else this.sendNow(ws, this.joinMessage(false));
        } else if (msg.type === 'error') {
          this.emit('error', { code: msg.code, message: msg.message, fatal: true });
          settle(new CallError(msg.code, msg.message));
        } else {
          this.handle(msg);
        }
      };
      ws.onclose = (ev: CloseEvent) => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.socketJoined = false;
        if (!settled) {
          settle(new CallError('connection_lost', `The call server closed the connection (${ev.code}).`));
        } else if (!this.closed) {
          void this.reconnect();
        }
      };
    });
  }

  private joinMessage(resume: boolean): ClientMessage {
    // `call_id` is optional (the token names the call) and builds before it reject it: omit it.
    const join: Extract<ClientMessage, { type: 'join' }> = { type: 'join' };
    if (resume) join.resume = { participant_id: this.participantId!, resume_token: this.resumeToken! };
    else if (this.opts.name) join.name = this.opts.name;
    return join;
  }

  private async reconnect(): Promise<void> {
    this.updateState();
    const started = Date.now();
    for (let attempt = 0; !this.closed; attempt++) {
      const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)]!;
      if (Date.now() - started + delay > RECONNECT_WINDOW_MS) break;
      await sleep(delay);
      if (this.closed) return;
      try {
        await this.openSocket(true);
        this.updateState();
        return;
      } catch (err) {
        if (err instanceof CallError && TERMINAL_CODES.has(err.code)) {
          this.shutdown('failed', err.message);
          return;
        }
      }
    }
    if (!this.closed) this.shutdown('failed', 'Lost the connection to the call and could not get it back.');
  }

  private onJoined(msg: Extract<ServerMessage, { type: 'joined' }>): void {
    const wasPublished = this.everJoined;
    this.participantId = msg.participant_id;
    this.resumeToken = msg.resume_token;
    this.socketJoined = true;
    this.everJoined = true;
    this.lastPongAt = Date.now();
    if (wasPublished && !msg.resumed) this.resetMedia();
    const present = new Set(msg.participants.map((p) => p.participant_id));
    for (const id of [...this.participants.keys()]) if (!present.has(id)) this.removeParticipant(id, 'timeout');
    for (const p of msg.participants) if (p.participant_id !== this.participantId) this.addParticipant(p);
    this.tracks.clear();
    for (const t of msg.tracks) this.tracks.set(t.track_id, t);
    const queued = this.outbox.splice(0);
    for (const m of queued) this.send(m);
    // A fresh session (resume refused) starts with captions off; re-sending is harmless otherwise.
    if (this.captions !== null) this.send({ type: 'set_captions', enabled: this.captions });
    if (this.opts.listenOnly) {
      // A listen-only supervisor publishes nothing (an offer would be `forbidden`, fatal).
    } else if (!wasPublished || !msg.resumed) {
      void this.publish();
    } else if (this.pub.signalingState === 'have-local-offer' && !queued.some((m) => m.type === 'offer')) {
      // The offer may have died with the old socket: send it again.
      this.send({ type: 'offer', pc: 'publisher', sdp: this.pub.localDescription!.sdp, tracks: this.announcements() });
    }
    this.updateState();
  }

  private handle(msg: ServerMessage): void {
    switch (msg.type) {
      case 'offer':
        if (msg.pc === 'subscriber') this.onSubscriberOffer(msg.sdp, msg.tracks);
        break;
      case 'answer':
        if (msg.pc === 'publisher') void this.onPublisherAnswer(msg.sdp);
        break;
      case 'candidate':
        this.addRemoteCandidate(msg.pc, msg.candidate);
        break;
      case 'participant_joined':
        if (msg.participant.participant_id !== this.participantId) this.addParticipant(msg.participant);
        break;
      case 'participant_left':
        this.removeParticipant(msg.participant_id, msg.reason);
        break;
      case 'track_published':
        this.tracks.set(msg.track.track_id, msg.track);
        break;
      case 'track_unpublished':
        this.tracks.delete(msg.track_id);
        this.remote.forgetTrack(msg.track_id);
        this.reconcileRemote();
        break;
      case 'track_muted': {
        const t = this.tracks.get(msg.track_id);
        if (t) t.muted = msg.muted;
        const kind = t?.kind ?? this.remote.kindOf(msg.track_id);
        if (kind) this.emit('track-muted', { participantId: msg.participant_id, kind, muted: msg.muted });
        break;
      }
      case 'transcript':
        this.emit('transcript', msg);
        break;
      case 'overtalk':
        this.emit('overtalk', msg);
        break;
      case 'queue':
        this.emit('queue', msg);
        break;
      case 'pong':
        this.lastPongAt = Date.now();
        this.emit('pong', { rttMs: typeof msg.ts === 'number' ? Date.now() - msg.ts : null });
        break;
      case 'error':
        this.emit('error', { code: msg.code, message: msg.message, fatal: msg.fatal });
        if (msg.fatal) this.shutdown('failed', msg.message);
        break;
      default:
        // A newer server may send types this build does not know: ignore them.
        break;
    }
  }

  private send(msg: ClientMessage): void {
    if (this.closed) return;
    if (this.ws && this.socketJoined && this.ws.readyState === WebSocket.OPEN) this.sendNow(this.ws, msg);
    else this.outbox.push(msg);
  }

  private sendNow(ws: WebSocket, msg: ClientMessage): void {
    ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...msg }));
  }

  private ping(): void {
    const ws = this.ws;
    if (!ws || !this.socketJoined || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastPongAt > PONG_TIMEOUT_MS) {
      ws.close(); // Half-open socket: the close handler starts a resume.
      return;
    }
    this.sendNow(ws, { type: 'ping', ts: Date.now() });
  }

  // ---- media ------------------------------------------------------------------------------

  private createPeerConnections(): void {
    this.pub = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    this.sub = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    for (const [role, pc] of [['publisher', this.pub], ['subscriber', this.sub]] as const) {
      pc.onicecandidate = (ev) => {
        const candidate = ev.candidate ? candidateToWire(ev.candidate) : null;
        if (pc === this.peer(role) && candidate) this.send({ type: 'candidate', pc: role, candidate });
      };
      pc.oniceconnectionstatechange = () => {
        if (pc !== this.peer(role)) return;
        this.iceWatch.onStateChange(role);
        this.updateState();
      };
    }
    this.sub.ontrack = () => this.reconcileRemote();
  }

  private peer(role: PeerRole): RTCPeerConnection {
    return role === 'publisher' ? this.pub : this.sub;
  }

  /** The server forgot us (resume refused): start both connections from scratch. */
  private resetMedia(): void {
    this.pub.close();
    this.sub.close();
    delete this.pubTx.audio;
    delete this.pubTx.video;
    this.remote.clear();
    this.pendingCandidates.publisher = [];
    this.pendingCandidates.subscriber = [];
    this.offerInFlight = this.offerAgain = this.offerAgainRestart = false;
    this.outbox.splice(0);
    this.createPeerConnections();
    this.reconcileRemote();
  }

  private async publish(): Promise<void> {
    const stream = this.opts.stream;
    for (const track of stream.getTracks()) {
      const kind = track.kind as TrackKind;
      if (this.pubTx[kind]) continue;
      track.enabled = !this.muted[kind];
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [stream] };
      if (kind === 'video') init.sendEncodings = SIMULCAST_LAYERS;
      this.pubTx[kind] = this.pub.addTransceiver(track, init);
    }
    await this.negotiatePublisher(false);
  }

  private announcements(): TrackAnnouncement[] {
    const out: TrackAnnouncement[] = [];
    for (const kind of ['audio', 'video'] as const) {
      const mid = this.pubTx[kind]?.mid;
      if (!mid) continue;
      const source: TrackSource = kind === 'audio' ? 'microphone' : (this.opts.videoSource ?? 'camera');
      out.push({ mid, source, muted: this.muted[kind] });
    }
    return out;
  }

  private async negotiatePublisher(iceRestart: boolean): Promise<void> {
    if (this.offerInFlight) {
      this.offerAgain = true;
      this.offerAgainRestart ||= iceRestart;
      return;
    }
    const pc = this.pub;
    this.offerInFlight = true;
    try {
      const offer = await pc.createOffer(iceRestart ? { iceRestart: true } : {});
      await pc.setLocalDescription(offer);
      if (pc !== this.pub) return;
      this.send({ type: 'offer', pc: 'publisher', sdp: pc.localDescription!.sdp, tracks: this.announcements() });
    } catch (err) {
      this.offerInFlight = false;
      this.emit('error', { code: 'bad_sdp', message: `Could not start sending media: ${String(err)}`, fatal: false });
    }
  }

  private async onPublisherAnswer(sdp: string): Promise<void> {
    const pc = this.pub;
    if (pc.signalingState !== 'have-local-offer') return; // Stale answer to an offer we resent.
    try {
      await pc.setRemoteDescription({ type: 'answer', sdp });
      this.flushCandidates('publisher');
    } catch (err) {
      this.emit('error', { code: 'bad_sdp', message: `The server's answer was not usable: ${String(err)}`, fatal: false });
    }
    this.offerInFlight = false;
    if (this.offerAgain && pc === this.pub) {
      const restart = this.offerAgainRestart;
      this.offerAgain = this.offerAgainRestart = false;
      await this.negotiatePublisher(restart);
    }
  }

  private onSubscriberOffer(sdp: string, tracks: SubscribedTrack[]): void {
    this.subChain = this.subChain.then(async () => {
      const pc = this.sub;
      this.remote.setOffered(tracks);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      this.flushCandidates('subscriber');
      await pc.setLocalDescription(await pc.createAnswer());
      if (pc !== this.sub) return;
      this.send({ type: 'answer', pc: 'subscriber', sdp: pc.localDescription!.sdp });
      this.reconcileRemote();
    }).catch((err: unknown) => {
      this.emit('error', { code: 'bad_sdp', message: `Could not receive media: ${String(err)}`, fatal: false });
    });
  }

  private addRemoteCandidate(role: PeerRole, c: IceCandidate): void {
    const pc = this.peer(role);
    if (!pc.remoteDescription) {
      this.pendingCandidates[role].push(c);
      return;
    }
    pc.addIceCandidate(candidateFromWire(c)).catch((err: unknown) => console.warn('showroom: addIceCandidate failed', err));
  }

  private flushCandidates(role: PeerRole): void {
    for (const c of this.pendingCandidates[role].splice(0)) this.addRemoteCandidate(role, c);
  }

  private restartIce(role: PeerRole): void {
    if (this.closed) return;
    if (role === 'publisher') {
      this.pub.restartIce();
      void this.negotiatePublisher(true);
    } else {
      this.send({ type: 'restart_ice', pc: 'subscriber' });
    }
  }

  private reconcileRemote(): void {
    for (const change of this.remote.reconcile(this.closed ? null : this.sub)) this.emit('remote-stream', change);
  }

  private addParticipant(p: ParticipantInfo): void {
    const known = this.participants.has(p.participant_id);
    this.participants.set(p.participant_id, p);
    if (!known) this.emit('participant', { participant: p, present: true });
    this.reconcileRemote();
  }

  private removeParticipant(id: string, reason: LeaveReason): void {
    const p = this.participants.get(id);
    if (!p) return;
    this.participants.delete(id);
    for (const [tid, t] of this.tracks) if (t.participant_id === id) this.tracks.delete(tid);
    this.remote.forgetParticipant(id);
    this.reconcileRemote();
    this.emit('participant', { participant: p, present: false, reason });
  }

  // ---- state ------------------------------------------------------------------------------

  private updateState(): void {
    if (this.closed || !this.everJoined) return;
    const iceTrouble = iceBroken(this.pub) || iceBroken(this.sub);
    this.setState(this.socketJoined && !iceTrouble ? 'connected' : 'reconnecting');
  }

  private setState(state: CallState, message?: string): void {
    if (this.state === state && message === undefined) return;
    this.state = state;
    this.emit('state', message === undefined ? { state } : { state, message });
  }

  private shutdown(state: 'ended' | 'failed', message?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.iceWatch.stop();
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'bye');
    this.pub.close();
    this.sub.close();
    for (const t of this.opts.stream.getTracks()) t.stop();
    this.reconcileRemote();
    this.setState(state, message);
  }
}
