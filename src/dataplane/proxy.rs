//! haproxy as a full proxy, behaving as its rendered `defaults` say: it ends the client's
//! connection on the VIP, picks a backend with the frontend's rules, and opens its own
//! connection from the VIP to the server (the Service's clusterIP:servicePort), adding
//! `X-Forwarded-For`. A connect that times out (`timeout connect`) is retried at once, a refused
//! one after a one-second turn-around, `retries` times; then the client gets a 503. A server
//! that resets or closes before answering gives a 502, one that stays silent past
//! `timeout server` a 504. Under the Kubernetes profile no matching rule is a 404. A TLS
//! frontend ends TLS (the handshake abstracted: the certificate is picked by the server name)
//! and answers inside TLS; TLS on a plain frontend, or plain HTTP on a TLS one, is closed
//! without an answer.

use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::endpoint::{Emit, TaggedConn};
use super::haproxy::config::{CONTRAIL_DEFAULTS, Defaults, FrontendTls};
use super::haproxy::kubernetes::HTTP_404_BODY;
use super::haproxy::rules::{HTTP_503_BODY, split_target};
use super::haproxy::{Choice, choose};
use super::tcp::{ACK, Conn, FIN_ACK, FIN_PSH_ACK, PSH_ACK, Received, SYN, State};
use crate::sim::Timer;
use crate::sim::hash::FastMap;
use crate::sim::time::{MILLISECOND, SECOND};
use crate::trace::{HttpRule, Step, Tag, Timeout};
use crate::wire::{FlowKey, HttpRequest, HttpResponse, Packet, Payload, TcpFlags};
use crate::world::msg::HaproxyInstance;
use crate::world::{Ctx, TimerKind};

/// Where a client connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the request (`timeout client`).
    Request,
    /// Connecting to the server (`timeout connect`).
    Connecting,
    /// Waiting before the next attempt after a refused connect.
    TurnAround,
    /// Waiting for the server's answer (`timeout server`).
    Response,
    /// Answered.
    Done,
}

#[derive(Debug)]
struct Front {
    tc: TaggedConn,
    phase: Phase,
    timer: Option<Timer>,
    /// The request as haproxy forwards it, and the server it goes to.
    forwarded: Option<(Arc<HttpRequest>, Ipv4Addr, u16)>,
    /// Connection attempts made so far.
    attempts: u8,
    /// The backend connection of the current attempt.
    back: Option<FlowKey>,
}

/// One haproxy process on a compute.
#[derive(Debug)]
pub struct Haproxy {
    pub instance: Arc<HaproxyInstance>,
    pub pid: u32,
    /// The vif holding the VIP.
    pub vif: u32,
    pub running: bool,
    rng: ChaCha8Rng,
    next_port: u16,
    front: FastMap<FlowKey, Front>,
    /// Backend connection → (its connection, the client connection it serves).
    back: FastMap<FlowKey, (TaggedConn, FlowKey)>,
}

impl Haproxy {
    pub fn new(instance: Arc<HaproxyInstance>, pid: u32, vif: u32, mut rng: ChaCha8Rng) -> Haproxy {
        Haproxy {
            instance,
            pid,
            vif,
            running: true,
            next_port: super::endpoint::ephemeral_start(&mut rng),
            rng,
            front: FastMap::default(),
            back: FastMap::default(),
        }
    }

    pub fn vip(&self) -> Ipv4Addr {
        self.instance.vip
    }

    fn defaults(&self) -> Defaults {
        CONTRAIL_DEFAULTS
    }

    /// The process exits: its connections vanish with it (the kernel resets later segments).
    pub fn stop(&mut self, ctx: &mut Ctx) {
        self.running = false;
        for f in self.front.values_mut() {
            f.tc.drop_silently(ctx);
            if let Some(t) = f.timer.take() {
                ctx.cancel(t);
            }
        }
        for (tc, _) in self.back.values_mut() {
            tc.drop_silently(ctx);
        }
        self.front.clear();
        self.back.clear();
    }

