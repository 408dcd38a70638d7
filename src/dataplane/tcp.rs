//! TCP as the Linux kernel does it, enough for one HTTP exchange per connection: the
//! handshake, sequence numbers and acknowledgments, retransmission of an unacknowledged segment
//! (SYN from 1 s doubling, 6 retries; SYN-ACK 5; data from RTT + 200 ms doubling, 15 retries),
//! duplicates answered with an ACK, and resets.

use std::net::Ipv4Addr;

use crate::sim::time::SECOND;
use crate::sim::{Time, Timer};
use crate::wire::{FlowKey, PROTO_TCP, Packet, Payload, TcpFlags};

pub const SYN: TcpFlags = TcpFlags::SYN;
pub const SYN_ACK: TcpFlags = TcpFlags::SYN.with(TcpFlags::ACK);
pub const ACK: TcpFlags = TcpFlags::ACK;
pub const PSH_ACK: TcpFlags = TcpFlags::PSH.with(TcpFlags::ACK);
pub const FIN_PSH_ACK: TcpFlags = TcpFlags::FIN.with(TcpFlags::PSH).with(TcpFlags::ACK);
pub const FIN_ACK: TcpFlags = TcpFlags::FIN.with(TcpFlags::ACK);
pub const RST: TcpFlags = TcpFlags::RST;
pub const RST_ACK: TcpFlags = TcpFlags::RST.with(TcpFlags::ACK);

/// `tcp_syn_retries`: SYN retransmissions before a connect fails (127 s with a 1 s RTO).
pub const SYN_RETRIES: u8 = 6;
/// `tcp_synack_retries`.
pub const SYNACK_RETRIES: u8 = 5;
/// `tcp_retries2`: data retransmissions before the connection is dropped.
pub const DATA_RETRIES: u8 = 15;
/// `TCP_RTO_MAX`.
pub const RTO_MAX: u64 = 120 * SECOND;

pub const INITIAL_TTL: u8 = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    SynSent,
    SynReceived,
    Established,
    /// We sent our FIN and wait for the peer's.
    FinWait,
    /// The peer closed first; our FIN is out, waiting for its ACK.
    LastAck,
    Closed,
}

/// A segment waiting for its acknowledgment.
#[derive(Clone, Debug)]
pub struct Unacked {
    pub packet: Packet,
    pub first_sent: Time,
    /// Retransmissions so far.
    pub attempts: u8,
    pub timer: Option<Timer>,
}

/// What a received segment meant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// In order: its payload (if any) is new.
    New,
    /// Already received: answer with an ACK, ignore the rest.
    Duplicate,
    /// The peer reset the connection.
    Reset,
}

/// What the retransmission timer decided.
pub enum Retransmit {
    /// Send this again (`waited` after the previous send), then wait `rto`.
    Again {
        packet: Packet,
        attempt: u8,
        waited: u64,
        rto: u64,
    },
    /// Give up: the connection is dead (ETIMEDOUT).
    GiveUp,
    /// Nothing waits any more.
    Nothing,
}

/// One end of a connection.
#[derive(Clone, Debug)]
pub struct Conn {
    /// As this end sends: src = local, dst = remote.
    pub key: FlowKey,
    pub state: State,
    snd_una: u32,
    snd_nxt: u32,
    rcv_nxt: u32,
    /// The round trip of the handshake, once measured.
    pub rtt: Option<u64>,
    pub unacked: Option<Unacked>,
}

impl Conn {
    /// An active open; its first segment should be a SYN.
    pub fn connect(local: (Ipv4Addr, u16), remote: (Ipv4Addr, u16), isn: u32) -> Conn {
        let key = FlowKey {
            src: local.0,
            dst: remote.0,
            proto: PROTO_TCP,
            sport: local.1,
            dport: remote.1,
        };
        Conn {
            key,
            state: State::SynSent,
            snd_una: isn,
            snd_nxt: isn,
            rcv_nxt: 0,
            rtt: None,
            unacked: None,
        }
    }

    /// A passive open for a received SYN; its first segment should be a SYN-ACK.
    pub fn accept(syn: &Packet, isn: u32) -> Conn {
        Conn {
            key: syn.key.reversed(),
            state: State::SynReceived,
            snd_una: isn,
            snd_nxt: isn,
            rcv_nxt: syn.seq.wrapping_add(1),
            rtt: None,
            unacked: None,
        }
    }

