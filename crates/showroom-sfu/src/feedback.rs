//! An interceptor that lets the feedback an SFU relays reach the application.
//!
//! By default the `rtc` chain consumes inbound RTCP. Keyframe requests (PLI, FIR), NACKs,
//! receiver reports and REMB are marked `DeliverToApplication` here, so they still reach the
//! interceptors after this one *and* come out of `poll_read` for the engine to act on.

use std::collections::VecDeque;
use std::time::Instant;

use rtc::interceptor::{Attribute, Interceptor, Packet, Registry, Slot, StreamInfo, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;
use rtc::rtcp::receiver_report::ReceiverReport;
use rtc::rtcp::transport_feedbacks::transport_layer_nack::TransportLayerNack;
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

/// Application-ward of the default interceptors, so they have acted on a packet before it is
/// marked (the slot number orders the chain).
const SLOT: usize = 14_000;

#[derive(Default)]
pub struct DeliverFeedback {
    reads: VecDeque<TaggedPacket>,
    writes: VecDeque<TaggedPacket>,
}

/// Adds [`DeliverFeedback`] to a registry.
pub fn with_feedback_delivery(registry: Registry) -> Registry {
    registry.with(Slot::from(SLOT), DeliverFeedback::default())
}

fn is_relayed(p: &dyn rtc::rtcp::Packet) -> bool {
    let any = p.as_any();
    any.is::<PictureLossIndication>()
        || any.is::<FullIntraRequest>()
        || any.is::<TransportLayerNack>()
        || any.is::<ReceiverReport>()
        || any.is::<ReceiverEstimatedMaximumBitrate>()
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for DeliverFeedback {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtcp(packets) = &msg.message.packet
            && packets.iter().any(|p| is_relayed(p.as_ref())) {
                msg.message.add(Attribute::DeliverToApplication);
            }
        self.reads.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.reads.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.writes.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.writes.pop_front()
    }

    fn handle_timeout(&mut self, _now: Instant) -> Result<(), Self::Error> {
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Self::Time> {
        None
    }
}

impl Interceptor for DeliverFeedback {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}