    /// Handles a segment arriving on the VIP; false when no socket wants it (the kernel resets
    /// it).
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> bool {
        let key = packet.key.reversed();
        if self.back.contains_key(&key) {
            self.on_backend_segment(key, packet, tag, ctx, emit);
            return true;
        }
        if let Some(f) = self.front.get_mut(&key) {
            let received = f.tc.receive(packet, tag, ctx, emit);
            self.on_client_segment(key, packet, received, ctx, emit);
            return true;
        }
        let listening = self
            .instance
            .config
            .frontends
            .iter()
            .any(|f| f.port == packet.key.dport);
        if !listening || packet.flags != SYN {
            return false;
        }
        let tc = TaggedConn::accept(packet, tag, self.rng.next_u32(), ctx, emit);
        let client = self.defaults().client_ms * MILLISECOND;
        let timer = Some(ctx.timer(client, TimerKind::Haproxy { front: key }));
        self.front.insert(
            key,
            Front {
                tc,
                phase: Phase::Request,
                timer,
                forwarded: None,
                attempts: 0,
                back: None,
            },
        );
        true
    }

    fn on_client_segment(
        &mut self,
        key: FlowKey,
        packet: &Packet,
        received: Received,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        let Some(f) = self.front.get_mut(&key) else {
            return;
        };
        if received == Received::Reset {
            if let Some(t) = f.timer.take() {
                ctx.cancel(t);
            }
            self.close_front(key, ctx);
            return;
        }
        if received == Received::New {
            let tls = self
                .instance
                .config
                .frontends
                .iter()
                .find(|fe| fe.port == key.sport)
                .and_then(|fe| fe.tls.as_ref());
            let request = match (&packet.payload, tls) {
                (Payload::Request(request), None) => Some(request.clone()),
                (Payload::TlsRequest(t), Some(tls)) => {
                    let certificate = tls
                        .choose(t.sni.as_deref())
                        .and_then(|c| c.file(&self.instance.lb_uuid))
                        .unwrap_or_default();
                    ctx.step(Step::TlsTerminated {
                        sni: t.sni.clone(),
                        certificate: certificate.into(),
                    });
                    Some(t.request.clone())
                }
                _ => None,
            };
            let Some(f) = self.front.get_mut(&key) else {
                return;
            };
            match request {
                Some(request) if f.phase == Phase::Request => {
                    if let Some(t) = f.timer.take() {
                        ctx.cancel(t);
                    }
                    self.route(key, &request, ctx, emit);
                }
                _ if matches!(packet.payload, Payload::Request(_) | Payload::TlsRequest(_)) => {
                    // TLS on a plain frontend, or plain HTTP on a TLS one: no HTTP request
                    // comes out of it, and haproxy closes the connection.
                    ctx.step(Step::TlsMismatch);
                    if let Some(t) = f.timer.take() {
                        ctx.cancel(t);
                    }
                    f.phase = Phase::Done;
                    f.tc.send(FIN_ACK, Payload::Empty, ctx, emit);
                }
                _ if packet.flags.has(TcpFlags::FIN) => {
                    f.tc.send(ACK, Payload::Empty, ctx, emit);
                }
                _ => {}
            }
        }
        if self
            .front
            .get(&key)
            .is_some_and(|f| f.tc.conn.state == State::Closed)
        {
            self.close_front(key, ctx);
        }
    }

