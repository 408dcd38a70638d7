//! The applications at the ends of a connection: curl as a client and the book's web server,
//! which names the pod that answered. haproxy, a proxy, lives in [`super::proxy`].

use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::tcp::{ACK, Conn, FIN_ACK, FIN_PSH_ACK, PSH_ACK, SYN, SYN_ACK, State};
use crate::scenario::curl::sni;
use crate::scenario::model::Scheme;
use crate::sim::hash::FastMap;
use crate::trace::{DropReason, Outcome, Step, Tag};
use crate::wire::{FlowKey, HttpRequest, HttpResponse, Packet, Payload, TcpFlags, TlsRequest};
use crate::world::Ctx;
use crate::world::msg::CurlJob;

/// Where an endpoint sends what it emits: the packet, its trace tag, and the context.
pub trait Emit: FnMut(Packet, Tag, &mut Ctx) {}
impl<F: FnMut(Packet, Tag, &mut Ctx)> Emit for F {}

/// A connection with the trace tag of its packets. Both ends number the packets of a
/// connection in one sequence: a reply takes the number after the packet it answers.
#[derive(Clone, Debug)]
pub struct TaggedConn {
    pub conn: Conn,
    pub tag: Tag,
}

impl TaggedConn {
    pub fn new(conn: Conn, tag: Tag) -> TaggedConn {
        TaggedConn { conn, tag }
    }

    /// Answers a SYN that arrived with `tag`: the passive end, its SYN-ACK already sent.
    pub fn accept(
        packet: &Packet,
        tag: Tag,
        isn: u32,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> TaggedConn {
        let mut tc = TaggedConn::new(Conn::accept(packet, isn), tag);
        tc.receive(packet, tag, ctx);
        tc.send(SYN_ACK, Payload::Empty, ctx, emit);
        tc
    }

    /// Takes in a segment that arrived with `tag`; records it in the current hop.
    pub fn receive(&mut self, packet: &Packet, tag: Tag, ctx: &mut Ctx) {
        ctx.step(Step::Receive {
            key: packet.key,
            flags: packet.flags,
            seq: packet.seq,
            ack: packet.ack,
            len: packet.payload.len(),
        });
        self.tag.packet = self.tag.packet.max(tag.packet.wrapping_add(1));
        self.conn.receive(packet);
    }

    /// Builds the next segment and its tag; records the send in the current hop.
    pub fn send(&mut self, flags: TcpFlags, payload: Payload, ctx: &mut Ctx, emit: &mut impl Emit) {
        let packet = self.conn.segment(flags, payload);
        let tag = self.tag;
        self.tag.packet = self.tag.packet.wrapping_add(1);
        ctx.step(Step::Send {
            key: packet.key,
            flags: packet.flags,
            seq: packet.seq,
            ack: packet.ack,
            len: packet.payload.len(),
        });
        emit(packet, tag, ctx);
    }
}

/// curl: one connection per request.
#[derive(Debug)]
pub struct Client {
    rng: ChaCha8Rng,
    next_port: u16,
    conns: FastMap<FlowKey, (TaggedConn, Arc<CurlJob>)>,
}

impl Client {
    pub fn new(rng: ChaCha8Rng) -> Client {
        Client {
            rng,
            next_port: 40000,
            conns: FastMap::default(),
        }
    }

    /// Opens the request's connection from `local` with a SYN.
    pub fn start(
        &mut self,
        job: Arc<CurlJob>,
        local: Ipv4Addr,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        self.next_port = if self.next_port >= 60999 {
            40000
        } else {
            self.next_port + 1
        };
        let conn = Conn::connect(
            (local, self.next_port),
            (job.destination, job.port),
            self.rng.next_u32(),
        );
        let mut tc = TaggedConn::new(
            conn,
            Tag {
                request: job.request_id,
                conn: 0,
                packet: 0,
            },
        );
        tc.send(SYN, Payload::Empty, ctx, emit);
        self.conns.insert(tc.conn.key, (tc, job));
    }

