//! A small TCP: connection state with real sequence numbers, enough for one HTTP exchange per
//! connection (handshake, request, response, close).

use std::net::Ipv4Addr;

use crate::wire::{FlowKey, PROTO_TCP, Packet, Payload, TcpFlags};

pub const SYN: TcpFlags = TcpFlags::SYN;
pub const SYN_ACK: TcpFlags = TcpFlags::SYN.with(TcpFlags::ACK);
pub const ACK: TcpFlags = TcpFlags::ACK;
pub const PSH_ACK: TcpFlags = TcpFlags::PSH.with(TcpFlags::ACK);
pub const FIN_PSH_ACK: TcpFlags = TcpFlags::FIN.with(TcpFlags::PSH).with(TcpFlags::ACK);
pub const FIN_ACK: TcpFlags = TcpFlags::FIN.with(TcpFlags::ACK);

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

/// One end of a connection.
#[derive(Clone, Debug)]
pub struct Conn {
    /// As this end sends: src = local, dst = remote.
    pub key: FlowKey,
    pub state: State,
    snd_nxt: u32,
    rcv_nxt: u32,
}

pub const INITIAL_TTL: u8 = 64;

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
            snd_nxt: isn,
            rcv_nxt: 0,
        }
    }

    /// A passive open for a received SYN; its first segment should be a SYN-ACK.
    pub fn accept(syn: &Packet, isn: u32) -> Conn {
        Conn {
            key: syn.key.reversed(),
            state: State::SynReceived,
            snd_nxt: isn,
            rcv_nxt: syn.seq.wrapping_add(1),
        }
    }

    /// Builds the next segment and advances the send sequence.
    pub fn segment(&mut self, flags: TcpFlags, payload: Payload) -> Packet {
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
        if flags.has(TcpFlags::FIN) {
            self.state = if self.state == State::Established {
                State::FinWait
            } else {
                State::LastAck
            };
        }
        packet
    }

    /// Takes in a segment from the peer; returns true when it carried something to acknowledge.
    pub fn receive(&mut self, packet: &Packet) -> bool {
        if packet.flags.has(TcpFlags::SYN) {
            self.rcv_nxt = packet.seq.wrapping_add(1);
            self.state = State::Established;
            return true;
        }
        if self.state == State::SynReceived && packet.flags.has(TcpFlags::ACK) {
            self.state = State::Established;
        }
        let len = packet.seq_len();
        if len > 0 {
            self.rcv_nxt = packet.seq.wrapping_add(len);
        }
        if packet.flags.has(TcpFlags::FIN) {
            self.state = match self.state {
                State::FinWait => State::Closed,
                _ => State::LastAck,
            };
        } else if self.state == State::LastAck && packet.flags.has(TcpFlags::ACK) && len == 0 {
            self.state = State::Closed;
        }
        len > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_exchange_and_close_track_sequence_numbers() {
        let mut c = Conn::connect(
            (Ipv4Addr::new(10, 0, 0, 1), 40000),
            (Ipv4Addr::new(10, 0, 0, 2), 80),
            1000,
        );
        let syn = c.segment(SYN, Payload::Empty);
        assert_eq!((syn.seq, syn.flags), (1000, SYN));
        let mut s = Conn::accept(&syn, 5000);
        let syn_ack = s.segment(SYN_ACK, Payload::Empty);
        assert_eq!((syn_ack.seq, syn_ack.ack), (5000, 1001));
        assert!(c.receive(&syn_ack));
        let ack = c.segment(ACK, Payload::Empty);
        assert_eq!((ack.seq, ack.ack), (1001, 5001));
        s.receive(&ack);
        assert_eq!(s.state, State::Established);
        let fin = s.segment(FIN_ACK, Payload::Empty);
        assert_eq!(s.state, State::FinWait);
        c.receive(&fin);
        assert_eq!(c.state, State::LastAck);
        let fin2 = c.segment(FIN_ACK, Payload::Empty);
        assert_eq!(fin2.ack, 5002);
        s.receive(&fin2);
        assert_eq!(s.state, State::Closed);
        let last = s.segment(ACK, Payload::Empty);
        c.receive(&last);
        assert_eq!(c.state, State::Closed);
    }
}
