//! Typed packets: IPv4, TCP with real sequence numbers and flags, HTTP messages, and the MPLS
//! encapsulations vRouters and the gateway put around them. Representation only, no behaviour;
//! [`bytes`] turns a packet into the frames a capture holds.

pub mod bytes;

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::{Serialize, Serializer};

pub const PROTO_TCP: u8 = 6;

/// TCP flags as on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);

    pub const fn with(self, other: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | other.0)
    }

    pub fn has(self, other: TcpFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl Serialize for TcpFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for TcpFlags {
    /// tcpdump style: `S`, `S.`, `.`, `P.`, `FP.`, `F.`, `R`, `R.`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (flag, c) in [
            (TcpFlags::FIN, 'F'),
            (TcpFlags::SYN, 'S'),
            (TcpFlags::RST, 'R'),
            (TcpFlags::PSH, 'P'),
            (TcpFlags::ACK, '.'),
        ] {
            if self.has(flag) {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// The five fields that identify a flow.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FlowKey {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
}

impl FlowKey {
    /// A hash of the five fields with `salt` mixed in: how ECMP picks a member.
    pub fn hash(&self, salt: u64) -> u32 {
        let mut bytes = [0u8; 13];
        bytes[..4].copy_from_slice(&self.src.octets());
        bytes[4..8].copy_from_slice(&self.dst.octets());
        bytes[8] = self.proto;
        bytes[9..11].copy_from_slice(&self.sport.to_be_bytes());
        bytes[11..13].copy_from_slice(&self.dport.to_be_bytes());
        crate::sim::rng::flow_hash(&bytes, salt)
    }

    pub fn reversed(self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            proto: self.proto,
            sport: self.dport,
            dport: self.sport,
        }
    }
}

impl fmt::Display for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} > {}:{}",
            self.src, self.sport, self.dst, self.dport
        )
    }
}

/// An HTTP request as curl or haproxy sends it.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// Path and query, as on the request line.
    pub target: String,
    pub version: &'static str,
    pub headers: Vec<(String, String)>,
}

impl HttpRequest {
    /// The last value of a header, compared case-insensitively (as haproxy's `hdr()`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The length of the request on the wire.
    pub fn wire_len(&self) -> u32 {
        let line = self.method.len() + self.target.len() + self.version.len() + 4;
        u32::try_from(line + headers_len(&self.headers)).unwrap_or(u32::MAX)
    }
}

/// An HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub version: &'static str,
    pub status: u16,
    pub reason: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn wire_len(&self) -> u32 {
        let line = self.version.len() + 5 + self.reason.len() + 2;
        u32::try_from(line + headers_len(&self.headers) + self.body.len()).unwrap_or(u32::MAX)
    }
}

/// `Name: value\r\n` per header, then the empty line that ends the head.
fn headers_len(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>()
        + 2
}

/// An HTTP request sent over TLS. The handshake (ClientHello with the server name, the server's
/// certificate, the key exchange) is abstracted: it adds no packets, and the request travels as
/// one TLS record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsRequest {
    /// The server name of the ClientHello (curl's URL host; none for an address).
    pub sni: Option<Arc<str>>,
    pub request: Arc<HttpRequest>,
}

/// What one TLS 1.2 AES-GCM record adds to its data: a 5-byte header, an 8-byte explicit nonce
/// and a 16-byte tag.
pub const TLS_RECORD_OVERHEAD: u32 = 29;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Payload {
    #[default]
    Empty,
    Request(Arc<HttpRequest>),
    Response(Arc<HttpResponse>),
    /// A request inside TLS (`curl -k https://…`).
    TlsRequest(Arc<TlsRequest>),
    /// A response inside TLS.
    TlsResponse(Arc<HttpResponse>),
}

impl Payload {
    pub fn len(&self) -> u32 {
        match self {
            Payload::Empty => 0,
            Payload::Request(r) => r.wire_len(),
            Payload::Response(r) => r.wire_len(),
            Payload::TlsRequest(t) => t.request.wire_len() + TLS_RECORD_OVERHEAD,
            Payload::TlsResponse(r) => r.wire_len() + TLS_RECORD_OVERHEAD,
        }
    }

    /// The HTTP response carried, in clear or inside TLS.
    pub fn response(&self) -> Option<&Arc<HttpResponse>> {
        match self {
            Payload::Response(r) | Payload::TlsResponse(r) => Some(r),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Payload::Empty)
    }
}

/// The tunnel around a packet between vRouters (MPLSoUDP) or between the gateway and a vRouter
/// (MPLSoGRE).
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Tunnel {
    MplsOverUdp { source_port: u16 },
    MplsOverGre,
}

impl fmt::Display for Tunnel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tunnel::MplsOverUdp { .. } => f.write_str("MPLSoUDP"),
            Tunnel::MplsOverGre => f.write_str("MPLSoGRE"),
        }
    }
}

/// The outer headers of a tunnelled packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Encap {
    pub outer_src: Ipv4Addr,
    pub outer_dst: Ipv4Addr,
    pub tunnel: Tunnel,
    pub label: u32,
}

/// A TCP/IPv4 packet, possibly tunnelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    pub key: FlowKey,
    pub ttl: u8,
    pub flags: TcpFlags,
    pub seq: u32,
    pub ack: u32,
    pub payload: Payload,
    pub encap: Option<Encap>,
}

impl Packet {
    /// The sequence space this segment occupies (SYN and FIN count one each).
    pub fn seq_len(&self) -> u32 {
        self.payload.len()
            + u32::from(self.flags.has(TcpFlags::SYN))
            + u32::from(self.flags.has(TcpFlags::FIN))
    }
}
