//! The routing decision: table-driven cases, invariants over random snapshots, and a simulated
//! busy day in which no shopper starves.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use showroom_routing::*;

fn call(id: &str, language: &str, since_s: f64) -> WaitingCall {
    WaitingCall {
        id: id.into(),
        tenant: "shop".into(),
        language: language.into(),
        skill: None,
        vip: false,
        since_s,
        declined_by: BTreeSet::new(),
        offered: false,
    }
}

fn agent(id: &str, languages: &[&str], idle_since_s: f64) -> Agent {
    Agent {
        id: id.into(),
        tenant: "shop".into(),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        skills: Vec::new(),
        available: true,
        idle_since_s,
    }
}

fn offers(s: &Snapshot, cfg: &RoutingConfig) -> Vec<(String, String)> {
    route(s, cfg).into_iter().map(|o| (o.call, o.agent)).collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(c, a)| ((*c).to_owned(), (*a).to_owned())).collect()
}

#[test]
fn table() {
    let cfg = RoutingConfig {
        fallback_languages: BTreeMap::from([("ca".to_owned(), vec!["es".to_owned()])]),
        ..RoutingConfig::default()
    };
    let skilled = |mut a: Agent, s: &str| {
        a.skills.push(s.into());
        a
    };
    let with_skill = |mut c: WaitingCall, s: &str| {
        c.skill = Some(s.into());
        c
    };
    let vip = |mut c: WaitingCall| {
        c.vip = true;
        c
    };
    let declined = |mut c: WaitingCall, by: &str| {
        c.declined_by.insert(by.into());
        c
    };
    let busy = |mut a: Agent| {
        a.available = false;
        a
    };
    let other_tenant = |mut a: Agent| {
        a.tenant = "rival".into();
        a
    };
    let cases: Vec<(&str, Snapshot, Vec<(String, String)>)> = vec![
        (
            "language match beats longer idle",
            Snapshot { now_s: 10.0, calls: vec![call("c1", "de", 0.0)], agents: vec![agent("en-idle", &["en"], 0.0), agent("de", &["de", "en"], 5.0)] },
            pairs(&[("c1", "de")]),
        ),
        (
            "then skill, then longest idle",
            Snapshot {
                now_s: 10.0,
                calls: vec![with_skill(call("c1", "en", 0.0), "shoes")],
                agents: vec![agent("a-idle", &["en"], 0.0), skilled(agent("b-shoes", &["en"], 8.0), "shoes"), skilled(agent("c-shoes", &["en"], 3.0), "shoes")],
            },
            pairs(&[("c1", "c-shoes")]),
        ),
        (
            "longest waiting first, each agent once",
            Snapshot { now_s: 100.0, calls: vec![call("new", "en", 90.0), call("old", "en", 10.0)], agents: vec![agent("a", &["en"], 0.0)] },
            pairs(&[("old", "a")]),
        ),
        (
            "a VIP jumps ahead of a shorter wait",
            Snapshot { now_s: 100.0, calls: vec![call("old", "en", 40.0), vip(call("vip", "en", 99.0))], agents: vec![agent("a", &["en"], 0.0)] },
            pairs(&[("vip", "a")]),
        ),
        (
            "but not ahead of someone who waited longer than the VIP weight",
            Snapshot { now_s: 200.0, calls: vec![call("old", "en", 50.0), vip(call("vip", "en", 199.0))], agents: vec![agent("a", &["en"], 0.0)] },
            pairs(&[("old", "a")]),
        ),
        (
            "a decline moves the offer to the next agent",
            Snapshot { now_s: 10.0, calls: vec![declined(call("c1", "en", 0.0), "a")], agents: vec![agent("a", &["en"], 0.0), agent("b", &["en"], 5.0)] },
            pairs(&[("c1", "b")]),
        ),
        (
            "nobody left who has not declined: no offer",
            Snapshot { now_s: 10.0, calls: vec![declined(call("c1", "en", 0.0), "a")], agents: vec![agent("a", &["en"], 0.0)] },
            vec![],
        ),
        (
            "no overflow before the wait",
            Snapshot { now_s: 60.0, calls: vec![call("c1", "ca", 0.0)], agents: vec![agent("es", &["es"], 0.0)] },
            vec![],
        ),
        (
            "overflow to a fallback language after the wait",
            Snapshot { now_s: 95.0, calls: vec![call("c1", "ca", 0.0)], agents: vec![agent("es", &["es"], 0.0), agent("en", &["en"], 0.0)] },
            pairs(&[("c1", "es")]),
        ),
        (
            "after overflow a native speaker is still preferred",
            Snapshot { now_s: 95.0, calls: vec![call("c1", "ca", 0.0)], agents: vec![agent("es", &["es"], 0.0), agent("ca", &["ca"], 50.0)] },
            pairs(&[("c1", "ca")]),
        ),
        (
            "busy agents and other tenants are not offered",
            Snapshot { now_s: 10.0, calls: vec![call("c1", "en", 0.0)], agents: vec![busy(agent("a", &["en"], 0.0)), other_tenant(agent("b", &["en"], 0.0))] },
            vec![],
        ),
        (
            "calls with an offer out wait for its answer",
            Snapshot { now_s: 10.0, calls: vec![WaitingCall { offered: true, ..call("c1", "en", 0.0) }, call("c2", "en", 5.0)], agents: vec![agent("a", &["en"], 0.0)] },
            pairs(&[("c2", "a")]),
        ),
        (
            "two calls, two agents: each language to its speaker",
            Snapshot { now_s: 10.0, calls: vec![call("en-call", "en", 0.0), call("de-call", "de", 1.0)], agents: vec![agent("de", &["de", "en"], 0.0), agent("en", &["en"], 5.0)] },
            pairs(&[("en-call", "en"), ("de-call", "de")]),
        ),
    ];
    for (name, snapshot, expected) in cases {
        assert_eq!(offers(&snapshot, &cfg), expected, "{name}");
    }
}

