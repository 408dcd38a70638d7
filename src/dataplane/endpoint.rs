//! The applications at the ends of a connection and the kernel under them: curl as a client,
//! the book's web server, which names the pod that answered, and the resets a kernel sends
//! when no socket matches. haproxy, a proxy, lives in [`super::proxy`].

use std::net::Ipv4Addr;
use std::sync::Arc;

use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

use super::tcp::{
    ACK, Conn, FIN_ACK, FIN_PSH_ACK, PSH_ACK, Received, Retransmit, SYN, SYN_ACK, State, reset_for,
};
use crate::scenario::curl::sni;
use crate::scenario::model::Scheme;
use crate::sim::Timer;
use crate::sim::hash::FastMap;
use crate::trace::{CurlExit, Failure, Outcome, Step, Tag, Timeout};
use crate::wire::{FlowKey, HttpRequest, HttpResponse, Packet, Payload, TcpFlags, TlsRequest};
use crate::world::msg::CurlJob;
use crate::world::{Ctx, TimerKind};

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
        tc.record_receive(packet, tag, ctx);
        tc.send(SYN_ACK, Payload::Empty, ctx, emit);
        tc
    }

    fn record_receive(&mut self, packet: &Packet, _tag: Tag, ctx: &mut Ctx) {
        ctx.step(Step::Receive {
            key: packet.key,
            flags: packet.flags,
            seq: packet.seq,
            ack: packet.ack,
            len: packet.payload.len(),
        });
    }

    /// Takes in a segment that arrived with `tag`, records it, and answers a duplicate with
    /// an ACK. Returns what the segment meant.
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> Received {
        self.record_receive(packet, tag, ctx);
        let (received, timer) = self.conn.receive(packet, ctx.now);
        if let Some(t) = timer {
            ctx.cancel(t);
        }
        if received == Received::Duplicate {
            let ack = self.conn.ack();
            self.emit(ack, ctx, emit);
        }
        received
    }

    /// Builds the next segment and its tag; records the send in the current hop; arms the
    /// retransmission timer when the segment waits for an acknowledgment.
    pub fn send(&mut self, flags: TcpFlags, payload: Payload, ctx: &mut Ctx, emit: &mut impl Emit) {
        let packet = self.conn.segment(flags, payload, ctx.now);
        if self
            .conn
            .unacked
            .as_ref()
            .is_some_and(|u| u.timer.is_none())
        {
            let t = &ctx.env.timers;
            let rto = self.conn.rto(t.tcp_syn_rto, t.tcp_rto_min);
            let timer = ctx.timer(rto, TimerKind::Tcp { key: self.conn.key });
            self.conn.armed(timer);
        }
        self.emit(packet, ctx, emit);
    }

    fn emit(&mut self, packet: Packet, ctx: &mut Ctx, emit: &mut impl Emit) {
        self.tag.packet = ctx.trace.request(self.tag.request).number(self.tag.conn);
        let tag = self.tag;
        ctx.step(Step::Send {
            key: packet.key,
            flags: packet.flags,
            seq: packet.seq,
            ack: packet.ack,
            len: packet.payload.len(),
            conn: tag.conn,
            packet: tag.packet,
        });
        emit(packet, tag, ctx);
    }

    /// The retransmission timer fired: sends the segment again, or returns false when the
    /// kernel gives up on the connection.
    pub fn retransmit(&mut self, ctx: &mut Ctx, emit: &mut impl Emit) -> bool {
        let t = &ctx.env.timers;
        match self.conn.retransmit(t.tcp_syn_rto, t.tcp_rto_min) {
            Retransmit::Again {
                packet,
                attempt,
                waited,
                rto,
            } => {
                ctx.step(Step::Retransmit {
                    attempt,
                    rto_ns: waited,
                });
                let timer = ctx.timer(rto, TimerKind::Tcp { key: self.conn.key });
                self.conn.armed(timer);
                self.emit(packet, ctx, emit);
                true
            }
            Retransmit::GiveUp => {
                ctx.step(Step::TimedOut(Timeout::Retransmissions));
                false
            }
            Retransmit::Nothing => true,
        }
    }

    /// Aborts the connection with a reset (an application closed it on an error).
    pub fn abort(&mut self, ctx: &mut Ctx, emit: &mut impl Emit) {
        if let Some(t) = self.conn.take_timer() {
            ctx.cancel(t);
        }
        let rst = self.conn.reset();
        self.emit(rst, ctx, emit);
    }

    /// Forgets the connection without a word (its process died): stops its timer.
    pub fn drop_silently(&mut self, ctx: &mut Ctx) {
        if let Some(t) = self.conn.take_timer() {
            ctx.cancel(t);
        }
        self.conn.state = State::Closed;
    }
}

