//! haproxy as a full proxy: it ends the client's connection on the VIP, picks a backend with the
//! frontend's rules, and opens its own connection from the VIP to the backend server
//! (the Service's clusterIP:servicePort), adding `X-Forwarded-For`.

use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::endpoint::{Emit, TaggedConn};
use super::haproxy::config::FrontendTls;
use super::haproxy::kubernetes::HTTP_404_BODY;
use super::haproxy::rules::{HTTP_503_BODY, split_target};
use super::haproxy::{Choice, choose};
use super::tcp::{ACK, Conn, FIN_ACK, FIN_PSH_ACK, PSH_ACK, SYN, State};
use crate::sim::hash::FastMap;
use crate::trace::{DropReason, HttpRule, Step, Tag};
use crate::wire::{FlowKey, HttpRequest, HttpResponse, Packet, Payload, TcpFlags};
use crate::world::Ctx;
use crate::world::msg::HaproxyInstance;

/// One haproxy process on a compute.
#[derive(Debug)]
pub struct Haproxy {
    pub instance: Arc<HaproxyInstance>,
    pub pid: u32,
    /// The interface holding the VIP.
    pub iface: usize,
    pub running: bool,
    rng: ChaCha8Rng,
    next_port: u16,
    front: FastMap<FlowKey, TaggedConn>,
    /// Backend connection → (its connection, the client connection it serves, the request).
    back: FastMap<FlowKey, (TaggedConn, FlowKey, Arc<HttpRequest>)>,
}

impl Haproxy {
    pub fn new(instance: Arc<HaproxyInstance>, pid: u32, iface: usize, rng: ChaCha8Rng) -> Haproxy {
        Haproxy {
            instance,
            pid,
            iface,
            running: true,
            rng,
            next_port: 30000,
            front: FastMap::default(),
            back: FastMap::default(),
        }
    }

    pub fn vip(&self) -> Ipv4Addr {
        self.instance.vip
    }

    /// Handles a segment arriving on the VIP; false when nothing listens for it.
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> bool {
        let key = packet.key.reversed();
        if self.back.contains_key(&key) {
            self.on_backend_segment(packet, tag, ctx, emit);
            return true;
        }
        let listening = self
            .instance
            .config
            .frontends
            .iter()
            .any(|f| f.port == packet.key.dport);
        if !listening {
            return false;
        }
        if packet.flags.has(TcpFlags::SYN) {
            let tc = TaggedConn::accept(packet, tag, self.rng.next_u32(), ctx, emit);
            self.front.insert(key, tc);
            return true;
        }
        let Some(tc) = self.front.get_mut(&key) else {
            return true;
        };
        tc.receive(packet, tag, ctx);
        let tls = self.frontend_tls(key.sport);
        match (&packet.payload, tls) {
            (Payload::Request(request), None) => {
                let request = request.clone();
                self.route(key, &request, tag, ctx, emit);
            }
            (Payload::TlsRequest(t), Some(tls)) => {
                let certificate = tls
                    .choose(t.sni.as_deref())
                    .and_then(|c| c.file(&self.instance.lb_uuid))
                    .unwrap_or_default();
                ctx.step(Step::TlsTerminated {
                    sni: t.sni.clone(),
                    certificate: certificate.into(),
                });
                let request = t.request.clone();
                self.route(key, &request, tag, ctx, emit);
            }
            // TLS on a plain-HTTP frontend, or plain HTTP on a TLS one: no HTTP request.
            (Payload::Request(_) | Payload::TlsRequest(_), _) => {
                ctx.step(Step::Drop(DropReason::TlsMismatch));
            }
            _ => {}
        }
        if packet.payload.is_empty()
            && packet.flags.has(TcpFlags::FIN)
            && let Some(tc) = self.front.get_mut(&key)
        {
            tc.send(ACK, Payload::Empty, ctx, emit);
        }
        if self
            .front
            .get(&key)
            .is_some_and(|tc| tc.conn.state == State::Closed)
        {
            self.front.remove(&key);
        }
        true
    }

