// Public types of CallClient: options, events, states and errors.

import type { ErrorCode, LeaveReason, ParticipantInfo, TrackKind, TrackSource, TranscriptMessage, OvertalkMessage, QueueMessage } from './protocol';

export type CallState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

export interface CallClientOptions {
  /** Participant token for one call (from POST /v1/calls or POST /v1/calls/{id}/answer). */
  token: string;
  /** Display name sent with `join`. */
  name?: string;
  /** Local camera + microphone; the client owns it from now on and stops it on leave(). */
  stream: MediaStream;
  /** What the video track shows (default `camera`). */
  videoSource?: TrackSource;
  /** Defaults to `${location.origin with ws}/v1/signal`. */
  signalUrl?: string;
  /** Receive only (a supervisor's listen token): never create a publisher offer. */
  listenOnly?: boolean;
}

export interface CallEvents {
  state: { state: CallState; message?: string };
  participant: { participant: ParticipantInfo; present: boolean; reason?: LeaveReason };
  /** A remote participant's media; `stream` is null once they have nothing left to show. */
  'remote-stream': { participantId: string; stream: MediaStream | null };
  'track-muted': { participantId: string; kind: TrackKind; muted: boolean };
  'local-stream': { stream: MediaStream };
  error: { code: string; message: string; fatal: boolean };
  pong: { rttMs: number | null };
  /** A live transcript frame (agents and supervisors always; a customer after setCaptions(true)). */
  transcript: TranscriptMessage;
  /** Live overtalk alerts and their resolution (agents and supervisors only). */
  overtalk: OvertalkMessage;
  /** The shopper's queue position and wait estimate while no agent has joined (customers only). */
  queue: QueueMessage;
}

export class CallError extends Error {
  constructor(
    readonly code: ErrorCode | 'connection_lost' | 'timeout',
    message: string,
  ) {
    super(message);
  }
}

/** Errors after which retrying with the same token cannot help. */
export const TERMINAL_CODES: ReadonlySet<string> = new Set([
  'token_invalid', 'token_expired', 'wrong_call', 'forbidden', 'unknown_call', 'call_full',
]);

