use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::wire::{FlowKey, PROTO_TCP};

/// What a receiver reads back from a frame; checksums are verified on the way.
#[derive(Debug, PartialEq, Eq)]
struct Decoded {
    l2: Ethernet,
    outer: Option<Encap>,
    key: FlowKey,
    ttl: u8,
    id: u16,
    flags: TcpFlags,
    seq: u32,
    ack: u32,
    mss: Option<u16>,
    data: Vec<u8>,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn ip(b: &[u8], at: usize) -> Ipv4Addr {
    Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
}

/// An IPv4 header at `at`: checks version, length and checksum; returns (proto, src, dst, end
/// of the datagram).
fn ipv4(b: &[u8], at: usize) -> (u8, Ipv4Addr, Ipv4Addr, usize) {
    assert_eq!(b[at], 0x45, "version 4, 20-byte header");
    assert_eq!(checksum(&[&b[at..at + 20]]), 0, "IPv4 header checksum");
    let end = at + usize::from(be16(b, at + 2));
    assert_eq!(end, b.len(), "total length reaches the end of the frame");
    (b[at + 9], ip(b, at + 12), ip(b, at + 16), end)
}

fn decode(b: &[u8]) -> Decoded {
    let l2 = Ethernet {
        dst: Mac(b[0..6].try_into().unwrap()),
        src: Mac(b[6..12].try_into().unwrap()),
    };
    assert_eq!(be16(b, 12), ETHERTYPE_IPV4);
    let (proto, src, dst, _) = ipv4(b, 14);
    let mut at = 34;
    let outer = match proto {
        PROTO_UDP => {
            assert_eq!(be16(b, at + 2), MPLS_OVER_UDP_PORT);
            assert_eq!(usize::from(be16(b, at + 4)), b.len() - at, "UDP length");
            let source_port = be16(b, at);
            at += 8;
            Some(Tunnel::MplsOverUdp { source_port })
        }
        PROTO_GRE => {
            assert_eq!(be16(b, at), 0, "GRE without options, version 0");
            assert_eq!(be16(b, at + 2), ETHERTYPE_MPLS_UNICAST);
            at += 4;
            Some(Tunnel::MplsOverGre)
        }
        _ => {
            at = 14;
            None
        }
    };
    let outer = outer.map(|tunnel| {
        let entry = be32(b, at);
        assert_eq!(entry >> 8 & 1, 1, "bottom of stack");
        at += 4;
        Encap {
            outer_src: src,
            outer_dst: dst,
            tunnel,
            label: entry >> 12,
        }
    });
    let (proto, src, dst, end) = ipv4(b, at);
    assert_eq!(proto, PROTO_TCP);
    let ttl = b[at + 8];
    let id = be16(b, at + 4);
    let t = at + 20;
    let mut pseudo = [0u8; 12];
    pseudo[..4].copy_from_slice(&src.octets());
    pseudo[4..8].copy_from_slice(&dst.octets());
    pseudo[9] = PROTO_TCP;
    pseudo[10..].copy_from_slice(&((end - t) as u16).to_be_bytes());
    assert_eq!(checksum(&[&pseudo, &b[t..end]]), 0, "TCP checksum");
    let header = usize::from(b[t + 12] >> 4) * 4;
    let mss = (header == 24).then(|| {
        assert_eq!(&b[t + 20..t + 22], &[2, 4]);
        be16(b, t + 22)
    });
    Decoded {
        l2,
        outer,
        key: FlowKey {
            src,
            dst,
            proto,
            sport: be16(b, t),
            dport: be16(b, t + 2),
        },
        ttl,
        id,
        flags: TcpFlags(b[t + 13]),
        seq: be32(b, t + 4),
        ack: be32(b, t + 8),
        mss,
        data: b[t + header..end].to_vec(),
    }
}

fn frames_of(packet: &Packet) -> Vec<Vec<u8>> {
    let l2 = Ethernet {
        src: Mac::of(packet.key.src),
        dst: Mac::of(packet.key.dst),
    };
    let mut out = Vec::new();
    Encoder::default().frames(l2, packet, |f| out.push(f.to_vec()));
    out
}

fn key() -> FlowKey {
    FlowKey {
        src: Ipv4Addr::new(15, 15, 15, 2),
        dst: Ipv4Addr::new(101, 101, 101, 1),
        proto: PROTO_TCP,
        sport: 40001,
        dport: 80,
    }
}

fn syn() -> Packet {
    Packet {
        key: key(),
        ttl: 64,
        flags: TcpFlags::SYN,
        seq: 0x0102_0304,
        ack: 0,
        payload: Payload::Empty,
        encap: None,
    }
}

fn request(headers: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        target: "/dev?x=1".into(),
        version: "HTTP/1.1",
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn rfc1071_example_sum() {
    // RFC 1071 section 3: the one's complement sum of these bytes is ddf2.
    let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
    assert_eq!(checksum(&[&bytes]), !0xddf2);
}

#[test]
fn ipv4_header_checksum_of_a_known_header() {
    // A UDP datagram 192.168.0.1 > 192.168.0.199 whose header checksum is b861.
    let header = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];
    assert_eq!(checksum(&[&header]), 0xb861);
}

#[test]
fn a_syn_frame_is_byte_exact() {
    // Pinned after tshark 4.0 decoded it with checksum validation on: "[Checksum Status: Good]"
    // for both the IPv4 header and TCP.
    let frame = frames_of(&syn());
    assert_eq!(frame.len(), 1);
    let hex: String = frame[0].iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "02006565650102000f0f0f0208004500002c020640004006504f0f0f0f02656565019c41005001020304\
         00000000600272109d070000020405b4"
    );
}

