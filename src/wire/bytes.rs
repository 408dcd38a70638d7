//! On-the-wire bytes of a typed [`Packet`], for capture files: Ethernet II, the tunnel's outer
//! headers, IPv4, TCP and the HTTP message exactly as it is written on the connection.
//!
//! Frame layouts (every field big-endian):
//!
//! - plain: `Ethernet (0x0800) | IPv4 (proto 6) | TCP | HTTP`
//! - MPLSoUDP: `Ethernet | IPv4 (proto 17) | UDP (source port from the tunnel, destination 6635,
//!   checksum 0 as RFC 7510 allows over IPv4) | MPLS (label, S=1) | IPv4 | TCP | HTTP`
//! - MPLSoGRE: `Ethernet | IPv4 (proto 47) | GRE (no options, protocol 0x8847) | MPLS | IPv4 |
//!   TCP | HTTP`
//!
//! Every IPv4 header checksum and every TCP checksum is valid. The IPv4 identification is a
//! function of the segment's sequence and acknowledgement numbers, which NAT does not change, so
//! one packet keeps its identification at every hop and the same run gives the same bytes. A
//! segment carries at most [`MSS`] bytes of HTTP: a longer message becomes several segments with
//! consecutive sequence numbers (SYN on the first, PSH and FIN on the last), as the sending TCP
//! would cut it. SYNs carry the MSS option.

use std::fmt;
use std::net::Ipv4Addr;

use super::{
    Encap, HttpRequest, HttpResponse, Packet, Payload, TLS_RECORD_OVERHEAD, TcpFlags, Tunnel,
};
use crate::topology::plan::MPLS_OVER_UDP_PORT;

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_MPLS_UNICAST: u16 = 0x8847;
pub const PROTO_UDP: u8 = 17;
pub const PROTO_GRE: u8 = 47;
/// The largest TCP payload of one segment (Ethernet's 1500 bytes less IPv4 and TCP headers).
pub const MSS: usize = 1460;
/// The receive window every segment advertises.
pub const WINDOW: u16 = 29200;
/// The TTL of the tunnels' outer IPv4 headers.
pub const OUTER_TTL: u8 = 64;

const IPV4_LEN: usize = 20;
const UDP_LEN: usize = 8;
const GRE_LEN: usize = 4;
const MPLS_LEN: usize = 4;
const TCP_LEN: usize = 20;
const MSS_OPTION_LEN: usize = 4;

/// An Ethernet address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// The simulator's MAC of the interface holding `ip`: `02:00` (unicast, locally
    /// administered) followed by the four bytes of the address.
    pub fn of(ip: Ipv4Addr) -> Mac {
        let [a, b, c, d] = ip.octets();
        Mac([0x02, 0x00, a, b, c, d])
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// The link-layer addresses of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ethernet {
    pub src: Mac,
    pub dst: Mac,
}

/// Appends the HTTP message of `payload` as written on the connection: request or status line,
/// headers, the empty line, the body; inside TLS, the record that carries it. Exactly
/// `payload.len()` bytes.
pub fn write_http(payload: &Payload, out: &mut Vec<u8>) {
    match payload {
        Payload::Empty => {}
        Payload::Request(r) => write_request(r, out),
        Payload::Response(r) => write_response(r, out),
        Payload::TlsRequest(t) => write_tls_record(t.request.wire_len(), out),
        Payload::TlsResponse(r) => write_tls_record(r.wire_len(), out),
    }
}

/// Appends the one TLS 1.2 application-data record that carries `plain` bytes of HTTP: the
/// 5-byte header (type 23, version 3.3, length), then the explicit nonce, the ciphertext and the
/// tag, all zeros (the simulator does not encrypt; the handshake is abstracted). Exactly
/// `plain + TLS_RECORD_OVERHEAD` bytes.
fn write_tls_record(plain: u32, out: &mut Vec<u8>) {
    const HEADER: u32 = 5;
    let body = plain + TLS_RECORD_OVERHEAD - HEADER;
    let length = u16::try_from(body).unwrap_or(u16::MAX);
    out.extend_from_slice(&[23, 3, 3]);
    out.extend_from_slice(&length.to_be_bytes());
    out.resize(out.len() + body as usize, 0);
}