#[test]
fn queue_position_follows_priority() {
    let cfg = RoutingConfig::default();
    let s = Snapshot {
        now_s: 100.0,
        calls: vec![call("a", "en", 10.0), call("b", "en", 50.0), WaitingCall { vip: true, ..call("v", "en", 95.0) }, call("de", "de", 0.0)],
        agents: vec![],
    };
    assert_eq!(position(&s, "v", &cfg), Some(1));
    assert_eq!(position(&s, "a", &cfg), Some(2));
    assert_eq!(position(&s, "b", &cfg), Some(3));
    assert_eq!(position(&s, "de", &cfg), Some(1), "queues are per language");
    assert_eq!(position(&s, "nope", &cfg), None);
}

fn arb_snapshot() -> impl Strategy<Value = Snapshot> {
    let langs = prop::sample::select(vec!["en", "de", "es"]);
    let calls = prop::collection::vec((langs.clone(), 0.0..300.0f64, any::<bool>(), any::<bool>(), 0..4usize), 0..12);
    let agents = prop::collection::vec((prop::collection::vec(langs, 1..3), 0.0..300.0f64, any::<bool>()), 0..8);
    (calls, agents).prop_map(|(calls, agents)| Snapshot {
        now_s: 300.0,
        calls: calls
            .into_iter()
            .enumerate()
            .map(|(i, (l, since, vip, offered, declined))| WaitingCall {
                vip,
                offered,
                declined_by: (0..declined).map(|d| format!("a{d}")).collect(),
                ..call(&format!("c{i}"), l, since)
            })
            .collect(),
        agents: agents
            .into_iter()
            .enumerate()
            .map(|(i, (ls, idle, available))| Agent { available, ..agent(&format!("a{i}"), &ls, idle) })
            .collect(),
    })
}