#[test]
fn http_bytes_are_the_message_on_the_wire() {
    let r = request(&[
        ("Host", "www.juniper.net"),
        ("X-Forwarded-For", "15.15.15.2"),
    ]);
    let mut out = Vec::new();
    write_http(&Payload::Request(Arc::new(r)), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "GET /dev?x=1 HTTP/1.1\r\nHost: www.juniper.net\r\nX-Forwarded-For: 15.15.15.2\r\n\r\n"
    );
    let page = crate::dataplane::endpoint::page(Ipv4Addr::new(10, 47, 255, 250), "web-1");
    let mut out = Vec::new();
    write_http(&Payload::Response(Arc::new(page.clone())), &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"));
    assert!(text.ends_with(&format!("\r\n\r\n{}", page.body)));
    assert_eq!(text.len() as u32, page.wire_len());
}

#[test]
fn a_message_inside_tls_is_one_application_data_record_of_its_payload_length() {
    let r = Arc::new(request(&[("Host", "www.juniper.net")]));
    let tls = Payload::TlsRequest(Arc::new(crate::wire::TlsRequest {
        sni: Some("www.juniper.net".into()),
        request: r.clone(),
    }));
    let mut out = Vec::new();
    write_http(&tls, &mut out);
    assert_eq!(out.len() as u32, tls.len());
    assert_eq!(out[..3], [23, 3, 3]);
    assert_eq!(usize::from(be16(&out, 3)), out.len() - 5);
    // Nothing of the request is readable.
    assert!(out[5..].iter().all(|b| *b == 0));
    assert_eq!(
        out.len() as u32,
        r.wire_len() + crate::wire::TLS_RECORD_OVERHEAD
    );
}

#[test]
fn mpls_over_udp_and_gre_carry_the_label_and_the_inner_packet() {
    for tunnel in [
        Tunnel::MplsOverUdp { source_port: 52000 },
        Tunnel::MplsOverGre,
    ] {
        let mut p = syn();
        p.encap = Some(Encap {
            outer_src: Ipv4Addr::new(10, 169, 25, 20),
            outer_dst: Ipv4Addr::new(10, 169, 25, 21),
            tunnel,
            label: 0xabcde,
        });
        let frames = frames_of(&p);
        let d = decode(&frames[0]);
        assert_eq!(d.outer, p.encap);
        assert_eq!(
            (d.key, d.seq, d.flags, d.mss),
            (p.key, p.seq, p.flags, Some(1460))
        );
    }
}

#[test]
fn a_long_message_is_cut_into_mss_segments() {
    let long = "x".repeat(MSS * 2);
    let r = request(&[("Host", "h"), ("X-Long", &long)]);
    let len = r.wire_len();
    let p = Packet {
        flags: TcpFlags::PSH.with(TcpFlags::ACK).with(TcpFlags::FIN),
        ack: 77,
        payload: Payload::Request(Arc::new(r)),
        ..syn()
    };
    let frames: Vec<Decoded> = frames_of(&p).iter().map(|f| decode(f)).collect();
    assert_eq!(frames.len(), 3);
    let mut next = p.seq;
    for (i, d) in frames.iter().enumerate() {
        assert_eq!(d.seq, next, "segment {i} follows the previous one");
        next = next.wrapping_add(d.data.len() as u32);
        assert_eq!(d.flags.has(TcpFlags::FIN), i == 2);
        assert_eq!(d.flags.has(TcpFlags::PSH), i == 2);
        assert!(d.flags.has(TcpFlags::ACK));
        assert!(d.data.len() <= MSS);
    }
    assert_eq!(next.wrapping_sub(p.seq), len);
}

#[test]
fn one_packet_keeps_its_identification_across_nat() {
    let before = syn();
    let mut after = before.clone();
    after.key.dst = Ipv4Addr::new(10, 47, 255, 251);
    let (a, b) = (
        decode(&frames_of(&before)[0]),
        decode(&frames_of(&after)[0]),
    );
    assert_eq!(a.id, b.id);
}

#[test]
fn macs_embed_the_address_and_are_locally_administered() {
    let m = Mac::of(Ipv4Addr::new(10, 169, 25, 20));
    assert_eq!(m.to_string(), "02:00:0a:a9:19:14");
    assert_eq!(m.0[0] & 0b11, 0b10, "unicast, locally administered");
}

fn arb_text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ -~]{0,40}").unwrap()
}