    /// Builds the next segment and advances the send sequence. A segment that takes sequence
    /// space waits for its acknowledgment (the caller arms the timer with [`Conn::rto`]).
    pub fn segment(&mut self, flags: TcpFlags, payload: Payload, now: Time) -> Packet {
        let ack = if flags.has(TcpFlags::ACK) {
            self.rcv_nxt
        } else {
            0
        };
        let packet = Packet {
            key: self.key,
            ttl: INITIAL_TTL,
            flags,
            seq: self.snd_nxt,
            ack,
            payload,
            encap: None,
        };
        self.snd_nxt = self.snd_nxt.wrapping_add(packet.seq_len());
        if packet.seq_len() > 0 {
            self.unacked = Some(Unacked {
                packet: packet.clone(),
                first_sent: now,
                attempts: 0,
                timer: None,
            });
        }
        if flags.has(TcpFlags::FIN) {
            self.state = if self.state == State::Established {
                State::FinWait
            } else {
                State::LastAck
            };
        }
        packet
    }

    /// The reset answering an unacceptable segment on this connection.
    pub fn reset(&mut self) -> Packet {
        self.state = State::Closed;
        self.unacked = None;
        reset_for(&Packet {
            key: self.key.reversed(),
            ttl: INITIAL_TTL,
            flags: ACK,
            seq: self.rcv_nxt,
            ack: self.snd_nxt,
            payload: Payload::Empty,
            encap: None,
        })
    }

    /// Takes in a segment from the peer. Returns what it meant and the timer to cancel when
    /// it acknowledged the segment that was waiting.
    pub fn receive(&mut self, packet: &Packet, now: Time) -> (Received, Option<Timer>) {
        if packet.flags.has(TcpFlags::RST) {
            self.state = State::Closed;
            let timer = self.unacked.take().and_then(|u| u.timer);
            return (Received::Reset, timer);
        }
        let mut cancel = None;
        let mut acked = false;
        if packet.flags.has(TcpFlags::ACK) && seq_gt(packet.ack, self.snd_una) {
            self.snd_una = packet.ack;
            if let Some(u) = &self.unacked {
                let end = u.packet.seq.wrapping_add(u.packet.seq_len());
                if !seq_gt(end, packet.ack) {
                    if u.attempts == 0 && self.rtt.is_none() {
                        self.rtt = Some(now.0.saturating_sub(u.first_sent.0));
                    }
                    cancel = self.unacked.take().and_then(|u| u.timer);
                    acked = true;
                }
            }
        }
        if packet.flags.has(TcpFlags::SYN) {
            if self.state == State::SynSent {
                self.rcv_nxt = packet.seq.wrapping_add(1);
                self.state = State::Established;
                return (Received::New, cancel);
            }
            // A retransmitted SYN or SYN-ACK: ours was lost or its answer was.
            return (Received::Duplicate, cancel);
        }
        if self.state == State::SynReceived && acked {
            self.state = State::Established;
        }
        let len = packet.seq_len();
        if len > 0 && packet.seq != self.rcv_nxt {
            return (Received::Duplicate, cancel);
        }
        self.rcv_nxt = self.rcv_nxt.wrapping_add(len);
        if packet.flags.has(TcpFlags::FIN) {
            self.state = match self.state {
                State::FinWait => State::Closed,
                _ => State::LastAck,
            };
        } else if self.state == State::LastAck && self.unacked.is_none() {
            self.state = State::Closed;
        }
        (Received::New, cancel)
    }

    /// The retransmission timeout for the waiting segment's next wait.
    pub fn rto(&self, syn_rto: u64, rto_min: u64) -> u64 {
        let attempts = self.unacked.as_ref().map_or(0, |u| u.attempts);
        let base = match self.rtt {
            Some(rtt) => rtt + rto_min,
            None => syn_rto,
        };
        base.saturating_mul(1 << attempts.min(20)).min(RTO_MAX)
    }

    /// The retransmission timer fired.
    pub fn retransmit(&mut self, syn_rto: u64, rto_min: u64) -> Retransmit {
        let limit = match self.state {
            State::SynSent => SYN_RETRIES,
            State::SynReceived => SYNACK_RETRIES,
            _ => DATA_RETRIES,
        };
        let waited = self.rto(syn_rto, rto_min);
        let Some(u) = self.unacked.as_mut() else {
            return Retransmit::Nothing;
        };
        u.timer = None;
        if u.attempts >= limit {
            self.state = State::Closed;
            self.unacked = None;
            return Retransmit::GiveUp;
        }
        u.attempts += 1;
        let mut packet = u.packet.clone();
        if packet.flags.has(TcpFlags::ACK) {
            packet.ack = self.rcv_nxt;
        }
        let attempt = u.attempts;
        let rto = self.rto(syn_rto, rto_min);
        Retransmit::Again {
            packet,
            attempt,
            waited,
            rto,
        }
    }

    /// Remembers the armed retransmission timer.
    pub fn armed(&mut self, timer: Timer) {
        if let Some(u) = self.unacked.as_mut() {
            u.timer = Some(timer);
        }
    }