/// The kernel answers a segment no socket wants with a reset (never a reset with a reset).
pub fn kernel_reset(packet: &Packet, tag: Tag, ctx: &mut Ctx, emit: &mut impl Emit) {
    if packet.flags.has(TcpFlags::RST) {
        return;
    }
    ctx.step(Step::Reset);
    let rst = reset_for(packet);
    let tag = Tag {
        packet: ctx.trace.request(tag.request).number(tag.conn),
        ..tag
    };
    ctx.step(Step::Send {
        key: rst.key,
        flags: rst.flags,
        seq: rst.seq,
        ack: rst.ack,
        len: 0,
        conn: tag.conn,
        packet: tag.packet,
    });
    emit(rst, tag, ctx);
}

/// One curl run: its connection, what it got so far, and its own timer.
#[derive(Debug)]
struct CurlConn {
    tc: TaggedConn,
    job: Arc<CurlJob>,
    connected: bool,
    /// `--connect-timeout` until connected, then `--max-time` if given.
    timer: Option<Timer>,
    done: bool,
}

/// curl: one connection per request.
#[derive(Debug)]
pub struct Client {
    rng: ChaCha8Rng,
    next_port: u16,
    conns: FastMap<FlowKey, CurlConn>,
    /// Requests by id, to find their connection when curl's timer fires.
    by_request: FastMap<u32, FlowKey>,
}