proptest! {
    /// The batch form gives every call the place `position` gives it.
    #[test]
    fn positions_agree_with_position(s in arb_snapshot()) {
        let cfg = RoutingConfig::default();
        let all = positions(&s, &cfg);
        prop_assert_eq!(all.len(), s.calls.iter().map(|c| &c.id).collect::<BTreeSet<_>>().len());
        for c in &s.calls {
            prop_assert_eq!(all.get(&c.id).copied(), position(&s, &c.id, &cfg), "call {}", &c.id);
        }
    }

    /// Every offer is allowed; no agent or call twice; and no eligible pair is left idle: if a
    /// call got nothing, every agent who could take it was given another call.
    #[test]
    fn offers_are_valid_and_nothing_eligible_is_left_idle(s in arb_snapshot()) {
        let cfg = RoutingConfig::default();
        let made = route(&s, &cfg);
        let mut agents = BTreeSet::new();
        let mut calls = BTreeSet::new();
        for o in &made {
            prop_assert!(agents.insert(o.agent.clone()), "agent offered twice");
            prop_assert!(calls.insert(o.call.clone()), "call offered twice");
            let c = s.calls.iter().find(|c| c.id == o.call).unwrap();
            let a = s.agents.iter().find(|a| a.id == o.agent).unwrap();
            prop_assert!(a.available && !c.offered && eligible(c, a, s.now_s, &cfg));
        }
        for c in s.calls.iter().filter(|c| !c.offered && !calls.contains(&c.id)) {
            for a in s.agents.iter().filter(|a| a.available && eligible(c, a, s.now_s, &cfg)) {
                prop_assert!(agents.contains(&a.id), "{} could take {} but got nothing", a.id, c.id);
            }
        }
    }

    /// Among calls that one agent could take, the offered one has the highest priority.
    #[test]
    fn a_single_agent_serves_the_highest_priority(s in arb_snapshot()) {
        let cfg = RoutingConfig::default();
        let Some(a) = s.agents.iter().find(|a| a.available) else { return Ok(()) };
        let one = Snapshot { agents: vec![a.clone()], ..s.clone() };
        let made = route(&one, &cfg);
        let candidates: Vec<&WaitingCall> = s.calls.iter().filter(|c| !c.offered && eligible(c, a, s.now_s, &cfg)).collect();
        match made.as_slice() {
            [] => prop_assert!(candidates.is_empty()),
            [o] => {
                let best = candidates.iter().map(|c| priority(c, s.now_s, &cfg)).fold(f64::MIN, f64::max);
                let got = s.calls.iter().find(|c| c.id == o.call).unwrap();
                prop_assert!(priority(got, s.now_s, &cfg) >= best);
            }
            _ => prop_assert!(false, "one agent, several offers"),
        }
    }

    /// No starvation: shoppers arrive at random (some VIP), one agent frees up every `service_s`;
    /// every shopper is served, and waits no longer than the work ahead of them at arrival plus
    /// the VIPs that can still pass them (those arriving within the VIP weight) — one service
    /// time each.
    #[test]
    fn nobody_starves(arrivals in prop::collection::vec((0.0..10.0f64, prop::bool::weighted(0.3)), 1..40)) {
        let cfg = RoutingConfig { vip_weight_s: 60.0, ..RoutingConfig::default() };
        let service_s = 5.0;
        let mut t = 0.0;
        let mut pending: Vec<WaitingCall> = Vec::new();
        for (i, (gap, vip)) in arrivals.iter().enumerate() {
            t += gap;
            pending.push(WaitingCall { vip: *vip, ..call(&format!("c{i}"), "en", t) });
        }
        let all = pending.clone();
        let mut waiting: Vec<WaitingCall> = Vec::new();
        let mut served: BTreeMap<String, f64> = BTreeMap::new();
        let mut now = 0.0;
        let horizon = t + service_s * (all.len() as f64 + 2.0);
        while now <= horizon && served.len() < all.len() {
            waiting.extend(pending.iter().filter(|c| c.since_s <= now).cloned());
            pending.retain(|c| c.since_s > now);
            let s = Snapshot { now_s: now, calls: waiting.clone(), agents: vec![agent("a", &["en"], now)] };
            for o in route(&s, &cfg) {
                served.insert(o.call.clone(), now);
                waiting.retain(|c| c.id != o.call);
            }
            now += service_s;
        }
        prop_assert_eq!(served.len(), all.len(), "every shopper is served");
        for c in &all {
            let ahead = all.iter().filter(|o| o.since_s < c.since_s && served[&o.id] >= c.since_s).count();
            let passing_vips = all.iter().filter(|o| o.vip && o.since_s > c.since_s && o.since_s <= c.since_s + cfg.vip_weight_s).count();
            let bound = (ahead + passing_vips + 1) as f64 * service_s + service_s;
            let waited = served[&c.id] - c.since_s;
            prop_assert!(waited <= bound, "{} waited {waited:.1} s > bound {bound:.1} s", c.id);
        }
    }
}
