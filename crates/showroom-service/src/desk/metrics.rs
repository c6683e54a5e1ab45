//! The desk's Prometheus metrics (names in `signaling/DESK.md`).

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, GaugeVec, Opts, Registry};

#[derive(Clone)]
pub struct DeskMetrics {
    pub queue_length: IntGaugeVec,
    pub longest_wait: GaugeVec,
    pub wait: HistogramVec,
    pub offers: IntCounterVec,
    pub answer: HistogramVec,
    pub abandons: IntCounterVec,
    pub agents: IntGaugeVec,
    pub callbacks: IntCounterVec,
    pub ratings: IntCounterVec,
}

const WAIT_BUCKETS: [f64; 12] = [1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 300.0, 600.0];

impl DeskMetrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let queue_length = IntGaugeVec::new(Opts::new("showroom_desk_queue_length", "Shoppers waiting, by tenant and language"), &["tenant", "language"])?;
        let longest_wait =
            GaugeVec::new(Opts::new("showroom_desk_longest_wait_seconds", "Longest current wait, by tenant and language"), &["tenant", "language"])?;
        let wait = HistogramVec::new(
            HistogramOpts::new("showroom_desk_wait_seconds", "Time shoppers waited, until answered or abandoned").buckets(WAIT_BUCKETS.to_vec()),
            &["tenant", "language", "outcome"],
        )?;
        let offers = IntCounterVec::new(Opts::new("showroom_desk_offers_total", "Offers (rings) by outcome"), &["tenant", "outcome"])?;
        let answer = HistogramVec::new(
            HistogramOpts::new("showroom_desk_answer_seconds", "From joining the queue to an agent accepting").buckets(WAIT_BUCKETS.to_vec()),
            &["tenant"],
        )?;
        let abandons = IntCounterVec::new(Opts::new("showroom_desk_abandons_total", "Shoppers who left before an agent answered"), &["tenant", "language"])?;
        let agents = IntGaugeVec::new(Opts::new("showroom_desk_agents", "Signed-in agents by presence"), &["tenant", "state"])?;
        let callbacks = IntCounterVec::new(Opts::new("showroom_desk_callbacks_total", "Callback requests"), &["tenant"])?;
        let ratings = IntCounterVec::new(Opts::new("showroom_desk_ratings_total", "Shopper ratings by stars"), &["tenant", "stars"])?;
        registry.register(Box::new(queue_length.clone()))?;
        registry.register(Box::new(longest_wait.clone()))?;
        registry.register(Box::new(wait.clone()))?;
        registry.register(Box::new(offers.clone()))?;
        registry.register(Box::new(answer.clone()))?;
        registry.register(Box::new(abandons.clone()))?;
        registry.register(Box::new(agents.clone()))?;
        registry.register(Box::new(callbacks.clone()))?;
        registry.register(Box::new(ratings.clone()))?;
        Ok(Self { queue_length, longest_wait, wait, offers, answer, abandons, agents, callbacks, ratings })
    }
}