fn write_request(r: &HttpRequest, out: &mut Vec<u8>) {
    for part in [r.method.as_str(), " ", r.target.as_str(), " ", r.version] {
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    write_headers(&r.headers, out);
}

fn write_response(r: &HttpResponse, out: &mut Vec<u8>) {
    out.extend_from_slice(r.version.as_bytes());
    // Always three digits, as the status line's length in `wire_len` counts.
    let status = r.status.min(999);
    out.extend_from_slice(&[
        b' ',
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
        b' ',
    ]);
    out.extend_from_slice(r.reason.as_bytes());
    out.extend_from_slice(b"\r\n");
    write_headers(&r.headers, out);
    out.extend_from_slice(r.body.as_bytes());
}

fn write_headers(headers: &[(String, String)], out: &mut Vec<u8>) {
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// The Internet checksum (RFC 1071) of the concatenation of `parts`.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        let mut bytes = *part;
        if let (Some(high), Some((&low, rest))) = (odd, bytes.split_first()) {
            sum += u64::from(u16::from_be_bytes([high, low]));
            bytes = rest;
            odd = None;
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            sum += u64::from(u16::from_be_bytes([pair[0], pair[1]]));
        }
        if let [last] = pairs.remainder() {
            odd = Some(*last);
        }
    }
    if let Some(high) = odd {
        sum += u64::from(u16::from_be_bytes([high, 0]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The IPv4 identification of a segment: its sequence and acknowledgement numbers folded.
pub fn ip_id(seq: u32, ack: u32) -> u16 {
    let x = seq ^ ack.rotate_left(16);
    (x as u16) ^ ((x >> 16) as u16)
}

/// One TCP segment of a packet.
struct Segment<'a> {
    flags: TcpFlags,
    seq: u32,
    data: &'a [u8],
}

/// Turns packets into frames; keeps its buffers between calls so encoding allocates only while
/// they grow.
#[derive(Debug, Default)]
pub struct Encoder {
    http: Vec<u8>,
    frame: Vec<u8>,
}

impl Encoder {
    /// Calls `each` with every frame of `packet` (one, unless its HTTP message exceeds [`MSS`]).
    pub fn frames(&mut self, l2: Ethernet, packet: &Packet, mut each: impl FnMut(&[u8])) {
        self.http.clear();
        write_http(&packet.payload, &mut self.http);
        let syn = u32::from(packet.flags.has(TcpFlags::SYN));
        let count = self.http.len().div_ceil(MSS).max(1);
        for i in 0..count {
            let start = (i * MSS).min(self.http.len());
            let end = (start + MSS).min(self.http.len());
            let mut flags = packet.flags.0;
            if i > 0 {
                flags &= !TcpFlags::SYN.0;
            }
            if i + 1 < count {
                flags &= !(TcpFlags::FIN.0 | TcpFlags::PSH.0);
            }
            let offset = if i == 0 { 0 } else { syn + start as u32 };
            let segment = Segment {
                flags: TcpFlags(flags),
                seq: packet.seq.wrapping_add(offset),
                data: self.http.get(start..end).unwrap_or(&[]),
            };
            write_frame(&mut self.frame, l2, packet, &segment);
            each(&self.frame);
        }
    }
}

/// Writes one whole frame into `out` (cleared first).
fn write_frame(out: &mut Vec<u8>, l2: Ethernet, packet: &Packet, segment: &Segment) {
    out.clear();
    out.extend_from_slice(&l2.dst.0);
    out.extend_from_slice(&l2.src.0);
    out.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    let options = if segment.flags.has(TcpFlags::SYN) {
        MSS_OPTION_LEN
    } else {
        0
    };
    let inner_len = IPV4_LEN + TCP_LEN + options + segment.data.len();
    let ack = if segment.flags.has(TcpFlags::ACK) {
        packet.ack
    } else {
        0
    };
    let id = ip_id(segment.seq, ack);
    if let Some(encap) = &packet.encap {
        write_outer(out, encap, inner_len, id, packet.ttl);
    }
    let key = &packet.key;
    let ip_start = out.len();
    write_ipv4(
        out,
        Ipv4Header {
            total_len: inner_len,
            id,
            dont_fragment: true,
            ttl: packet.ttl,
            proto: key.proto,
            src: key.src,
            dst: key.dst,
        },
    );
    let tcp_start = out.len();
    debug_assert_eq!(tcp_start - ip_start, IPV4_LEN);
    out.extend_from_slice(&key.sport.to_be_bytes());
    out.extend_from_slice(&key.dport.to_be_bytes());
    out.extend_from_slice(&segment.seq.to_be_bytes());
    out.extend_from_slice(&ack.to_be_bytes());
    let words = ((TCP_LEN + options) / 4) as u8;
    out.extend_from_slice(&[words << 4, segment.flags.0]);
    out.extend_from_slice(&WINDOW.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    if options > 0 {
        out.extend_from_slice(&[2, 4]);
        out.extend_from_slice(&(MSS as u16).to_be_bytes());
    }
    out.extend_from_slice(segment.data);
    let tcp_len = (out.len() - tcp_start) as u16;
    let mut pseudo = [0u8; 12];
    pseudo[..4].copy_from_slice(&key.src.octets());
    pseudo[4..8].copy_from_slice(&key.dst.octets());
    pseudo[9] = key.proto;
    pseudo[10..].copy_from_slice(&tcp_len.to_be_bytes());
    let sum = checksum(&[&pseudo, out.get(tcp_start..).unwrap_or(&[])]);
    if let Some(field) = out.get_mut(tcp_start + 16..tcp_start + 18) {
        field.copy_from_slice(&sum.to_be_bytes());
    }
}

/// The tunnel's outer IPv4 header, its UDP or GRE header, and the MPLS label.
fn write_outer(out: &mut Vec<u8>, encap: &Encap, inner_len: usize, id: u16, ttl: u8) {
    let (proto, shim) = match encap.tunnel {
        Tunnel::MplsOverUdp { .. } => (PROTO_UDP, UDP_LEN),
        Tunnel::MplsOverGre => (PROTO_GRE, GRE_LEN),
    };
    write_ipv4(
        out,
        Ipv4Header {
            total_len: IPV4_LEN + shim + MPLS_LEN + inner_len,
            id,
            dont_fragment: false,
            ttl: OUTER_TTL,
            proto,
            src: encap.outer_src,
            dst: encap.outer_dst,
        },
    );
    match encap.tunnel {
        Tunnel::MplsOverUdp { source_port } => {
            out.extend_from_slice(&source_port.to_be_bytes());
            out.extend_from_slice(&MPLS_OVER_UDP_PORT.to_be_bytes());
            let len = (UDP_LEN + MPLS_LEN + inner_len) as u16;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&[0, 0]);
        }
        Tunnel::MplsOverGre => {
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(&ETHERTYPE_MPLS_UNICAST.to_be_bytes());
        }
    }
    // Label (20 bits), traffic class 0, bottom of stack, TTL.
    let entry = ((encap.label & 0xf_ffff) << 12) | (1 << 8) | u32::from(ttl);
    out.extend_from_slice(&entry.to_be_bytes());
}

struct Ipv4Header {
    total_len: usize,
    id: u16,
    dont_fragment: bool,
    ttl: u8,
    proto: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
}

fn write_ipv4(out: &mut Vec<u8>, h: Ipv4Header) {
    let start = out.len();
    let total = u16::try_from(h.total_len).unwrap_or(u16::MAX);
    let flags: u16 = if h.dont_fragment { 0x4000 } else { 0 };
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&h.id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[h.ttl, h.proto, 0, 0]);
    out.extend_from_slice(&h.src.octets());
    out.extend_from_slice(&h.dst.octets());
    let sum = checksum(&[out.get(start..).unwrap_or(&[])]);
    if let Some(field) = out.get_mut(start + 10..start + 12) {
        field.copy_from_slice(&sum.to_be_bytes());
    }
}

#[cfg(test)]
mod tests;
