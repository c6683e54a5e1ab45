//! A call participant as a program: HTTP front door, `/v1/signal` WebSocket and two real peer
//! connections (publisher, subscriber), answering the server's subscriber offers by itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use showroom_signaling::{ClientMessage, Envelope, PeerRole, ResumeRequest, ServerMessage, TrackAnnouncement, TrackSource};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::media::VideoCodec;
use crate::peer::{Kind, Peer, PeerEvent};

const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// The gateway's HTTP side.
#[derive(Clone)]
pub struct Gateway {
    pub base: String,
    http: reqwest::Client,
}

impl Gateway {
    pub fn new(http_addr: std::net::SocketAddr) -> Self {
        Self::from_base(format!("http://{http_addr}"))
    }

    /// A gateway at a base URL such as `http://127.0.0.1:8080`.
    pub fn from_base(base: impl Into<String>) -> Self {
        Self { base: base.into().trim_end_matches('/').to_owned(), http: reqwest::Client::new() }
    }

    /// `GET` a path and return the body text (e.g. `/metrics`).
    pub async fn get_text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.http.get(format!("{}{path}", self.base)).send().await?.error_for_status()?.text().await?)
    }

    pub fn signal_url(&self) -> String {
        format!("{}/v1/signal", self.base.replacen("http", "ws", 1))
    }

    /// Creates a call as a shopper would; returns (call id, customer token).
    pub async fn create_call(&self, name: &str) -> anyhow::Result<(String, String)> {
        let v: Value = self
            .http
            .post(format!("{}/v1/calls", self.base))
            .json(&json!({"name": name, "product": {"sku": "LMP-1", "title": "Desk lamp", "price": "€49"}}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok((v["call_id"].as_str().context("call_id")?.to_owned(), v["token"].as_str().context("token")?.to_owned()))
    }

    pub async fn desk_token(&self, identity: &str) -> anyhow::Result<String> {
        let v: Value = self.http.get(format!("{}/v1/desk/token?identity={identity}", self.base)).send().await?.error_for_status()?.json().await?;
        Ok(v["token"].as_str().context("token")?.to_owned())
    }

    /// Answers a call with a desk token; returns the agent's call token.
    pub async fn answer(&self, desk_token: &str, call_id: &str) -> anyhow::Result<String> {
        let v: Value = self
            .http
            .post(format!("{}/v1/calls/{call_id}/answer", self.base))
            .bearer_auth(desk_token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(v["token"].as_str().context("token")?.to_owned())
    }

    /// A new call with a connected customer and agent, neither publishing yet.
    pub async fn call_pair(&self) -> anyhow::Result<(CallClient, CallClient, String)> {
        let (call_id, customer_token) = self.create_call("Test Shopper").await?;
        let desk = self.desk_token("agent-1").await?;
        let agent_token = self.answer(&desk, &call_id).await?;
        let customer = CallClient::connect(&self.signal_url(), &customer_token).await?;
        let agent = CallClient::connect(&self.signal_url(), &agent_token).await?;
        Ok((customer, agent, call_id))
    }
}

fn encode(msg: &ClientMessage) -> String {
    serde_json::to_string(&Envelope { v: 1, msg }).expect("client messages serialize")
}

fn decode(text: &str) -> Option<ServerMessage> {
    serde_json::from_str::<Envelope<ServerMessage>>(text).ok().map(|e| e.msg)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket, authenticates and joins (or resumes). Returns the socket and `joined`.
async fn open_session(url: &str, token: &str, resume: Option<ResumeRequest>) -> anyhow::Result<(Ws, ServerMessage)> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.context("websocket connect")?;
    ws.send(Message::text(encode(&ClientMessage::Auth { id: Some("a".into()), token: token.to_owned() }))).await?;
    let mut joined = None;
    let mut sent_join = false;
    let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
    while joined.is_none() {
        let frame = tokio::time::timeout_at(deadline, ws.next()).await.context("no reply to auth/join")?;
        let Some(Ok(Message::Text(text))) = frame else { bail!("socket closed during auth/join") };
        match decode(&text) {
            Some(ServerMessage::Authed { .. }) if !sent_join => {
                ws.send(Message::text(encode(&ClientMessage::Join { id: Some("j".into()), call_id: None, name: None, resume: resume.clone() }))).await?;
                sent_join = true;
            }
            Some(m @ ServerMessage::Joined { .. }) => joined = Some(m),
            Some(ServerMessage::Error { code, message, .. }) => bail!("{}: {message}", code.as_str()),
            _ => {}
        }
    }
    Ok((ws, joined.expect("loop exits with joined")))
}

/// Parses `(mid, kind)` of every m-section of an SDP.
fn sdp_mids(sdp: &str) -> Vec<(String, Kind)> {
    let mut out = Vec::new();
    let mut kind = None;
    for line in sdp.lines() {
        if let Some(m) = line.strip_prefix("m=") {
            kind = Some(if m.starts_with("audio") { Kind::Audio } else { Kind::Video });
        } else if let (Some(mid), Some(k)) = (line.strip_prefix("a=mid:"), kind) {
            out.push((mid.trim().to_owned(), k));
        }
    }
    out
}

type PendingAnswer = Arc<Mutex<Option<oneshot::Sender<String>>>>;

pub struct CallClient {
    pub participant_id: String,
    pub resume_token: String,
    url: String,
    token: String,
    out: mpsc::UnboundedSender<String>,
    /// Server messages the client did not handle itself (joined/left, tracks, errors, offers).
    pub messages: mpsc::UnboundedReceiver<ServerMessage>,
    messages_tx: mpsc::UnboundedSender<ServerMessage>,
    /// Media received on the subscriber connection and keyframe requests on the publisher.
    pub media: mpsc::UnboundedReceiver<PeerEvent>,
    media_tx: mpsc::UnboundedSender<PeerEvent>,
    pub publisher: Option<Peer>,
    pub subscriber: Peer,
    pending_answer: PendingAnswer,
    tasks: Vec<JoinHandle<()>>,
}

impl CallClient {
    pub async fn connect(url: &str, token: &str) -> anyhow::Result<CallClient> {
        let (ws, joined) = open_session(url, token, None).await?;
        let ServerMessage::Joined { participant_id, resume_token, .. } = joined.clone() else { unreachable!() };
        let (media_tx, media) = mpsc::unbounded_channel();
        let subscriber = Peer::start(&[], 1, VideoCodec::Vp8, media_tx.clone()).await?;
        let (messages_tx, messages) = mpsc::unbounded_channel();
        let (out, _) = mpsc::unbounded_channel();
        let mut client = CallClient {
            participant_id,
            resume_token,
            url: url.to_owned(),
            token: token.to_owned(),
            out,
            messages,
            messages_tx,
            media,
            media_tx,
            publisher: None,
            subscriber,
            pending_answer: Arc::new(Mutex::new(None)),
            tasks: Vec::new(),
        };
        let _ = client.messages_tx.send(joined);
        client.attach(ws);
        Ok(client)
    }

    /// Runs the reader and writer tasks of a socket.
    fn attach(&mut self, ws: Ws) {
        let (mut sink, mut stream) = ws.split();
        let (out, mut out_rx) = mpsc::unbounded_channel::<String>();
        self.out = out.clone();
        let writer = tokio::spawn(async move {
            while let Some(text) = out_rx.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let subscriber = self.subscriber.clone();
        let pending = self.pending_answer.clone();
        let messages = self.messages_tx.clone();
        let reader = tokio::spawn(async move {
            while let Some(Ok(frame)) = stream.next().await {
                let Message::Text(text) = frame else { continue };
                let Some(msg) = decode(&text) else { continue };
                match &msg {
                    ServerMessage::Offer { pc: PeerRole::Subscriber, sdp, .. } => match subscriber.set_remote(sdp.clone(), true).await {
                        Ok(Some(answer)) => {
                            let _ = out.send(encode(&ClientMessage::Answer { id: None, pc: PeerRole::Subscriber, sdp: answer }));
                        }
                        other => tracing::warn!(?other, "client could not answer a subscriber offer"),
                    },
                    ServerMessage::Answer { pc: PeerRole::Publisher, sdp, .. } => {
                        if let Some(tx) = pending.lock().expect("not poisoned").take() {
                            let _ = tx.send(sdp.clone());
                        }
                        continue;
                    }
                    _ => {}
                }
                let _ = messages.send(msg);
            }
        });
        self.tasks = vec![writer, reader];
    }

    /// Sends a raw protocol message.
    pub fn send(&self, msg: &ClientMessage) {
        let _ = self.out.send(encode(msg));
    }

    async fn negotiate_publisher(&mut self, ice_restart: bool) -> anyhow::Result<()> {
        let peer = self.publisher.as_ref().ok_or_else(|| anyhow!("not publishing"))?;
        let offer = peer.create_offer(ice_restart).await?;
        let tracks = sdp_mids(&offer)
            .into_iter()
            .map(|(mid, kind)| TrackAnnouncement {
                mid,
                source: if kind == Kind::Audio { TrackSource::Microphone } else { TrackSource::Camera },
                muted: false,
            })
            .collect();
        let (tx, rx) = oneshot::channel();
        *self.pending_answer.lock().expect("not poisoned") = Some(tx);
        self.send(&ClientMessage::Offer { id: Some("o".into()), pc: PeerRole::Publisher, sdp: offer, tracks });
        let answer = tokio::time::timeout(REPLY_TIMEOUT, rx).await.context("no publisher answer")??;
        peer.set_remote(answer, false).await?;
        Ok(())
    }

    /// Starts publishing `kinds` and waits until the publisher connection is up.
    pub async fn publish(&mut self, kinds: &[Kind]) -> anyhow::Result<()> {
        self.publish_simulcast(kinds, 1).await
    }

    /// As [`publish`](Self::publish), with video in `video_layers` simulcast encodings.
    pub async fn publish_simulcast(&mut self, kinds: &[Kind], video_layers: usize) -> anyhow::Result<()> {
        self.publish_with(kinds, video_layers, VideoCodec::Vp8).await
    }

    /// Publishes with a chosen video codec and simulcast layer count.
    pub async fn publish_with(&mut self, kinds: &[Kind], video_layers: usize, video: VideoCodec) -> anyhow::Result<()> {
        self.publisher = Some(Peer::start(kinds, video_layers, video, self.media_tx.clone()).await?);
        self.negotiate_publisher(false).await?;
        self.publisher.as_mut().expect("just set").wait_connected(REPLY_TIMEOUT).await
    }

    pub fn write(&self, kind: Kind, packet: rtc::rtp::Packet) {
        self.write_layer(kind, 0, packet);
    }

    pub fn write_layer(&self, kind: Kind, layer: usize, packet: rtc::rtp::Packet) {
        if let Some(p) = &self.publisher {
            p.write(kind, layer, packet);
        }
    }

    /// Filters what both peer connections let out of their sockets (see [`Outbound`]).
    pub fn set_outbound(&self, outbound: crate::Outbound) {
        self.subscriber.set_outbound(outbound);
        if let Some(p) = &self.publisher {
            p.set_outbound(outbound);
        }
    }

    /// Simulates losing the network: the signaling socket dies without a close handshake.
    pub fn drop_signaling(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }

    /// Reconnects signaling and resumes the same participant.
    pub async fn resume(&mut self) -> anyhow::Result<ServerMessage> {
        let resume = ResumeRequest { participant_id: self.participant_id.clone(), resume_token: self.resume_token.clone() };
        let (ws, joined) = open_session(&self.url, &self.token, Some(resume)).await?;
        self.attach(ws);
        Ok(joined)
    }

    /// Moves the subscriber to a new UDP socket and asks the server for an ICE-restart offer.
    pub async fn restart_subscriber_ice(&mut self) -> anyhow::Result<()> {
        self.subscriber.rebind().await?;
        self.send(&ClientMessage::RestartIce { pc: PeerRole::Subscriber });
        Ok(())
    }

    /// Moves the publisher to a new UDP socket and restarts its ICE (a network change).
    pub async fn restart_publisher_ice(&mut self) -> anyhow::Result<()> {
        self.publisher.as_ref().ok_or_else(|| anyhow!("not publishing"))?.rebind().await?;
        self.negotiate_publisher(true).await
    }

    pub fn leave(&self) {
        self.send(&ClientMessage::Leave {});
    }

    /// Waits for a server message matching `pred`, skipping others.
    pub async fn expect(&mut self, timeout: Duration, pred: impl Fn(&ServerMessage) -> bool) -> anyhow::Result<ServerMessage> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.messages.recv()).await.context("expected message did not arrive")?;
            let msg = msg.ok_or_else(|| anyhow!("signaling closed"))?;
            if pred(&msg) {
                return Ok(msg);
            }
        }
    }
}

impl Drop for CallClient {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        self.subscriber.close();
        if let Some(p) = &self.publisher {
            p.close();
        }
    }
}
