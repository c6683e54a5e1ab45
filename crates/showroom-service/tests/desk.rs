//! The support desk end to end on a real gateway: agents on the desk socket, shoppers over
//! real signaling, offers, declines, timeouts, VIPs, abandon, wrap-up, ratings, callbacks, the
//! supervisor board, listen-in, and bad input.

mod common;

use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use showroom_signaling::{Role, ServerMessage};
use showroom_testkit::{CallClient, Gateway};
use tokio_tungstenite::tungstenite::Message;

use common::{metric, start_gateway_with, token};

const WAIT: Duration = Duration::from_secs(10);

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One desk socket (agent or supervisor) and everything it received.
struct DeskSocket {
    ws: Ws,
    seen: Vec<Value>,
}

impl DeskSocket {
    async fn open(base: &str) -> Result<DeskSocket> {
        let url = format!("{}/v1/desk/ws", base.replacen("http", "ws", 1));
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(DeskSocket { ws, seen: Vec::new() })
    }

    async fn sign_in(base: &str, token: &str) -> Result<DeskSocket> {
        let mut s = DeskSocket::open(base).await?;
        s.send(json!({"type": "sign_in", "token": token})).await?;
        s.expect("signed_in", |_| true).await?;
        Ok(s)
    }

    async fn send(&mut self, v: Value) -> Result<()> {
        self.ws.send(Message::Text(v.to_string().into())).await?;
        Ok(())
    }

    async fn send_raw(&mut self, text: &str) -> Result<()> {
        self.ws.send(Message::Text(text.to_owned().into())).await?;
        Ok(())
    }

    /// The next message of `kind` matching `pred`, within [`WAIT`].
    async fn expect(&mut self, kind: &str, pred: impl Fn(&Value) -> bool) -> Result<Value> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next()).await;
            let msg = match next {
                Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str::<Value>(&t)?,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(e))) => bail!("socket error waiting for {kind}: {e}"),
                Ok(None) => bail!("socket closed waiting for {kind}; saw {:?}", self.kinds()),
                Err(_) => bail!("no {kind} within {WAIT:?}; saw {:?}", self.kinds()),
            };
            self.seen.push(msg.clone());
            if msg["type"] == kind && pred(&msg) {
                return Ok(msg);
            }
        }
    }

    /// Whatever arrives within `d` (to check something did not come).
    async fn drain(&mut self, d: Duration) -> Vec<Value> {
        let mut got = Vec::new();
        while let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(d, self.ws.next()).await {
            if let Ok(v) = serde_json::from_str::<Value>(&t) {
                self.seen.push(v.clone());
                got.push(v);
            }
        }
        got
    }

    fn kinds(&self) -> Vec<String> {
        self.seen.iter().map(|v| v["type"].as_str().unwrap_or("?").to_owned()).collect()
    }
}

async fn desk_token(gw: &Gateway, query: &str) -> Result<String> {
    let v: Value = reqwest::get(format!("{}/v1/desk/token?{query}", gw.base.as_str())).await?.error_for_status()?.json().await?;
    Ok(v["token"].as_str().context("token")?.to_owned())
}

async fn agent(gw: &Gateway, id: &str, languages: &str, skills: &str) -> Result<DeskSocket> {
    let t = desk_token(gw, &format!("identity={id}&name={id}&languages={languages}&skills={skills}")).await?;
    DeskSocket::sign_in(gw.base.as_str(), &t).await
}

/// A shopper as the widget makes one: POST /v1/calls, then join over signaling.
async fn shopper(gw: &Gateway, body: Value) -> Result<(String, String, CallClient)> {
    let v: Value = reqwest::Client::new().post(format!("{}/v1/calls", gw.base.as_str())).json(&body).send().await?.error_for_status()?.json().await?;
    let (call, token) = (v["call_id"].as_str().context("call_id")?.to_owned(), v["token"].as_str().context("token")?.to_owned());
    let client = CallClient::connect(&gw.signal_url(), &token).await?;
    Ok((call, token, client))
}