impl Client {
    pub fn new(mut rng: ChaCha8Rng) -> Client {
        Client {
            next_port: ephemeral_start(&mut rng),
            rng,
            conns: FastMap::default(),
            by_request: FastMap::default(),
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
        self.next_port = next_ephemeral(self.next_port);
        let conn = Conn::connect(
            (local, self.next_port),
            (job.destination, job.port),
            self.rng.next_u32(),
        );
        let tag = Tag {
            request: job.request_id,
            conn: 0,
            packet: 0,
        };
        let mut tc = TaggedConn::new(conn, tag);
        tc.send(SYN, Payload::Empty, ctx, emit);
        let wait = job.connect_timeout(ctx.env.timers.curl_connect_timeout);
        let timer = Some(ctx.timer(
            wait,
            TimerKind::Curl {
                request: job.request_id,
            },
        ));
        self.by_request.insert(job.request_id, tc.conn.key);
        self.conns.insert(
            tc.conn.key,
            CurlConn {
                tc,
                job,
                connected: false,
                timer,
                done: false,
            },
        );
    }

    /// Handles a segment for one of curl's connections; false when it is not one of them.
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> bool {
        let key = packet.key.reversed();
        let Some(c) = self.conns.get_mut(&key) else {
            return false;
        };
        let was = c.tc.conn.state;
        match c.tc.receive(packet, tag, ctx, emit) {
            Received::Reset => {
                let (code, message) = if c.connected {
                    (56, "Recv failure: Connection reset by peer".to_string())
                } else {
                    (7, failed_connect(&c.job, "Connection refused"))
                };
                let failure = if c.connected {
                    Failure::Reset
                } else {
                    Failure::Refused
                };
                finish(c, None, code, Some(message), Some(failure), ctx);
            }
            Received::Duplicate => {}
            Received::New => {
                if was == State::SynSent && packet.flags.has(TcpFlags::SYN) {
                    c.connected = true;
                    if let Some(t) = c.timer.take() {
                        ctx.cancel(t);
                    }
                    if let Some(max) = c.job.request.max_time_ms {
                        let left = (max * 1_000_000).saturating_sub(ctx.now.0 - c.job_started());
                        c.timer = Some(ctx.timer(
                            left,
                            TimerKind::Curl {
                                request: c.job.request_id,
                            },
                        ));
                    }
                    c.tc.send(ACK, Payload::Empty, ctx, emit);
                    let request = Arc::new(build_request(&c.job));
                    ctx.step(Step::Http(request.clone()));
                    let payload = if c.tls() {
                        let sni: Option<Arc<str>> = sni(&c.job.request.url).map(Arc::from);
                        ctx.step(Step::TlsHello { sni: sni.clone() });
                        Payload::TlsRequest(Arc::new(TlsRequest { sni, request }))
                    } else {
                        Payload::Request(request)
                    };
                    c.tc.send(PSH_ACK, payload, ctx, emit);
                }
                match (&packet.payload, c.tls()) {
                    _ if c.done => {}
                    (Payload::Response(response), false)
                    | (Payload::TlsResponse(response), true) => {
                        finish(c, Some(response.clone()), 0, None, None, ctx);
                    }
                    // A plain answer where curl expected TLS: OpenSSL reads it as a record.
                    (Payload::Response(_), true) => {
                        let message = "error:0A00010B:SSL routines::wrong version number";
                        finish(c, None, 35, Some(message.into()), Some(Failure::Tls), ctx);
                    }
                    _ => {}
                }
                if packet.flags.has(TcpFlags::FIN) {
                    if !c.done {
                        let (code, message, failure) = if c.tls() {
                            let m = format!(
                                "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {}:{}",
                                c.job.shown_host, c.job.port
                            );
                            (35, m, Failure::Tls)
                        } else {
                            (52, "Empty reply from server".into(), Failure::EmptyReply)
                        };
                        finish(c, None, code, Some(message), Some(failure), ctx);
                    }
                    c.tc.send(FIN_ACK, Payload::Empty, ctx, emit);
                }
            }
        }
        if c.tc.conn.state == State::Closed {
            self.forget(key);
        }
        true
    }

    /// Forgets a closed connection.
    fn forget(&mut self, key: FlowKey) {
        if let Some(c) = self.conns.remove(&key) {
            self.by_request.remove(&c.job.request_id);
        }
    }

    /// The trace tag of one of curl's connections (its last packet's).
    pub fn tag_of(&self, key: FlowKey) -> Option<Tag> {
        self.conns.get(&key).map(|c| c.tc.tag)
    }

    /// The trace tag of a request's connection, while curl still has it.
    pub fn tag_of_request(&self, request: u32) -> Option<Tag> {
        self.by_request.get(&request).and_then(|k| self.tag_of(*k))
    }

    /// The retransmission timer of one of curl's connections fired.
    pub fn tcp_timer(&mut self, key: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) -> bool {
        let Some(c) = self.conns.get_mut(&key) else {
            return false;
        };
        if !c.tc.retransmit(ctx, emit) {
            if !c.done {
                let (code, message) = if c.connected {
                    (56, "Recv failure: Connection timed out".to_string())
                } else {
                    (7, failed_connect(&c.job, "Connection timed out"))
                };
                finish(c, None, code, Some(message), Some(Failure::TimedOut), ctx);
            }
            self.forget(key);
        }
        true
    }

    /// curl's own timer fired: `--connect-timeout` before the connection, `--max-time` after.
    pub fn curl_timer(&mut self, request: u32, ctx: &mut Ctx, emit: &mut impl Emit) {
        let Some(key) = self.by_request.get(&request).copied() else {
            return;
        };
        let Some(c) = self.conns.get_mut(&key) else {
            return;
        };
        c.timer = None;
        if c.done {
            return;
        }
        let ms = (ctx.now.0 - c.job_started()) / 1_000_000;
        let (kind, message) = if c.connected {
            (
                Timeout::CurlMax,
                format!("Operation timed out after {ms} milliseconds with 0 bytes received"),
            )
        } else {
            (
                Timeout::CurlConnect,
                format!("Connection timed out after {ms} milliseconds"),
            )
        };
        ctx.step(Step::TimedOut(kind));
        finish(c, None, 28, Some(message), Some(Failure::TimedOut), ctx);
        if c.connected {
            c.tc.send(FIN_ACK, Payload::Empty, ctx, emit);
        } else {
            c.tc.drop_silently(ctx);
            self.forget(key);
        }
    }
}

impl CurlConn {
    /// Whether the request goes over TLS (`https://`).
    fn tls(&self) -> bool {
        self.job.request.url.scheme == Scheme::Https
    }