    /// Evaluates the frontend's rules and forwards the request, or answers haproxy's 503 (Contrail)
    /// or 404 (Kubernetes profile) page.
    fn route(
        &mut self,
        front: FlowKey,
        request: &Arc<HttpRequest>,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        let config = &self.instance.config;
        let host = request.header("host");
        let (path, _) = split_target(&request.target);
        let frontend = config.frontends.iter().find(|f| f.port == front.sport);
        let choice = frontend.map_or(Choice::Unavailable, |f| choose(config, f, host, path));
        let (pool, origin) = match (choice, frontend) {
            (Choice::Pool(p), Some(f)) => (
                Some(p),
                f.pools
                    .iter()
                    .find(|fp| fp.pool_uuid == p)
                    .and_then(|fp| fp.origin.clone()),
            ),
            _ => (None, None),
        };
        let server = pool
            .and_then(|p| config.backends.iter().find(|b| b.pool_uuid == p))
            .and_then(|b| b.members.first())
            .map(|m| (m.address, m.port));
        ctx.step(Step::HttpRule(Box::new(HttpRule {
            host: host.map(Arc::from),
            path: Arc::from(path),
            pool: pool.map(Arc::from),
            server,
            origin,
        })));
        let Some((address, port)) = server else {
            let page = match choice {
                Choice::NotFound => not_found(),
                _ => unavailable(),
            };
            let payload = self.answer(front.sport, Arc::new(page));
            if let Some(tc) = self.front.get_mut(&front) {
                tc.send(FIN_PSH_ACK, payload, ctx, emit);
            }
            return;
        };
        self.next_port = if self.next_port >= 39999 {
            30000
        } else {
            self.next_port + 1
        };
        let conn = Conn::connect(
            (self.instance.vip, self.next_port),
            (address, port),
            self.rng.next_u32(),
        );
        ctx.step(Step::ProxyConnect {
            from: front,
            to: conn.key,
            backend_conn: 1,
        });
        let mut tc = TaggedConn::new(
            conn,
            Tag {
                request: tag.request,
                conn: tag.conn + 1,
                packet: 0,
            },
        );
        tc.send(SYN, Payload::Empty, ctx, emit);
        let mut headers = Vec::with_capacity(request.headers.len() + 1);
        headers.extend(request.headers.iter().cloned());
        headers.push(("X-Forwarded-For".into(), dotted(front.dst)));
        let forwarded = HttpRequest {
            method: request.method.clone(),
            target: request.target.clone(),
            version: request.version,
            headers,
        };
        self.back
            .insert(tc.conn.key, (tc, front, Arc::new(forwarded)));
    }

    /// The TLS of the frontend listening on `port`, if it ends TLS.
    fn frontend_tls(&self, port: u16) -> Option<&FrontendTls> {
        self.instance
            .config
            .frontends
            .iter()
            .find(|f| f.port == port)
            .and_then(|f| f.tls.as_ref())
    }

    /// A response to the client of the frontend on `port`: inside TLS on a TLS frontend.
    fn answer(&self, port: u16, response: Arc<HttpResponse>) -> Payload {
        if self.frontend_tls(port).is_some() {
            Payload::TlsResponse(response)
        } else {
            Payload::Response(response)
        }
    }

    fn on_backend_segment(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        let key = packet.key.reversed();
        let Some((tc, front, request)) = self.back.get_mut(&key) else {
            return;
        };
        let was = tc.conn.state;
        tc.receive(packet, tag, ctx);
        if was == State::SynSent && packet.flags.has(TcpFlags::SYN) {
            tc.send(ACK, Payload::Empty, ctx, emit);
            tc.send(PSH_ACK, Payload::Request(request.clone()), ctx, emit);
        }
        if packet.flags.has(TcpFlags::FIN) {
            tc.send(FIN_ACK, Payload::Empty, ctx, emit);
        }
        let front = *front;
        if let Payload::Response(response) = &packet.payload {
            let payload = self.answer(front.sport, response.clone());
            if let Some(ftc) = self.front.get_mut(&front) {
                ftc.send(FIN_PSH_ACK, payload, ctx, emit);
            }
        }
        if self
            .back
            .get(&key)
            .is_some_and(|(tc, _, _)| tc.conn.state == State::Closed)
        {
            self.back.remove(&key);
        }
    }
}

/// `a.b.c.d`, as `Ipv4Addr`'s `Display` writes it, without the formatting machinery.
fn dotted(ip: Ipv4Addr) -> String {
    let mut s = String::with_capacity(15);
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        if octet >= 100 {
            s.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            s.push(char::from(b'0' + octet / 10 % 10));
        }
        s.push(char::from(b'0' + octet % 10));
    }
    s
}

/// haproxy's answer when no backend matches.
pub fn unavailable() -> HttpResponse {
    HttpResponse {
        version: "HTTP/1.0",
        status: 503,
        reason: "Service Unavailable",
        headers: vec![
            ("Cache-Control".into(), "no-cache".into()),
            ("Connection".into(), "close".into()),
            ("Content-Type".into(), "text/html".into()),
        ],
        body: HTTP_503_BODY.into(),
    }
}

/// haproxy 2.x's answer when no rule and no default backend applies in the Kubernetes profile
/// (`http-request deny deny_status 404`).
pub fn not_found() -> HttpResponse {
    HttpResponse {
        version: "HTTP/1.1",
        status: 404,
        reason: "Not Found",
        headers: vec![
            ("content-length".into(), HTTP_404_BODY.len().to_string()),
            ("cache-control".into(), "no-cache".into()),
            ("content-type".into(), "text/html".into()),
        ],
        body: HTTP_404_BODY.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_matches_display() {
        for o in 0..=255u8 {
            let ip = Ipv4Addr::new(o, 255 - o, o / 2, 10);
            assert_eq!(dotted(ip), ip.to_string());
        }
    }
}
