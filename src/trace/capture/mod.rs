//! Packet capture: every packet at every link and tap it crosses, as if captured on every
//! interface of the testbed.
//!
//! The world calls [`Capture::record`] when it delivers a `Msg::Packet`. [`points`] names the
//! capture point from the destination and the packet; a [`PacketSink`] writes the frame, e.g. a
//! pcapng file ([`pcapng::PcapngSink`]). Off by default: a world without a capture pays one
//! branch per event.

pub mod pcapng;
pub mod points;

use std::collections::BTreeMap;
use std::io;

use crate::dataplane::Compute;
use crate::sim::Time;
use crate::topology::Topology;
use crate::wire::Packet;
use crate::wire::bytes::Ethernet;
use crate::world::Addr;
pub use points::Point;

/// Where captured packets go.
pub trait PacketSink: Send {
    /// A capture point seen for the first time. Ids count from 0 in order of first use; a
    /// point is declared before its first packet.
    fn interface(&mut self, id: u32, name: &str, description: &str);
    /// A packet crossing capture point `id` at `at`, in frames with these link-layer addresses.
    fn packet(&mut self, id: u32, at: Time, l2: Ethernet, packet: &Packet);
    /// Flushes what is buffered; reports the first error met since the start.
    fn finish(&mut self) -> io::Result<()>;
}

/// The world's recorder: finds each delivery's capture point and hands the packet to the sink.
pub struct Capture {
    sink: Box<dyn PacketSink>,
    points: BTreeMap<Point, u32>,
}

impl Capture {
    pub fn new(sink: Box<dyn PacketSink>) -> Capture {
        Capture {
            sink,
            points: BTreeMap::new(),
        }
    }

    /// Records `packet` arriving at `to` at `at`; the computes name the taps.
    pub fn record(
        &mut self,
        at: Time,
        to: Addr,
        packet: &Packet,
        topology: &Topology,
        computes: &[Option<Compute>],
    ) {
        let Some((point, l2)) = points::locate(to, packet, topology, computes) else {
            return;
        };
        let next = u32::try_from(self.points.len()).unwrap_or(u32::MAX);
        let id = *self.points.entry(point).or_insert_with(|| {
            let (name, description) = points::describe(point, topology, computes);
            self.sink.interface(next, &name, &description);
            next
        });
        self.sink.packet(id, at, l2, packet);
    }

    /// Flushes the sink; the first error it met, if any.
    pub fn finish(mut self) -> io::Result<()> {
        self.sink.finish()
    }
}