async fn queue_update(client: &mut CallClient, pred: impl Fn(u32, Option<f64>, u32, bool) -> bool) -> Result<ServerMessage> {
    client
        .expect(WAIT, |m| matches!(m, ServerMessage::Queue { position, estimated_wait_s, agents_online, ringing } if pred(*position, *estimated_wait_s, *agents_online, *ringing)))
        .await
}

fn product() -> Value {
    json!({"sku": "ARIA-ANC-GRA", "title": "Aria ANC Wireless Headphones", "price": "€279.00", "url": "https://shop.example/aria", "image": "https://shop.example/aria.png"})
}

async fn metrics(gw: &Gateway) -> String {
    gw.get_text("/metrics").await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_then_skill_decline_moves_the_ring_accept_answers_and_wrap_up_is_kept() -> Result<()> {
    let (gw_state, gw) = start_gateway_with(|c| c.desk.wrap_up_s = 30).await;
    // Signed in first, so longest idle — but English only.
    let mut eve = agent(&gw, "eve", "en", "headphones").await?;
    let mut bob = agent(&gw, "bob", "es", "").await?;
    let mut ana = agent(&gw, "ana", "es,en", "headphones").await?;
    let (call, shopper_token, mut customer) =
        shopper(&gw, json!({"language": "es-MX", "skill": "Headphones", "vip": true, "name": "Lucía", "product": product()})).await?;

    // Spanish and the product's category: Ana rings, with the product card.
    let offer = ana.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    assert_eq!(offer["shopper"], json!({"name": "Lucía", "language": "es", "vip": true}));
    assert_eq!(offer["product"]["title"], "Aria ANC Wireless Headphones");
    assert_eq!(offer["product"]["image"], "https://shop.example/aria.png");
    assert_eq!(offer["skill"], "headphones");
    assert!(offer["waited_s"].as_f64().unwrap() < 5.0);
    queue_update(&mut customer, |p, e, online, ringing| p == 1 && e.is_some() && online == 2 && ringing).await?;

    // Ana declines: Bob (Spanish, no skill) rings; Eve (English) never does.
    ana.send(json!({"type": "decline", "offer_id": offer["offer_id"]})).await?;
    let closed = ana.expect("offer_closed", |_| true).await?;
    assert_eq!(closed["reason"], "declined");
    let offer = bob.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    bob.send(json!({"type": "accept", "offer_id": offer["offer_id"]})).await?;
    let accepted = bob.expect("accepted", |_| true).await?;
    bob.expect("presence", |p| p["state"] == "busy" && p["call_id"] == call.as_str()).await?;
    assert!(eve.drain(Duration::from_millis(300)).await.iter().all(|m| m["type"] != "offer"), "eve was rung: {:?}", eve.kinds());
    assert!(ana.drain(Duration::from_millis(100)).await.iter().all(|m| m["type"] != "offer"), "ana rung again for a call she declined");
    assert_eq!(gw_state.state.calls.get(&call).unwrap().answered_by.as_deref(), Some("bob"));

    // Bob joins with the token from `accepted`; the shopper sees their expert.
    let agent_call = CallClient::connect(&gw.signal_url(), accepted["token"].as_str().unwrap()).await?;
    customer.expect(WAIT, |m| matches!(m, ServerMessage::ParticipantJoined { participant } if participant.role == Role::Agent)).await?;

    // Bob leaves: wrap-up with a timer; an unknown code is refused, a known one ends wrap-up.
    agent_call.leave();
    let wrap = bob.expect("presence", |p| p["state"] == "wrap_up").await?;
    let ends = wrap["wrap_up_ends_at_ms"].as_u64().unwrap() - wrap["since_ms"].as_u64().unwrap();
    assert!((29_000..=31_000).contains(&ends), "wrap-up lasts {ends} ms");
    bob.send(json!({"type": "wrap_up", "call_id": call, "disposition": "made_up", "notes": "x"})).await?;
    let err = bob.expect("error", |_| true).await?;
    assert_eq!(err["code"], "bad_message");
    ana.send(json!({"type": "wrap_up", "call_id": call, "disposition": "resolved"})).await?;
    assert_eq!(ana.expect("error", |_| true).await?["code"], "forbidden", "only who took the call wraps it up");
    bob.send(json!({"type": "wrap_up", "call_id": call, "disposition": "sale", "notes": "Ordered the graphite Aria; sent size guide."})).await?;
    bob.expect("wrap_up_saved", |w| w["call_id"] == call.as_str()).await?;
    bob.expect("presence", |p| p["state"] == "available").await?;

    // The shopper rates; both land in the store and the reviewer sees them with the call.
    let http = reqwest::Client::new();
    let rated = http
        .post(format!("{}/v1/calls/{call}/rating", gw.base.as_str()))
        .bearer_auth(&shopper_token)
        .json(&json!({"stars": 5, "comment": "¡Muy útil!"}))
        .send()
        .await?;
    assert_eq!(rated.status(), 204);
    customer.leave();
    let reviewer = token(&gw_state, Role::Admin, None, 60, false);
    let mut detail = Value::Null;
    for _ in 0..50 {
        detail = http.get(format!("{}/v1/calls/{call}", gw.base.as_str())).bearer_auth(&reviewer).send().await?.json().await?;
        if !detail["wrap_up"].is_null() && !detail["rating"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(detail["wrap_up"]["disposition"], "sale");
    assert_eq!(detail["wrap_up"]["agent"], "bob");
    assert_eq!(detail["wrap_up"]["notes"], "Ordered the graphite Aria; sent size guide.");
    assert_eq!(detail["rating"]["stars"], 5);
    assert_eq!(detail["rating"]["comment"], "¡Muy útil!");

    let m = metrics(&gw).await;
    assert_eq!(metric(&m, "showroom_desk_offers_total{outcome=\"declined\",tenant=\"default\"}"), 1.0, "{m}");
    assert_eq!(metric(&m, "showroom_desk_offers_total{outcome=\"accepted\",tenant=\"default\"}"), 1.0);
    assert_eq!(metric(&m, "showroom_desk_answer_seconds_count"), 1.0);
    assert_eq!(metric(&m, "showroom_desk_ratings_total{stars=\"5\",tenant=\"default\"}"), 1.0);
    assert_eq!(metric(&m, "showroom_desk_agents{state=\"available\",tenant=\"default\"}"), 3.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_ring_moves_on_and_the_agent_is_set_away() -> Result<()> {
    let (_gw_state, gw) = start_gateway_with(|c| c.routing.offer_timeout_s = 1.0).await;
    let mut first = agent(&gw, "first", "en", "").await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut second = agent(&gw, "second", "en", "").await?;
    let (call, _, customer) = shopper(&gw, json!({"language": "en-GB"})).await?;

    // Longest idle rings first; nobody answers.
    let offer = first.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    assert_eq!(offer["timeout_s"], 1.0);
    let closed = first.expect("offer_closed", |_| true).await?;
    assert_eq!(closed["reason"], "timeout");
    let away = first.expect("presence", |p| p["state"] == "away").await?;
    assert_eq!(away["reason"], "missed_offer");
    let moved = second.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    // Accepting a ring that has gone is explained; the right one works.
    first.send(json!({"type": "accept", "offer_id": offer["offer_id"]})).await?;
    assert_eq!(first.expect("error", |_| true).await?["code"], "offer_expired");
    second.send(json!({"type": "accept", "offer_id": moved["offer_id"]})).await?;
    second.expect("accepted", |a| a["call_id"] == call.as_str()).await?;
    second.expect("presence", |p| p["state"] == "busy").await?;
    // The shopper gives up before the agent's page joined: the agent is not left "busy".
    customer.leave();
    second.expect("presence", |p| p["state"] == "wrap_up" && p["call_id"] == call.as_str()).await?;
    assert_eq!(metric(&metrics(&gw).await, "showroom_desk_offers_total{outcome=\"timeout\",tenant=\"default\"}"), 1.0);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_only_one_agent_can_serve_is_not_stranded() -> Result<()> {
    let (_gw_state, gw) = start_gateway_with(|c| {
        c.routing.offer_timeout_s = 1.0;
        c.desk.decline_cooldown_s = 1;
    })
    .await;
    let mut only = agent(&gw, "only", "sv", "").await?;
    let (call, _, _customer) = shopper(&gw, json!({"language": "sv"})).await?;
    // A missed ring: away; back at the desk, the same shopper rings again.
    only.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    only.expect("presence", |p| p["state"] == "away").await?;
    only.send(json!({"type": "presence", "state": "available"})).await?;
    let offer = only.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    // A decline holds for the cool-down, then the shopper rings again.
    let declined_at = std::time::Instant::now();
    only.send(json!({"type": "decline", "offer_id": offer["offer_id"]})).await?;
    only.expect("offer_closed", |c| c["reason"] == "declined").await?;
    only.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    assert!(declined_at.elapsed() >= Duration::from_millis(900), "re-offered after {:?}", declined_at.elapsed());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vip_is_what_the_shop_vouches_for_not_what_the_page_claims() -> Result<()> {
    let (gw_state, gw) = start_gateway_with(|c| {
        c.demo.enabled = false;
        c.desk.shops.insert("fjord".into(), showroom_service::desk::config::ShopConfig { shopper_secret: "fjord-secret".into() });
    })
    .await;
    let agent_token = token(&gw_state, Role::Agent, None, 60, false);
    let mut ana = DeskSocket::sign_in(gw.base.as_str(), &agent_token).await?;
    let http = reqwest::Client::new();
    let post = |body: Value| http.post(format!("{}/v1/calls", gw.base.as_str())).json(&body).send();
    let shop = showroom_signaling::TokenKeys::new(b"fjord-secret");
    let vouch = |vip: bool, exp_in: i64| {
        let claims = showroom_signaling::ShopperClaims { sub: "cust-1".into(), vip, name: Some("Lucía".into()), exp: (common::unix_now() as i64 + exp_in) as u64 };
        shop.mint_shopper(&claims).unwrap()
    };

    // The page says VIP; without the shop's word a production server does not believe it.
    let v: Value = post(json!({"vip": true})).await?.error_for_status()?.json().await?;
    let offer = ana.expect("offer", |o| o["call_id"] == v["call_id"]).await?;
    assert_eq!(offer["shopper"]["vip"], false);
    ana.send(json!({"type": "decline", "offer_id": offer["offer_id"]})).await?;

    // The shop's signed token: VIP and the shop's name for the shopper.
    let v: Value = post(json!({"tenant": "fjord", "shopper_token": vouch(true, 60)})).await?.error_for_status()?.json().await?;
    assert!(v["call_id"].is_string());
    // Bad, expired, forged and unverifiable tokens are refused with a reason.
    let forged = {
        let claims = showroom_signaling::ShopperClaims { sub: "x".into(), vip: true, name: None, exp: common::unix_now() + 60 };
        showroom_signaling::TokenKeys::new(b"a guess").mint_shopper(&claims)?
    };
    for (body, code) in [
        (json!({"tenant": "fjord", "shopper_token": "garbage"}), "token_invalid"),
        (json!({"tenant": "fjord", "shopper_token": vouch(true, -5)}), "token_expired"),
        (json!({"tenant": "default", "shopper_token": vouch(true, 60)}), "token_invalid"),
        (json!({"tenant": "fjord", "shopper_token": forged}), "token_invalid"),
    ] {
        let r = post(body).await?;
        assert_eq!(r.status(), 401);
        let e: Value = r.json().await?;
        assert_eq!(e["error"]["code"], code, "{e}");
    }
    // An agent of the shop is rung with the vouched VIP and name.
    let fjord = {
        let now = common::unix_now();
        let claims = showroom_signaling::Claims { sub: "fia".into(), role: Role::Agent, call: None, name: None, listen_only: false, tenant: Some("fjord".into()), iat: now, exp: now + 60 };
        gw_state.state.keys.mint(&claims)?
    };
    let mut fia = DeskSocket::sign_in(gw.base.as_str(), &fjord).await?;
    let offer = fia.expect("offer", |_| true).await?;
    assert_eq!(offer["shopper"]["vip"], true);
    assert_eq!(offer["shopper"]["name"], "Lucía");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vip_goes_first_and_shoppers_hear_their_place_and_estimate() -> Result<()> {
    let (_gw_state, gw) = start_gateway_with(|_| {}).await;
    let t = desk_token(&gw, "identity=solo&languages=de").await?;
    let mut solo = DeskSocket::open(gw.base.as_str()).await?;
    solo.send(json!({"type": "sign_in", "token": t, "presence": "away"})).await?;
    solo.expect("presence", |p| p["state"] == "away").await?;

    let (_, _, mut regular_client) = shopper(&gw, json!({"language": "de-AT"})).await?;
    // Nobody who speaks German is at the desk: no estimate, a callback is the honest offer.
    queue_update(&mut regular_client, |p, e, online, _| p == 1 && e.is_none() && online == 0).await?;
    let (vip, _, mut vip_client) = shopper(&gw, json!({"language": "de", "vip": true})).await?;
    queue_update(&mut vip_client, |p, _, _, _| p == 1).await?;
    queue_update(&mut regular_client, |p, _, _, _| p == 2).await?;

    solo.send(json!({"type": "presence", "state": "available"})).await?;
    let offer = solo.expect("offer", |_| true).await?;
    assert_eq!(offer["call_id"], vip.as_str(), "the VIP who came second is offered first");
    assert_eq!(offer["shopper"]["vip"], true);
    // The regular shopper now has an estimate: one agent, busy with one call ahead.
    let waiting = queue_update(&mut regular_client, |p, e, online, _| p == 2 && e.is_some() && online == 1).await?;
    let ServerMessage::Queue { estimated_wait_s: Some(e), .. } = waiting else { unreachable!() };
    assert!(e > 60.0, "one call ahead of one agent: about a call's length, got {e}");
    solo.send(json!({"type": "accept", "offer_id": offer["offer_id"]})).await?;
    solo.expect("accepted", |_| true).await?;
    // With the VIP answered the regular shopper is first in line.
    queue_update(&mut regular_client, |p, _, _, ringing| p == 1 && !ringing).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_who_leaves_while_ringing_stops_the_ring() -> Result<()> {
    let (gw_state, gw) = start_gateway_with(|_| {}).await;
    let mut ana = agent(&gw, "ana", "fr", "").await?;
    let (call, _, customer) = shopper(&gw, json!({"language": "fr-CA"})).await?;
    ana.expect("offer", |o| o["call_id"] == call.as_str()).await?;
    customer.leave();
    let closed = ana.expect("offer_closed", |_| true).await?;
    assert_eq!(closed["reason"], "abandoned");
    for _ in 0..50 {
        if gw_state.state.calls.get(&call).is_none() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gw_state.state.calls.get(&call).is_none(), "the abandoned call is gone");
    let m = metrics(&gw).await;
    assert_eq!(metric(&m, "showroom_desk_abandons_total{language=\"fr\",tenant=\"default\"}"), 1.0, "{m}");
    assert_eq!(metric(&m, "showroom_desk_offers_total{outcome=\"abandoned\",tenant=\"default\"}"), 1.0);
    // Ana is free again.
    ana.send(json!({"type": "presence", "state": "away"})).await?;
    ana.expect("presence", |p| p["state"] == "away").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_board_shows_queues_agents_calls_and_callbacks_and_listen_in_is_listen_only() -> Result<()> {
    let (gw_state, gw) = start_gateway_with(|_| {}).await;
    let sup = desk_token(&gw, "identity=sam&role=supervisor").await?;
    let mut board = DeskSocket::sign_in(gw.base.as_str(), &sup).await?;
    let (waiting_call, _, _waiting) = shopper(&gw, json!({"language": "it", "vip": true, "product": product()})).await?;
    let b = board.expect("board", |b| b["waiting"].as_array().is_some_and(|w| w.len() == 1)).await?;
    assert_eq!(b["waiting"][0]["call_id"], waiting_call.as_str());
    assert_eq!(b["waiting"][0]["position"], 1);
    assert_eq!(b["waiting"][0]["vip"], true);
    assert_eq!(b["waiting"][0]["product"]["sku"], "ARIA-ANC-GRA");
    assert_eq!(b["queues"][0], json!({"language": "it", "waiting": 1, "longest_wait_s": b["queues"][0]["longest_wait_s"], "agents_available": 0, "agents_online": 0}));

    let mut gia = agent(&gw, "gia", "it", "").await?;
    let offer = gia.expect("offer", |_| true).await?;
    let b = board.expect("board", |b| b["agents"][0]["ringing_for"] == waiting_call.as_str()).await?;
    assert_eq!(b["waiting"][0]["offered_to"], "gia");
    gia.send(json!({"type": "accept", "offer_id": offer["offer_id"]})).await?;
    gia.expect("accepted", |_| true).await?;
    let b = board.expect("board", |b| b["calls"].as_array().is_some_and(|c| c.len() == 1)).await?;
    assert_eq!(b["calls"][0]["agent"], "gia");
    assert_eq!(b["agents"][0]["presence"], "busy");
    assert_eq!(b["waiting"], json!([]));

    // Listen-in: a supervisor gets a listen-only call token; an agent may not.
    let http = reqwest::Client::new();
    let denied = http.post(format!("{}/v1/calls/{waiting_call}/listen", gw.base.as_str())).bearer_auth(desk_token(&gw, "identity=x").await?).send().await?;
    assert_eq!(denied.status(), 403);
    let v: Value = http.post(format!("{}/v1/calls/{waiting_call}/listen", gw.base.as_str())).bearer_auth(&sup).send().await?.error_for_status()?.json().await?;
    let claims = gw_state.state.keys.verify(v["token"].as_str().unwrap(), common::unix_now())?;
    assert!(claims.listen_only && claims.role == Role::Supervisor);
    let listener = CallClient::connect(&gw.signal_url(), v["token"].as_str().unwrap()).await?;
    assert!(listener.participant_id.starts_with("PA_"));
    let unknown = http.post(format!("{}/v1/calls/CA_nope/listen", gw.base.as_str())).bearer_auth(&sup).send().await?;
    assert_eq!(unknown.status(), 404);

    // A callback request appears on the board and in the list.
    let created = http
        .post(format!("{}/v1/callbacks", gw.base.as_str()))
        .json(&json!({"name": "Marco", "contact": "+39 333 000 0000", "language": "it-IT", "timezone": "Europe/Rome", "preferred_time": "after 18:00", "product": product()}))
        .send()
        .await?;
    assert_eq!(created.status(), 201);
    board.expect("board", |b| b["callbacks"][0]["name"] == "Marco").await?;
    let mut listed = Value::Null;
    for _ in 0..50 {
        listed = http.get(format!("{}/v1/callbacks", gw.base.as_str())).bearer_auth(&sup).send().await?.json().await?;
        if listed["callbacks"].as_array().is_some_and(|c| !c.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(listed["callbacks"][0]["contact"], "+39 333 000 0000");
    assert_eq!(listed["callbacks"][0]["language"], "it");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_tells_hours_in_the_shop_time_zone_and_who_is_online() -> Result<()> {
    use chrono::{Datelike, Utc};
    // Open only the day after tomorrow, 09:00–10:00 UTC: closed now, opening then.
    let day = (Utc::now() + chrono::TimeDelta::days(2)).date_naive();
    let name = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][day.weekday().num_days_from_monday() as usize];
    let (_gw_state, gw) = start_gateway_with(move |c| {
        c.desk.hours.insert(
            "night-shop".into(),
            showroom_service::desk::config::HoursConfig { timezone: "UTC".into(), weekly: vec![format!("{name} 09:00-10:00")] },
        );
    })
    .await;
    let v: Value = reqwest::get(format!("{}/v1/desk/availability?tenant=night-shop&language=pt-BR", gw.base.as_str())).await?.json().await?;
    assert_eq!(v["open"], false);
    assert_eq!(v["language"], "pt");
    assert_eq!(v["agents_online"], 0);
    assert_eq!(v["estimated_wait_s"], Value::Null);
    assert_eq!(v["hours"]["timezone"], "UTC");
    assert_eq!(v["hours"]["weekly"], json!([{"day": name, "open": "09:00", "close": "10:00"}]));
    let opens = day.and_hms_opt(9, 0, 0).unwrap().and_utc().timestamp_millis();
    assert_eq!(v["next_open_at_ms"], opens);

    // A shop without hours is open; an agent who speaks the language counts.
    let _pia = agent(&gw, "pia", "pt", "").await?;
    let v: Value = reqwest::get(format!("{}/v1/desk/availability?language=pt-PT", gw.base.as_str())).await?.json().await?;
    assert_eq!((v["open"].as_bool(), v["agents_online"].as_u64(), v["agents_available"].as_u64()), (Some(true), Some(1), Some(1)));
    assert_eq!(v["hours"], Value::Null);

    // A shop's page on its own domain may call the shopper endpoints (preflight passes)…
    let http = reqwest::Client::new();
    for path in ["/v1/calls", "/v1/desk/availability", "/v1/callbacks", "/v1/calls/CA_x/rating"] {
        let pre = http
            .request(reqwest::Method::OPTIONS, format!("{}{path}", gw.base.as_str()))
            .header("Origin", "https://shop.example")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type,authorization")
            .send()
            .await?;
        assert_eq!(pre.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap()), Some("*"), "{path}");
    }
    // …but not the desk's.
    let pre = http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/desk/agents", gw.base.as_str()))
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await?;
    assert!(pre.headers().get("access-control-allow-origin").is_none());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_desk_input_is_explained_and_the_desk_keeps_working() -> Result<()> {
    let (gw_state, gw) = start_gateway_with(|_| {}).await;
    let base = gw.base.clone();
    // The socket: sign in first; a bad or wrong token is refused.
    let mut s = DeskSocket::open(&base).await?;
    s.send(json!({"type": "accept", "offer_id": "x"})).await?;
    assert_eq!(s.expect("error", |_| true).await?["code"], "not_authenticated");
    let mut s = DeskSocket::open(&base).await?;
    s.send(json!({"type": "sign_in", "token": "garbage"})).await?;
    assert_eq!(s.expect("error", |_| true).await?["code"], "token_invalid");
    let mut s = DeskSocket::open(&base).await?;
    s.send(json!({"type": "sign_in", "token": token(&gw_state, Role::Customer, Some("CA_x"), 60, false)})).await?;
    assert_eq!(s.expect("error", |_| true).await?["code"], "forbidden");
    let mut s = DeskSocket::open(&base).await?;
    s.send(json!({"type": "sign_in", "token": token(&gw_state, Role::Agent, None, -5, false)})).await?;
    assert_eq!(s.expect("error", |_| true).await?["code"], "token_expired");

    // Signed in: garbage and wrong moves get errors, the socket stays usable.
    let mut a = agent(&gw, "ana", "en", "").await?;
    a.send_raw("{not json").await?;
    assert_eq!(a.expect("error", |_| true).await?["code"], "bad_message");
    a.send_raw(&"x".repeat(70_000)).await?;
    assert_eq!(a.expect("error", |_| true).await?["code"], "message_too_large");
    a.send(json!({"type": "presence", "state": "busy"})).await?;
    assert_eq!(a.expect("error", |_| true).await?["code"], "bad_message");
    a.send(json!({"type": "decline", "offer_id": "OF_nope"})).await?;
    assert_eq!(a.expect("error", |_| true).await?["code"], "offer_expired");
    a.send(json!({"type": "wrap_up", "call_id": "CA_other", "disposition": "resolved"})).await?;
    assert_eq!(a.expect("error", |_| true).await?["code"], "forbidden");
    let (call, shopper_token, _c) = shopper(&gw, json!({"language": "en"})).await?;
    a.expect("offer", |o| o["call_id"] == call.as_str()).await?;

    // HTTP: ratings only by the call's shopper, 1–5; callbacks need a way to call back.
    let http = reqwest::Client::new();
    let rate = |t: String, call: String, body: Value| {
        let http = http.clone();
        let base = base.clone();
        async move { http.post(format!("{base}/v1/calls/{call}/rating")).bearer_auth(t).json(&body).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(rate(shopper_token.clone(), call.clone(), json!({"stars": 9})).await, 400);
    assert_eq!(rate(shopper_token.clone(), "CA_other".into(), json!({"stars": 3})).await, 403);
    assert_eq!(rate(desk_token(&gw, "identity=z").await?, call.clone(), json!({"stars": 3})).await, 403);
    assert_eq!(rate("nope".into(), call.clone(), json!({"stars": 3})).await, 401);
    assert_eq!(rate(shopper_token.clone(), call.clone(), json!({"stars": "five"})).await, 400);
    let cb = http.post(format!("{base}/v1/callbacks")).json(&json!({"name": "A", "contact": ""})).send().await?;
    assert_eq!(cb.status(), 400);
    let cb = http.post(format!("{base}/v1/callbacks")).body("{").header("content-type", "application/json").send().await?;
    assert_eq!(cb.status(), 400);
    let v: Value = cb.json().await?;
    assert!(v["error"]["message"].as_str().unwrap().contains("callback"), "{v}");
    assert_eq!(reqwest::get(format!("{base}/v1/desk/token?role=admin")).await?.status(), 400);

    // Profiles: admins only; an admin's change routes the agent's next sign-in.
    let put = |t: String, body: Value| {
        let http = http.clone();
        let base = base.clone();
        async move { http.put(format!("{base}/v1/desk/agents/kai")).bearer_auth(t).json(&body).send().await.unwrap() }
    };
    assert_eq!(put(desk_token(&gw, "identity=kai").await?, json!({"languages": ["ja"]})).await.status(), 403);
    assert_eq!(put(token(&gw_state, Role::Admin, None, 60, false), json!({"languages": []})).await.status(), 400);
    let ok = put(token(&gw_state, Role::Admin, None, 60, false), json!({"name": "Kai", "languages": ["ja-JP"], "skills": ["cameras"]})).await;
    assert_eq!(ok.status(), 200);
    let listed: Value = http.get(format!("{base}/v1/desk/agents")).bearer_auth(token(&gw_state, Role::Admin, None, 60, false)).send().await?.json().await?;
    assert!(listed["agents"].as_array().unwrap().iter().any(|a| a["id"] == "kai" && a["languages"] == json!(["ja"])), "{listed}");

    // Still serving: the ring went to Ana, who can take it.
    let offer = a.seen.iter().find(|m| m["type"] == "offer").cloned().unwrap();
    a.send(json!({"type": "accept", "offer_id": offer["offer_id"]})).await?;
    a.expect("accepted", |_| true).await?;
    Ok(())
}