    /// When the request started: its SYN's first send.
    fn job_started(&self) -> u64 {
        self.job.started.0
    }
}

/// Linux's ephemeral ports (`ip_local_port_range`): 32768 to 60999.
pub const EPHEMERAL: std::ops::RangeInclusive<u16> = 32768..=60999;

/// Where a process's first connection's port falls: a random point of the range.
pub fn ephemeral_start(rng: &mut ChaCha8Rng) -> u16 {
    let span = u32::from(EPHEMERAL.end() - EPHEMERAL.start()) + 1;
    EPHEMERAL.start() + (rng.next_u32() % span) as u16
}

/// The port after `port`, wrapping within the range.
pub fn next_ephemeral(port: u16) -> u16 {
    if port >= *EPHEMERAL.end() {
        *EPHEMERAL.start()
    } else {
        port + 1
    }
}

/// curl 7.29's message for a failed connect.
fn failed_connect(job: &CurlJob, why: &str) -> String {
    format!("Failed connect to {}:{}; {why}", job.shown_host, job.port)
}

/// Records how curl ended, once.
fn finish(
    c: &mut CurlConn,
    response: Option<Arc<HttpResponse>>,
    code: u8,
    message: Option<String>,
    failure: Option<Failure>,
    ctx: &mut Ctx,
) {
    c.done = true;
    if let Some(t) = c.timer.take() {
        ctx.cancel(t);
    }
    let exit = CurlExit { code, message };
    ctx.step(Step::CurlExit(exit.clone()));
    ctx.trace.request(c.job.request_id).done = Some(Outcome {
        at: ctx.now,
        response,
        exit,
        failure,
    });
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

    /// Handles a segment for the server: a SYN it accepts (when `listening`), or a segment of
    /// one of its connections. Returns whether it answered a request, or `None` when the
    /// segment is neither (the kernel resets it).
    pub fn receive(
        &mut self,
        packet: &Packet,
        tag: Tag,
        listening: bool,
        page: &Arc<HttpResponse>,
        ctx: &mut Ctx,
        emit: &mut impl Emit,
    ) -> Option<bool> {
        let key = packet.key.reversed();
        let Some(tc) = self.conns.get_mut(&key) else {
            if listening && packet.flags == SYN {
                let tc = TaggedConn::accept(packet, tag, self.rng.next_u32(), ctx, emit);
                self.conns.insert(key, tc);
                return Some(false);
            }
            return None;
        };
        let mut answered = false;
        match tc.receive(packet, tag, ctx, emit) {
            Received::Reset => {}
            Received::Duplicate => {}
            Received::New => {
                if let Payload::Request(_) = &packet.payload {
                    ctx.step(Step::Served {
                        status: page.status,
                    });
                    tc.send(FIN_PSH_ACK, Payload::Response(page.clone()), ctx, emit);
                    answered = true;
                } else if let Payload::TlsRequest(_) = &packet.payload {
                    // The book's web server speaks plain HTTP only.
                    ctx.step(Step::TlsMismatch);
                    tc.send(FIN_ACK, Payload::Empty, ctx, emit);
                } else if packet.flags.has(TcpFlags::FIN) {
                    tc.send(ACK, Payload::Empty, ctx, emit);
                }
            }
        }
        if tc.conn.state == State::Closed {
            self.conns.remove(&key);
        }
        Some(answered)
    }

    /// The trace tag of one of the server's connections.
    pub fn tag_of(&self, key: FlowKey) -> Option<Tag> {
        self.conns.get(&key).map(|tc| tc.tag)
    }

    /// The retransmission timer of one of the server's connections fired.
    pub fn tcp_timer(&mut self, key: FlowKey, ctx: &mut Ctx, emit: &mut impl Emit) -> bool {
        let Some(tc) = self.conns.get_mut(&key) else {
            return false;
        };
        if !tc.retransmit(ctx, emit) {
            self.conns.remove(&key);
        }
        true
    }

    /// The server process died: its connections are gone (later segments get resets).
    pub fn stop(&mut self, ctx: &mut Ctx) {
        for tc in self.conns.values_mut() {
            tc.drop_silently(ctx);
        }
        self.conns.clear();
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
