// DeskClient: the agent console's and the supervisor view's connection to `/v1/desk/ws`.
//
// The first frame is `sign_in` with the desk token; the server answers `signed_in`, then pushes
// presence, offers (rings) and, to supervisors, the board. A lost socket is reopened with backoff
// and signed in again (the server signs an agent out when the socket closes, so every reconnect
// is a fresh sign-in with the presence the agent last chose). Refused tokens stop the retries.

import { Emitter } from './emitter';
import type { Accepted, Board, DeskClientMessage, DeskError, OfferClosed, OfferMessage, PresenceMessage, SignedIn, WrapUpSaved } from './desk-types';
import { FATAL_DESK_CODES, parseDeskMessage } from './desk-types';

export type DeskConnection = 'connecting' | 'online' | 'reconnecting' | 'signed_out';

export interface DeskEvents {
  connection: { state: DeskConnection; retryInMs?: number; code?: string; message?: string };
  signed_in: SignedIn;
  presence: PresenceMessage;
  offer: OfferMessage;
  offer_closed: OfferClosed;
  accepted: Accepted;
  wrap_up_saved: WrapUpSaved;
  error: DeskError;
  board: Board;
}

export class DeskSignInError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000, 8000];
const SIGN_IN_TIMEOUT_MS = 10_000;

export interface DeskClientOptions {
  token: string;
  /** Presence to sign in with (agents only; default `available`). */
  presence?: 'available' | 'away';
  /** Defaults to `${location.origin with ws}/v1/desk/ws`. */
  url?: string;
}

export class DeskClient extends Emitter<DeskEvents> {
  connection: DeskConnection = 'connecting';
  private ws: WebSocket | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private wanted: 'available' | 'away';
  private readonly url: string;

  constructor(private readonly opts: DeskClientOptions) {
    super();
    this.wanted = opts.presence ?? 'available';
    this.url = opts.url ?? `${location.origin.replace(/^http/, 'ws')}/v1/desk/ws`;
  }

  /** Opens the socket and signs in; rejects with DeskSignInError if the first sign-in fails. */
  connect(): Promise<SignedIn> {
    return this.open(true);
  }

  /** The presence the agent chose (sent again on every reconnect). */
  setPresence(state: 'available' | 'away'): void {
    this.wanted = state;
    this.send({ type: 'presence', state });
  }

  accept(offerId: string): boolean {
    return this.send({ type: 'accept', offer_id: offerId });
  }

  decline(offerId: string): boolean {
    return this.send({ type: 'decline', offer_id: offerId });
  }

  wrapUp(callId: string, disposition: string, notes: string): boolean {
    return this.send({ type: 'wrap_up', call_id: callId, disposition, notes });
  }

  /** Signs out: closes the socket for good. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000, 'sign out');
  }

  private send(msg: DeskClientMessage): boolean {
    if (this.ws?.readyState !== WebSocket.OPEN || this.connection !== 'online') return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  private setConnection(state: DeskConnection, extra: Omit<DeskEvents['connection'], 'state'> = {}): void {
    this.connection = state;
    this.emit('connection', { state, ...extra });
  }

  private open(first: boolean): Promise<SignedIn> {
    return new Promise<SignedIn>((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let signedIn = false;
      const timer = setTimeout(() => {
        if (!signedIn && this.ws === ws) ws.close(4000, 'sign-in timeout');
      }, SIGN_IN_TIMEOUT_MS);
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'sign_in', token: this.opts.token, presence: this.wanted } satisfies DeskClientMessage));
      };
      ws.onmessage = (ev: MessageEvent) => {
        if (this.ws !== ws || typeof ev.data !== 'string') return;
        const msg = parseDeskMessage(ev.data);
        if (!msg) return;
        if (msg.type === 'signed_in') {
          signedIn = true;
          clearTimeout(timer);
          this.attempt = 0;
          this.setConnection('online');
          resolve(msg);
        }
        if (msg.type === 'error' && FATAL_DESK_CODES.has(msg.code)) {
          clearTimeout(timer);
          this.closed = true;
          this.ws = null;
          ws.close(1000, 'refused');
          this.setConnection('signed_out', { code: msg.code, message: msg.message });
          reject(new DeskSignInError(msg.code, msg.message));
          return;
        }
        this.dispatch(msg);
      };
      ws.onclose = (ev: CloseEvent) => {
        clearTimeout(timer);
        if (this.ws !== ws) return;
        this.ws = null;
        if (this.closed) return;
        if (!signedIn && first) {
          this.closed = true;
          this.setConnection('signed_out', { code: 'connection_lost', message: `The desk server closed the connection (${ev.code}).` });
          reject(new DeskSignInError('connection_lost', `Cannot reach the desk (${ev.code}).`));
          return;
        }
        this.scheduleRetry();
      };
    });
  }

  private scheduleRetry(): void {
    const delay = RETRY_DELAYS_MS[Math.min(this.attempt, RETRY_DELAYS_MS.length - 1)]!;
    this.attempt += 1;
    this.setConnection('reconnecting', { retryInMs: delay });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.open(false).catch(() => undefined);
    }, delay);
  }

  private dispatch(msg: Exclude<ReturnType<typeof parseDeskMessage>, null>): void {
    switch (msg.type) {
      case 'signed_in': this.emit('signed_in', msg); break;
      case 'presence': this.emit('presence', msg); break;
      case 'offer': this.emit('offer', msg); break;
      case 'offer_closed': this.emit('offer_closed', msg); break;
      case 'accepted': this.emit('accepted', msg); break;
      case 'wrap_up_saved': this.emit('wrap_up_saved', msg); break;
      case 'error': this.emit('error', msg); break;
      case 'board': this.emit('board', msg); break;
    }
  }
}