    /// The ACK for what was received so far.
    pub fn ack(&self) -> Packet {
        Packet {
            key: self.key,
            ttl: INITIAL_TTL,
            flags: ACK,
            seq: self.snd_nxt,
            ack: self.rcv_nxt,
            payload: Payload::Empty,
            encap: None,
        }
    }

    /// The pending retransmission timer, taken to be cancelled.
    pub fn take_timer(&mut self) -> Option<Timer> {
        self.unacked.as_mut().and_then(|u| u.timer.take())
    }
}

/// The reset a kernel sends for a segment that matches no socket: it acknowledges a segment
/// without ACK, else takes the sequence number the segment acknowledged (RFC 793).
pub fn reset_for(packet: &Packet) -> Packet {
    let (flags, seq, ack) = if packet.flags.has(TcpFlags::ACK) {
        (RST, packet.ack, 0)
    } else {
        (RST_ACK, 0, packet.seq.wrapping_add(packet.seq_len()))
    };
    Packet {
        key: packet.key.reversed(),
        ttl: INITIAL_TTL,
        flags,
        seq,
        ack,
        payload: Payload::Empty,
        encap: None,
    }
}

/// `a > b` in sequence space.
fn seq_gt(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Time = Time(0);

    #[test]
    fn handshake_exchange_and_close_track_sequence_numbers() {
        let mut c = Conn::connect(
            (Ipv4Addr::new(10, 0, 0, 1), 40000),
            (Ipv4Addr::new(10, 0, 0, 2), 80),
            1000,
        );
        let syn = c.segment(SYN, Payload::Empty, T0);
        assert_eq!((syn.seq, syn.flags), (1000, SYN));
        assert!(c.unacked.is_some(), "a SYN waits for its answer");
        let mut s = Conn::accept(&syn, 5000);
        let syn_ack = s.segment(SYN_ACK, Payload::Empty, T0);
        assert_eq!((syn_ack.seq, syn_ack.ack), (5000, 1001));
        assert_eq!(c.receive(&syn_ack, Time(300)).0, Received::New);
        assert_eq!(c.rtt, Some(300));
        assert!(c.unacked.is_none());
        let ack = c.segment(ACK, Payload::Empty, T0);
        assert_eq!((ack.seq, ack.ack), (1001, 5001));
        s.receive(&ack, T0);
        assert_eq!(s.state, State::Established);
        let fin = s.segment(FIN_ACK, Payload::Empty, T0);
        assert_eq!(s.state, State::FinWait);
        c.receive(&fin, T0);
        assert_eq!(c.state, State::LastAck);
        let fin2 = c.segment(FIN_ACK, Payload::Empty, T0);
        assert_eq!(fin2.ack, 5002);
        s.receive(&fin2, T0);
        assert_eq!(s.state, State::Closed);
        let last = s.segment(ACK, Payload::Empty, T0);
        c.receive(&last, T0);
        assert_eq!(c.state, State::Closed);
    }

    #[test]
    fn syn_retransmissions_double_from_one_second_and_give_up_after_six() {
        let mut c = Conn::connect((Ipv4Addr::LOCALHOST, 1), (Ipv4Addr::LOCALHOST, 2), 7);
        c.segment(SYN, Payload::Empty, T0);
        let mut waits = vec![c.rto(SECOND, SECOND / 5)];
        loop {
            match c.retransmit(SECOND, SECOND / 5) {
                Retransmit::Again { rto, .. } => waits.push(rto),
                Retransmit::GiveUp => break,
                Retransmit::Nothing => panic!("a SYN was waiting"),
            }
        }
        let secs: Vec<u64> = waits.iter().map(|w| w / SECOND).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64]);
        assert_eq!(secs.iter().sum::<u64>(), 127, "connect fails after 127 s");
        assert_eq!(c.state, State::Closed);
    }

    #[test]
    fn a_duplicate_is_recognised_and_a_reset_answers_a_stray_segment() {
        let mut c = Conn::connect((Ipv4Addr::LOCALHOST, 1), (Ipv4Addr::LOCALHOST, 2), 7);
        let syn = c.segment(SYN, Payload::Empty, T0);
        let mut s = Conn::accept(&syn, 100);
        let syn_ack = s.segment(SYN_ACK, Payload::Empty, T0);
        c.receive(&syn_ack, T0);
        assert_eq!(c.receive(&syn_ack, T0).0, Received::Duplicate);
        let rst = reset_for(&syn);
        assert_eq!((rst.flags, rst.ack), (RST_ACK, 8));
        assert_eq!(c.receive(&rst, T0).0, Received::Reset);
        assert_eq!(c.state, State::Closed);
    }
}