    /// Handles a segment for one of the client's connections; false when it is not one of them.
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> bool {
        let key = packet.key.reversed();
        let Some((tc, job)) = self.conns.get_mut(&key) else {
            return false;
        };
        let was = tc.conn.state;
        tc.receive(packet, tag, ctx);
        if was == State::SynSent && packet.flags.has(TcpFlags::SYN) {
            tc.send(ACK, Payload::Empty, ctx, emit);
            let request = Arc::new(build_request(job));
            let payload = if job.request.url.scheme == Scheme::Https {
                let sni: Option<Arc<str>> = sni(&job.request.url).map(Arc::from);
                ctx.step(Step::TlsHello { sni: sni.clone() });
                Payload::TlsRequest(Arc::new(TlsRequest { sni, request }))
            } else {
                Payload::Request(request)
            };
            tc.send(PSH_ACK, payload, ctx, emit);
        }
        if let Some(response) = packet.payload.response() {
            ctx.trace.outcomes.push(Outcome {
                request: job.request_id,
                at: ctx.now,
                response: Some(response.clone()),
                served_by: None,
            });
        }
        if packet.flags.has(TcpFlags::FIN) {
            tc.send(FIN_ACK, Payload::Empty, ctx, emit);
        }
        if tc.conn.state == State::Closed {
            self.conns.remove(&key);
        }
        true
    }
}

/// The request curl sends: request line, Host, User-Agent, Accept, then the `-H` headers (a
/// `-H` header replaces curl's own of that name; an empty one removes it).
pub fn build_request(job: &CurlJob) -> HttpRequest {
    let r = &job.request;
    let target = match &r.url.query {
        Some(q) => format!("{}?{q}", r.url.path),
        None => r.url.path.clone(),
    };
    let mut headers: Vec<(String, String)> = Vec::with_capacity(3 + r.headers.len());
    let overridden = |name: &str| r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    for (name, value) in [
        ("Host", job.host_header.as_str()),
        ("User-Agent", "curl/7.29.0"),
        ("Accept", "*/*"),
    ] {
        if !overridden(name) {
            headers.push((name.into(), value.into()));
        }
    }
    headers.extend(r.headers.iter().filter(|(_, v)| !v.is_empty()).cloned());
    HttpRequest {
        method: r.method.clone(),
        target,
        version: "HTTP/1.1",
        headers,
    }
}

/// The book's web server: answers every request with a page naming the pod, then closes.
#[derive(Debug)]
pub struct WebServer {
    rng: ChaCha8Rng,
    conns: FastMap<FlowKey, TaggedConn>,
}

impl WebServer {
    pub fn new(rng: ChaCha8Rng) -> WebServer {
        WebServer {
            rng,
            conns: FastMap::default(),
        }
    }

    /// Handles a segment addressed to the server; true when it answered a request.
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        page: &Arc<HttpResponse>,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> bool {
        let key = packet.key.reversed();
        if packet.flags.has(TcpFlags::SYN) {
            let tc = TaggedConn::accept(packet, tag, self.rng.next_u32(), ctx, emit);
            self.conns.insert(key, tc);
            return false;
        }
        let Some(tc) = self.conns.get_mut(&key) else {
            return false;
        };
        tc.receive(packet, tag, ctx);
        let mut answered = false;
        if let Payload::Request(_) = &packet.payload {
            ctx.step(Step::Served {
                status: page.status,
            });
            tc.send(FIN_PSH_ACK, Payload::Response(page.clone()), ctx, emit);
            answered = true;
        } else if let Payload::TlsRequest(_) = &packet.payload {
            // The book's web server speaks plain HTTP only.
            ctx.step(Step::Drop(DropReason::TlsMismatch));
        } else if packet.flags.has(TcpFlags::FIN) {
            tc.send(ACK, Payload::Empty, ctx, emit);
        }
        if tc.conn.state == State::Closed {
            self.conns.remove(&key);
        }
        answered
    }
}

/// The page of `contrailk8sdayone/contrail-webserver`: it names the pod's address and hostname.
pub fn page(ip: Ipv4Addr, hostname: &str) -> HttpResponse {
    let body = format!(
        "<html>\n<style>\n  h1   {{color:green}}\n  h3   {{color:red}}\n</style>\n   <div align=\"center\">\n   <h3>This page is served by a <b>Contrail</b> pod</h3>\n   <h3>IP address = {ip}<br>Hostname = {hostname}</h3>\n   <img src=\"/static/giphy.gif\">\n   </div>\n</html>\n"
    );
    HttpResponse {
        version: "HTTP/1.0",
        status: 200,
        reason: "OK",
        headers: vec![
            ("Content-Type".into(), "text/html; charset=utf-8".into()),
            ("Content-Length".into(), body.len().to_string()),
            ("Server".into(), "Werkzeug/0.12.2 Python/2.7.12".into()),
        ],
        body,
    }
}