fn arb_payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::Empty),
        (
            arb_text(),
            arb_text(),
            proptest::collection::vec((arb_text(), arb_text()), 0..4),
            0usize..4000,
        )
            .prop_map(|(method, target, headers, pad)| {
                let mut headers = headers;
                headers.push(("X-Pad".into(), "p".repeat(pad)));
                Payload::Request(Arc::new(HttpRequest {
                    method,
                    target,
                    version: "HTTP/1.1",
                    headers,
                }))
            }),
        (0u16..2000, arb_text(), "\\PC{0,300}").prop_map(|(status, body, unicode)| {
            Payload::Response(Arc::new(HttpResponse {
                version: "HTTP/1.0",
                status,
                reason: "Reason",
                headers: vec![("Server".into(), body)],
                body: unicode,
            }))
        }),
    ]
}

fn arb_encap() -> impl Strategy<Value = Option<Encap>> {
    let tunnel = prop_oneof![
        any::<u16>().prop_map(|source_port| Tunnel::MplsOverUdp { source_port }),
        Just(Tunnel::MplsOverGre),
    ];
    proptest::option::of(
        (any::<u32>(), any::<u32>(), tunnel, 0u32..(1 << 20)).prop_map(|(s, d, tunnel, label)| {
            Encap {
                outer_src: Ipv4Addr::from(s),
                outer_dst: Ipv4Addr::from(d),
                tunnel,
                label,
            }
        }),
    )
}

proptest! {
    #[test]
    fn checksum_is_independent_of_how_the_bytes_are_split(
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        cut in 0usize..64,
        cut2 in 0usize..64,
    ) {
        let a = cut.min(bytes.len());
        let b = cut2.min(bytes.len()).max(a);
        let whole = checksum(&[&bytes]);
        prop_assert_eq!(checksum(&[&bytes[..a], &bytes[a..b], &bytes[b..]]), whole);
    }

    #[test]
    fn frames_decode_back_to_the_packet(
        src in any::<u32>(), dst in any::<u32>(), sport in any::<u16>(), dport in any::<u16>(),
        flags in 0u8..0x20, seq in any::<u32>(), ack in any::<u32>(), ttl in 1u8..=255,
        payload in arb_payload(), encap in arb_encap(),
    ) {
        let flags = TcpFlags(flags & !0x04); // no RST in the simulator
        let flags = if payload.is_empty() { flags } else { TcpFlags(flags.0 & !TcpFlags::SYN.0) };
        let p = Packet {
            key: FlowKey { src: Ipv4Addr::from(src), dst: Ipv4Addr::from(dst), proto: PROTO_TCP, sport, dport },
            ttl, flags, seq, ack, payload, encap,
        };
        let frames: Vec<Decoded> = frames_of(&p).iter().map(|f| decode(f)).collect();
        let mut data = Vec::new();
        let mut union = 0u8;
        for d in &frames {
            prop_assert_eq!(d.key, p.key);
            prop_assert_eq!(d.ttl, p.ttl);
            prop_assert_eq!(d.outer, p.encap);
            prop_assert_eq!(d.ack, if p.flags.has(TcpFlags::ACK) { p.ack } else { 0 });
            prop_assert_eq!(d.seq, p.seq.wrapping_add(data.len() as u32));
            prop_assert_eq!(d.mss.is_some(), d.flags.has(TcpFlags::SYN));
            prop_assert_eq!(d.l2, Ethernet { src: Mac::of(p.key.src), dst: Mac::of(p.key.dst) });
            union |= d.flags.0;
            data.extend_from_slice(&d.data);
        }
        prop_assert_eq!(union, p.flags.0);
        prop_assert_eq!(data.len() as u32, p.payload.len());
        let mut expected = Vec::new();
        write_http(&p.payload, &mut expected);
        prop_assert_eq!(data, expected);
    }
}
