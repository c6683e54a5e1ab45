// Wire types of the `/v1/signal` WebSocket protocol, version 1.
// Mirrors signaling/src/protocol.rs (the source of truth): every frame is one JSON object with
// "v": 1 and a snake_case "type". The server rejects unknown fields on client messages, so the
// client types below list exactly what serde accepts.

export const PROTOCOL_VERSION = 1;

export type PeerRole = 'publisher' | 'subscriber';
export type Role = 'customer' | 'agent' | 'supervisor' | 'reviewer' | 'admin';
export type TrackKind = 'audio' | 'video';
export type TrackSource = 'camera' | 'microphone' | 'screen' | 'item_camera';
export type LeaveReason = 'left' | 'timeout' | 'kicked' | 'call_ended';
export type TranscriptStatus = 'partial' | 'final' | 'not_transcribed';
export type OvertalkEventKind = 'alert' | 'resolved' | 'retracted';
export type OvertalkKind = 'interruption' | 'backchannel' | 'simultaneous_start';

export type ErrorCode =
  | 'bad_message'
  | 'unsupported_version'
  | 'message_too_large'
  | 'not_authenticated'
  | 'out_of_order'
  | 'token_invalid'
  | 'token_expired'
  | 'wrong_call'
  | 'forbidden'
  | 'unknown_call'
  | 'call_full'
  | 'bad_sdp'
  | 'bad_candidate'
  | 'unknown_track'
  | 'resume_failed'
  | 'rate_limited'
  | 'internal';

/** RTCIceCandidateInit as serde names it (camelCase). */
export interface IceCandidate {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
  usernameFragment?: string;
}

export interface TrackAnnouncement {
  mid: string;
  source: TrackSource;
  muted: boolean;
}

export interface ParticipantInfo {
  participant_id: string;
  identity: string;
  role: Role;
  name?: string;
  listen_only?: boolean;
}

export interface TrackInfo {
  track_id: string;
  participant_id: string;
  kind: TrackKind;
  source: TrackSource;
  muted: boolean;
  layers: number;
}

export interface SubscribedTrack {
  mid: string;
  track_id: string;
  participant_id: string;
  kind: TrackKind;
}

export interface ResumeRequest {
  participant_id: string;
  resume_token: string;
}

export type ClientMessage =
  | { type: 'auth'; id?: string; token: string }
  | { type: 'join'; id?: string; call_id?: string; name?: string; resume?: ResumeRequest }
  | { type: 'offer'; id?: string; pc: PeerRole; sdp: string; tracks: TrackAnnouncement[] }
  | { type: 'answer'; id?: string; pc: PeerRole; sdp: string }
  | { type: 'candidate'; pc: PeerRole; candidate: IceCandidate }
  | { type: 'mute'; id?: string; mid: string; muted: boolean }
  | { type: 'set_quality'; track_id: string; max_layer: number | null }
  | { type: 'set_captions'; enabled: boolean }
  | { type: 'restart_ice'; pc: PeerRole }
  | { type: 'leave' }
  | { type: 'ping'; ts?: number };

/**
 * Live speech-to-text of one utterance. Every frame about one utterance has the same
 * (participant_id, utterance); `partial` frames replace each other, then exactly one `final` or
 * `not_transcribed` ends it. `start_s`/`end_s` are seconds since the call's first audio.
 */
export interface TranscriptMessage {
  type: 'transcript';
  participant_id: string;
  role: Role;
  utterance: number;
  status: TranscriptStatus;
  start_s: number;
  end_s: number;
  /** Settled words (partial), the whole text (final), empty (not_transcribed). */
  text: string;
  /** Partial: words after `text` that may still change. not_transcribed: the reason. */
  tentative?: string;
  /** Final frames only. */
  language?: string;
  /** Final frames only: 0 to 1. */
  confidence?: number;
}

/**
 * Live overtalk (agents and supervisors only): someone started talking over the other party.
 * Every frame about one overlap carries the same `id`: an `alert` (within 300 ms, when it looks
 * like an interruption), then `resolved` with what it was, or `retracted` when the alert was
 * wrong. Overlaps never alerted come as `resolved` only.
 */
export interface OvertalkMessage {
  type: 'overtalk';
  id: number;
  event: OvertalkEventKind;
  /** Who started talking over whom. */
  interrupter: Role;
  interrupted: Role;
  /** When the interrupter started, seconds since the call's first audio. */
  onset_s: number;
  kind?: OvertalkKind;
  overlap_s?: number;
}

/**
 * The shopper's place in the desk queue while waiting for an expert (see signaling/DESK.md).
 * Sent on join, on every change and at least every 5 s; `estimated_wait_s` is null when nobody
 * who could take the call is online; `ringing` is true while an agent is being offered the call.
 */
export interface QueueMessage {
  type: 'queue';
  position: number;
  estimated_wait_s: number | null;
  agents_online: number;
  ringing: boolean;
}

export type ServerMessage =
  | { type: 'authed'; ref?: string; identity: string; role: Role; call_id: string }
  | {
      type: 'joined';
      ref?: string;
      participant_id: string;
      resume_token: string;
      resume_window_s: number;
      resumed: boolean;
      participants: ParticipantInfo[];
      tracks: TrackInfo[];
    }
  | { type: 'offer'; pc: PeerRole; sdp: string; tracks: SubscribedTrack[] }
  | { type: 'answer'; ref?: string; pc: PeerRole; sdp: string }
  | { type: 'candidate'; pc: PeerRole; candidate: IceCandidate }
  | { type: 'participant_joined'; participant: ParticipantInfo }
  | { type: 'participant_left'; participant_id: string; reason: LeaveReason }
  | { type: 'track_published'; track: TrackInfo }
  | { type: 'track_unpublished'; track_id: string; participant_id: string }
  | { type: 'track_muted'; track_id: string; participant_id: string; muted: boolean }
  | TranscriptMessage
  | OvertalkMessage
  | QueueMessage
  | { type: 'pong'; ts?: number; server_time_ms: number }
  | { type: 'error'; ref?: string; code: ErrorCode; message: string; fatal: boolean };

/** Parses one server frame; returns null for anything that is not a v1 object with a type. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const obj = value as Record<string, unknown>;
  if (obj['v'] !== PROTOCOL_VERSION || typeof obj['type'] !== 'string') return null;
  return obj as unknown as ServerMessage;
}

/** A browser ICE candidate as the wire wants it (null for end-of-candidates markers). */
export function candidateToWire(c: RTCIceCandidate): IceCandidate | null {
  if (!c.candidate) return null;
  const out: IceCandidate = { candidate: c.candidate };
  if (c.sdpMid != null) out.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex != null) out.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment != null) out.usernameFragment = c.usernameFragment;
  return out;
}

export function candidateFromWire(c: IceCandidate): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null };
  if (c.usernameFragment !== undefined) init.usernameFragment = c.usernameFragment;
  return init;
}

/** Human text for the error codes a person can act on; falls back to the server's message. */
export function describeError(code: string, message: string): string {
  switch (code) {
    case 'token_expired':
      return 'This call link has expired. Please start a new call.';
    case 'token_invalid':
      return 'This call link is not valid. Please start a new call.';
    case 'unknown_call':
      return 'This call no longer exists.';
    case 'call_full':
      return 'Someone else is already in this call.';
    case 'forbidden':
      return 'You are not allowed to join this call.';
    case 'rate_limited':
      return 'Too many requests, slowing down.';
    default:
      return message || 'Something went wrong.';
  }
}
