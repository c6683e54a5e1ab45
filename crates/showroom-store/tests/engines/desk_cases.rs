//! The support desk's records, on both engines.

use anyhow::{Result, ensure};
use showroom_store::*;

use crate::data::{new_call, t};
use crate::fixture::Env;

pub async fn desk_records_round_trip(env: Env) -> Result<()> {
    let store = env.store().await?;
    let call = CallId::from("call-desk");
    store.create_call(&new_call("call-desk", "shop-a", t(0))).await?;

    // Wrap-up and rating: stored, replaced by a second save, readable per call.
    let mut wrap = WrapUp {
        call: call.clone(),
        agent: AgentId::from("ana"),
        disposition: "follow_up".into(),
        notes: "send sizes".into(),
        saved_at: t(60),
    };
    store.save_wrap_up(&wrap).await?;
    wrap.disposition = "resolved".into();
    store.save_wrap_up(&wrap).await?;
    ensure!(store.wrap_up_of(&call).await? == Some(wrap.clone()));
    let rating = Rating { call: call.clone(), stars: 4, comment: Some("¡Muy útil!".into()), rated_at: t(61) };
    store.save_rating(&Rating { stars: 2, ..rating.clone() }).await?;
    store.save_rating(&rating).await?;
    ensure!(store.rating_of(&call).await? == Some(rating));
    ensure!(store.rating_of(&CallId::from("nope")).await?.is_none());

    // Records for a call that does not exist are refused, not stored dangling.
    let orphan = WrapUp { call: CallId::from("missing"), ..wrap.clone() };
    ensure!(matches!(store.save_wrap_up(&orphan).await, Err(StoreError::CallNotFound(_))));

    // Callbacks: per tenant, newest first, a replay stored once.
    let cb = |id: &str, tenant: &str, at: i64| CallbackRequest {
        id: id.into(),
        tenant: TenantId::from(tenant),
        name: "Lucía".into(),
        contact: "+34 600 000 000".into(),
        language: Some("es".into()),
        timezone: Some("Europe/Madrid".into()),
        preferred_time: Some("tomorrow morning".into()),
        note: None,
        product: ProductContext { sku: Some("ARIA".into()), title: Some("Aria".into()), url: None },
        created_at: t(at),
    };
    for c in [cb("CB_1", "shop-a", 1), cb("CB_2", "shop-a", 2), cb("CB_1", "shop-a", 1), cb("CB_3", "shop-b", 3)] {
        store.save_callback(&c).await?;
    }
    let listed = store.callbacks(&TenantId::from("shop-a"), 10).await?;
    ensure!(listed == vec![cb("CB_2", "shop-a", 2), cb("CB_1", "shop-a", 1)], "{listed:?}");

    // Agent profiles: upserted, listed by id.
    let mut ana = AgentProfile {
        id: AgentId::from("ana"),
        tenant: TenantId::from("shop-a"),
        name: Some("Ana".into()),
        languages: vec!["es".into(), "en".into()],
        skills: vec!["headphones".into()],
    };
    store.upsert_agent_profile(&ana, t(0)).await?;
    ana.skills.push("speakers".into());
    store.upsert_agent_profile(&ana, t(1)).await?;
    let ben = AgentProfile { id: AgentId::from("ben"), tenant: TenantId::from("shop-a"), name: None, languages: vec!["en".into()], skills: vec![] };
    store.upsert_agent_profile(&ben, t(2)).await?;
    ensure!(store.agent_profiles().await? == vec![ana, ben]);
    Ok(())
}