    /// Evaluates the frontend's rules; forwards the request, or answers haproxy's 503 (Contrail)
    /// or 404 (Kubernetes profile) page.
    fn route(
        &mut self,
        front: FlowKey,
        request: &Arc<HttpRequest>,
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
            self.answer(front, page, ctx, emit);
            return;
        };
        let mut headers = Vec::with_capacity(request.headers.len() + 1);
        headers.extend(request.headers.iter().cloned());
        headers.push(("X-Forwarded-For".into(), dotted(front.dst)));
        let forwarded = Arc::new(HttpRequest {
            method: request.method.clone(),
            target: request.target.clone(),
            version: request.version,
            headers,
        });
        if let Some(f) = self.front.get_mut(&front) {
            f.forwarded = Some((forwarded, address, port));
            // The answer will take a while: the request is acknowledged at once (the kernel's
            // quick-ACK mode at the start of a connection).
            f.tc.send(ACK, Payload::Empty, ctx, emit);
        }
        self.connect(front, ctx, emit);
    }

    /// Opens the next connection attempt to the server.
    fn connect(&mut self, front: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) {
        let connect = self.defaults().connect_ms * MILLISECOND;
        self.next_port = super::endpoint::next_ephemeral(self.next_port);
        let (port, isn, vip) = (self.next_port, self.rng.next_u32(), self.instance.vip);
        let Some(f) = self.front.get_mut(&front) else {
            return;
        };
        let Some((_, address, server_port)) = &f.forwarded else {
            return;
        };
        f.attempts += 1;
        let conn = Conn::connect((vip, port), (*address, *server_port), isn);
        ctx.step(Step::ProxyConnect {
            from: front,
            to: conn.key,
            backend_conn: f.attempts,
        });
        let mut tc = TaggedConn::new(
            conn,
            Tag {
                request: f.tc.tag.request,
                conn: f.attempts,
                packet: 0,
            },
        );
        tc.send(SYN, Payload::Empty, ctx, emit);
        f.phase = Phase::Connecting;
        f.back = Some(tc.conn.key);
        f.timer = Some(ctx.timer(connect, TimerKind::Haproxy { front }));
        self.back.insert(tc.conn.key, (tc, front));
    }

    fn on_backend_segment(
        &mut self,
        key: FlowKey,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        let Some((tc, front)) = self.back.get_mut(&key) else {
            return;
        };
        let front = *front;
        let was = tc.conn.state;
        let received = tc.receive(packet, tag, ctx, emit);
        let phase = self.front.get(&front).map(|f| f.phase);
        match received {
            Received::Reset => {
                self.back.remove(&key);
                match phase {
                    Some(Phase::Connecting) => self.refused(front, ctx, emit),
                    Some(Phase::Response) => self.answer(front, bad_gateway(), ctx, emit),
                    _ => {}
                }
                return;
            }
            Received::Duplicate => return,
            Received::New => {}
        }
        let server = self.defaults().server_ms * MILLISECOND;
        let Some((tc, _)) = self.back.get_mut(&key) else {
            return;
        };
        if was == State::SynSent && packet.flags.has(TcpFlags::SYN) {
            tc.send(ACK, Payload::Empty, ctx, emit);
            if let Some(f) = self.front.get_mut(&front)
                && let Some((request, _, _)) = &f.forwarded
            {
                ctx.step(Step::Http(request.clone()));
                tc.send(PSH_ACK, Payload::Request(request.clone()), ctx, emit);
                if let Some(t) = f.timer.take() {
                    ctx.cancel(t);
                }
                f.phase = Phase::Response;
                f.timer = Some(ctx.timer(server, TimerKind::Haproxy { front }));
            }
        }
        let responded = if let Payload::Response(response) = &packet.payload {
            Some(response.clone())
        } else {
            None
        };
        if packet.flags.has(TcpFlags::FIN) {
            tc.send(FIN_ACK, Payload::Empty, ctx, emit);
        }
        if tc.conn.state == State::Closed {
            self.back.remove(&key);
        }
        match responded {
            Some(response) => self.relay(front, response, ctx, emit),
            None if packet.flags.has(TcpFlags::FIN) && phase == Some(Phase::Response) => {
                self.answer(front, bad_gateway(), ctx, emit);
            }
            None => {}
        }
    }

    /// A connect was refused: after the turn-around, try again, or give up.
    fn refused(&mut self, front: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) {
        let d = self.defaults();
        let Some(f) = self.front.get_mut(&front) else {
            return;
        };
        if let Some(t) = f.timer.take() {
            ctx.cancel(t);
        }
        f.back = None;
        if f.attempts > d.retries {
            self.answer(front, unavailable(), ctx, emit);
            return;
        }
        let delay = SECOND.min(d.connect_ms * MILLISECOND);
        ctx.step(Step::ProxyRetry {
            attempt: f.attempts,
            delay_ns: delay,
        });
        f.phase = Phase::TurnAround;
        f.timer = Some(ctx.timer(delay, TimerKind::Haproxy { front }));
    }

    /// A timer of a client connection fired.
    pub fn timer(&mut self, front: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) {
        let d = self.defaults();
        let Some(f) = self.front.get_mut(&front) else {
            return;
        };
        f.timer = None;
        match f.phase {
            Phase::Request => {
                ctx.step(Step::TimedOut(Timeout::Client));
                f.phase = Phase::Done;
                f.tc.send(FIN_ACK, Payload::Empty, ctx, emit);
            }
            Phase::Connecting => {
                ctx.step(Step::TimedOut(Timeout::Connect));
                let (back, attempts) = (f.back.take(), f.attempts);
                if let Some(back) = back
                    && let Some((mut tc, _)) = self.back.remove(&back)
                {
                    tc.drop_silently(ctx);
                }
                if attempts > d.retries {
                    self.answer(front, unavailable(), ctx, emit);
                } else {
                    ctx.step(Step::ProxyRetry {
                        attempt: attempts,
                        delay_ns: 0,
                    });
                    self.connect(front, ctx, emit);
                }
            }
            Phase::TurnAround => self.connect(front, ctx, emit),
            Phase::Response => {
                ctx.step(Step::TimedOut(Timeout::Server));
                let back = f.back.take();
                if let Some(back) = back
                    && let Some((mut tc, _)) = self.back.remove(&back)
                {
                    tc.abort(ctx, emit);
                }
                self.answer(front, gateway_timeout(), ctx, emit);
            }
            Phase::Done => {}
        }
    }

    /// The server answered: the answer goes to the client, and haproxy closes.
    fn relay(
        &mut self,
        front: FlowKey,
        response: Arc<HttpResponse>,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        let Some(f) = self.front.get_mut(&front) else {
            return;
        };
        if f.phase == Phase::Done {
            return;
        }
        if let Some(t) = f.timer.take() {
            ctx.cancel(t);
        }
        f.phase = Phase::Done;
        let payload = if frontend_tls(&self.instance, front.sport).is_some() {
            Payload::TlsResponse(response)
        } else {
            Payload::Response(response)
        };
        f.tc.send(FIN_PSH_ACK, payload, ctx, emit);
    }

    /// haproxy answers the client itself (an error page) and closes.
    fn answer(
        &mut self,
        front: FlowKey,
        response: HttpResponse,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) {
        ctx.step(Step::ProxyError {
            status: response.status,
        });
        self.relay(front, Arc::new(response), ctx, emit);
    }

    fn close_front(&mut self, key: FlowKey, ctx: &mut Ctx) {
        if let Some(mut f) = self.front.remove(&key)
            && let Some(t) = f.timer.take()
        {
            ctx.cancel(t);
        }
    }

    /// The trace tag of a client or backend connection.
    pub fn tag_of(&self, key: FlowKey) -> Option<Tag> {
        self.front
            .get(&key)
            .map(|f| f.tc.tag)
            .or_else(|| self.back.get(&key).map(|(tc, _)| tc.tag))
    }

    /// A TCP retransmission timer of one of haproxy's connections fired.
    pub fn tcp_timer(&mut self, key: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) {
        if let Some((tc, front)) = self.back.get_mut(&key) {
            let front = *front;
            if !tc.retransmit(ctx, emit) {
                self.back.remove(&key);
                if self
                    .front
                    .get(&front)
                    .is_some_and(|f| f.phase == Phase::Response)
                {
                    self.answer(front, bad_gateway(), ctx, emit);
                }
            }
            return;
        }
        if let Some(f) = self.front.get_mut(&key)
            && !f.tc.retransmit(ctx, emit)
        {
            self.close_front(key, ctx);
        }
    }
}

/// The TLS of the frontend listening on `port`, if it ends TLS.
fn frontend_tls(instance: &HaproxyInstance, port: u16) -> Option<&FrontendTls> {
    instance
        .config
        .frontends
        .iter()
        .find(|f| f.port == port)
        .and_then(|f| f.tls.as_ref())
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

fn error_page(status: u16, reason: &'static str, body: &str) -> HttpResponse {
    HttpResponse {
        version: "HTTP/1.0",
        status,
        reason,
        headers: vec![
            ("Cache-Control".into(), "no-cache".into()),
            ("Connection".into(), "close".into()),
            ("Content-Type".into(), "text/html".into()),
        ],
        body: body.into(),
    }
}

/// haproxy's answer when no backend matches or no server can be reached.
pub fn unavailable() -> HttpResponse {
    error_page(503, "Service Unavailable", HTTP_503_BODY)
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

/// haproxy's answer when the server reset or closed before answering.
pub fn bad_gateway() -> HttpResponse {
    error_page(
        502,
        "Bad Gateway",
        "<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n",
    )
}

/// haproxy's answer when the server stayed silent past `timeout server`.
pub fn gateway_timeout() -> HttpResponse {
    error_page(
        504,
        "Gateway Time-out",
        "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n",
    )
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
