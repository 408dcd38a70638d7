//! Compact trace records, written on the event hot path without formatting; renderers turn them
//! into text or JSON afterwards.

use std::net::Ipv4Addr;

use serde::Serialize;
use std::sync::Arc;

use crate::dataplane::haproxy::config::RuleOrigin;
use crate::routing::{Prefix, Vrf};
use crate::sim::hash::FastMap;
use crate::sim::{EventId, Time};
use crate::topology::NodeId;
use crate::wire::{FlowKey, HttpRequest, HttpResponse, TcpFlags, Tunnel};

/// Which request, which of its TCP connections, which packet of that connection.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub struct Tag {
    pub request: u32,
    /// 0: the client's connection; 1, 2, ...: haproxy's attempts to reach the backend.
    pub conn: u8,
    pub packet: u16,
}

/// The component a hop visited.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    VRouter,
    Haproxy(u32),
    Pod(u32),
    Gateway,
    Host,
}

/// The vRouter's flow actions, as `flow -l` prints them (and as JSON writes them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlowAction {
    Forward,
    Drop,
    /// Destination NAT.
    NatDst,
    /// Source NAT.
    NatSrc,
    /// Destination NAT with destination port translation.
    NatDstPort,
    /// Source NAT with source port translation.
    NatSrcPort,
}

impl Serialize for FlowAction {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl FlowAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowAction::Forward => "F",
            FlowAction::Drop => "D",
            FlowAction::NatDst => "N(D)",
            FlowAction::NatSrc => "N(S)",
            FlowAction::NatDstPort => "N(DPd)",
            FlowAction::NatSrcPort => "N(SPs)",
        }
    }

    /// The action of the reverse flow.
    pub fn reverse(self) -> FlowAction {
        match self {
            FlowAction::NatDst => FlowAction::NatSrc,
            FlowAction::NatSrc => FlowAction::NatDst,
            FlowAction::NatDstPort => FlowAction::NatSrcPort,
            FlowAction::NatSrcPort => FlowAction::NatDstPort,
            other => other,
        }
    }
}

/// Where a route lookup sent the packet.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum NextHop {
    /// A local interface: a pod or haproxy on this node.
    Interface(Component),
    /// A tunnel to another compute or to the gateway.
    Tunnel { to: NodeId, label: u32 },
    /// An ECMP composite of this many members.
    Composite(u16),
    /// A directly connected host.
    Connected,
}

/// Every disposition a request can end with. With an HTTP answer: a pod's web server
/// (`delivered`), haproxy's 503/502/504 (`no-backend`, `bad-gateway`, `gateway-timeout`), its
/// 404 under the Kubernetes profile (`not-found`), or something else (`answered`). Without one:
/// the connection was refused or reset, closed without a reply, TLS failed (`tls-error`), or it
/// timed out; a timeout names the first drop that caused it (`no-route`, `node-down`,
/// `link-down`, `agent-down`) when one was seen, else `timed-out`.
pub const DISPOSITIONS: [&str; 15] = [
    "delivered",
    "no-backend",
    "not-found",
    "bad-gateway",
    "gateway-timeout",
    "answered",
    "refused",
    "reset",
    "empty-reply",
    "tls-error",
    "timed-out",
    "no-route",
    "node-down",
    "link-down",
    "agent-down",
];

/// Why a packet went no further.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// No route for the destination in the VRF (`Discards` in dropstats).
    NoRoute,
    /// The node is down.
    NodeDown,
    /// The link the packet would cross is cut.
    LinkDown,
    /// A new flow needs the vRouter agent, and it is down.
    AgentDown,
    /// The label names no next hop on this vRouter.
    InvalidLabel,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NoRoute => "no-route",
            DropReason::NodeDown => "node-down",
            DropReason::LinkDown => "link-down",
            DropReason::AgentDown => "agent-down",
            DropReason::InvalidLabel => "invalid-label",
        }
    }
}

/// How curl ended: its exit code and, for a failure, the message it printed.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct CurlExit {
    pub code: u8,
    pub message: Option<String>,
}

/// A timer that ran out, as the trace shows it.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Timeout {
    /// haproxy's `timeout connect`.
    Connect,
    /// haproxy's `timeout server`.
    Server,
    /// haproxy's `timeout client`.
    Client,
    /// curl's `--connect-timeout` (or its five-minute default).
    CurlConnect,
    /// curl's `--max-time`.
    CurlMax,
    /// The kernel gave up retransmitting.
    Retransmissions,
}

/// One thing a component did with a packet.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// A segment left its endpoint; `conn` and `packet` are the numbers its hops are tagged
    /// with (not in the JSON trace: its hops say them).
    Send {
        key: FlowKey,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        len: u32,
        #[serde(skip)]
        conn: u8,
        #[serde(skip)]
        packet: u16,
    },
    Receive {
        key: FlowKey,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        len: u32,
    },
    Decap {
        tunnel: Tunnel,
        label: u32,
        outer_src: Ipv4Addr,
        outer_dst: Ipv4Addr,
    },
    Encap {
        tunnel: Tunnel,
        label: u32,
        outer_src: Ipv4Addr,
        outer_dst: Ipv4Addr,
    },
    FlowCreated {
        key: FlowKey,
        action: FlowAction,
        reverse: FlowKey,
    },
    FlowHit {
        key: FlowKey,
        action: FlowAction,
    },
    Route {
        vrf: Vrf,
        prefix: Prefix,
        next_hop: NextHop,
        local_pref: u32,
    },
    Ecmp {
        hash: u32,
        chosen: u16,
        of: u16,
        to: NodeId,
        label: u32,
    },
    Nat {
        dst: bool,
        old: (Ipv4Addr, u16),
        new: (Ipv4Addr, u16),
    },
    Deliver {
        to: Component,
    },
    /// No route for the destination in this VRF (nor in the ones leaked into it).
    Miss {
        vrf: Vrf,
        dst: Ipv4Addr,
    },
    /// haproxy matched the request to a backend pool. Boxed: once per request, and the
    /// largest step, so inline it would grow every step of the trace.
    HttpRule(Box<HttpRule>),
    /// haproxy opened its own connection for the client's request.
    ProxyConnect {
        from: FlowKey,
        to: FlowKey,
        backend_conn: u8,
    },
    /// A web server answered.
    Served {
        status: u16,
    },
    /// An HTTP request left this component (curl's, or haproxy's with X-Forwarded-For).
    Http(Arc<HttpRequest>),
    /// The kernel sent this segment again: its `attempt`-th retransmission, `rto_ns` after the
    /// previous send.
    Retransmit {
        attempt: u8,
        rto_ns: u64,
    },
    /// Nothing listens (or no connection matches): the kernel answers with a reset.
    Reset,
    /// A timer ran out.
    TimedOut(Timeout),
    /// haproxy tries the server again (`retries`), after `delay_ns`.
    ProxyRetry {
        attempt: u8,
        delay_ns: u64,
    },
    /// haproxy answers the client itself (503, 502, 504).
    ProxyError {
        status: u16,
    },
    /// curl ended.
    CurlExit(CurlExit),
    /// curl opened TLS (handshake abstracted) with this server name and sent the request in it.
    TlsHello {
        sni: Option<Arc<str>>,
    },
    /// haproxy ended TLS: the certificate file its bind line picked for the server name.
    TlsTerminated {
        sni: Option<Arc<str>>,
        certificate: Arc<str>,
    },
    /// TLS reached a listener that speaks plain HTTP, or plain HTTP one that expects TLS: the
    /// listener closes without an answer.
    TlsMismatch,
    Drop(DropReason),
}

/// haproxy's choice for a request (`pool` and `server` `None`: nothing matched; 503 under
/// Contrail's semantics, 404 under the Kubernetes profile).
#[derive(Serialize, Clone, Debug, PartialEq)]
pub struct HttpRule {
    pub host: Option<Arc<str>>,
    pub path: Arc<str>,
    pub pool: Option<Arc<str>>,
    pub server: Option<(Ipv4Addr, u16)>,
    /// The Ingress rule of the chosen pool (read by `diff`; not part of the JSON trace).
    #[serde(skip)]
    pub origin: Option<Arc<RuleOrigin>>,
}

/// One hop: a component's handling of one packet. Its steps are `steps[first..first + count]`
/// of the [`TraceLog`], so recording a hop allocates nothing once the log has grown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hop {
    pub at: Time,
    pub event: EventId,
    pub cause: Option<EventId>,
    pub tag: Tag,
    pub node: NodeId,
    pub component: Component,
    pub first: u32,
    pub count: u16,
}

/// Every hop of a run, in the order they happened, and what is known of each request.
#[derive(Clone, Debug, Default)]
pub struct TraceLog {
    pub hops: Vec<Hop>,
    pub steps: Vec<Step>,
    /// Requests by id, from the first hop on.
    pub requests: FastMap<u32, RequestTrace>,
}

/// One request's record, kept as it happens so its outcome is decided once.
#[derive(Clone, Debug, Default)]
pub struct RequestTrace {
    /// Indexes of its hops in [`TraceLog::hops`], in order.
    pub hops: Vec<u32>,
    /// The first drop of any of its packets.
    pub first_drop: Option<DropReason>,
    /// Its packets sent but not yet arrived.
    pub in_flight: u32,
    /// The pod (node, slot) whose web server answered, when one did.
    pub served_by: Option<(NodeId, u32)>,
    /// curl's end, when it ended.
    pub done: Option<Outcome>,
    /// The next packet number of each of its connections.
    next_packet: Vec<u16>,
}

impl RequestTrace {
    /// Numbers a new packet of connection `conn`: packets of a connection are numbered in the
    /// order they are sent, whichever end sends them.
    pub fn number(&mut self, conn: u8) -> u16 {
        let i = usize::from(conn);
        if self.next_packet.len() <= i {
            self.next_packet.resize(i + 1, 0);
        }
        let n = self.next_packet[i];
        self.next_packet[i] = n.wrapping_add(1);
        n
    }
}

impl TraceLog {
    /// Opens a hop; steps recorded until the next `begin` belong to it.
    pub fn begin(
        &mut self,
        at: Time,
        event: EventId,
        cause: Option<EventId>,
        tag: Tag,
        node: NodeId,
        component: Component,
    ) {
        let first = u32::try_from(self.steps.len()).unwrap_or(u32::MAX);
        let index = u32::try_from(self.hops.len()).unwrap_or(u32::MAX);
        self.requests
            .entry(tag.request)
            .or_default()
            .hops
            .push(index);
        self.hops.push(Hop {
            at,
            event,
            cause,
            tag,
            node,
            component,
            first,
            count: 0,
        });
    }

    pub fn step(&mut self, step: Step) {
        if let (Step::Drop(reason), Some(h)) = (&step, self.hops.last())
            && let Some(r) = self.requests.get_mut(&h.tag.request)
        {
            r.first_drop.get_or_insert(*reason);
        }
        self.steps.push(step);
        if let Some(h) = self.hops.last_mut() {
            h.count = h.count.saturating_add(1);
        }
    }

    /// The record of a request, created on first use.
    pub fn request(&mut self, id: u32) -> &mut RequestTrace {
        self.requests.entry(id).or_default()
    }

    /// Whether a request is over: curl ended and none of its packets is still on its way.
    pub fn settled(&self, id: u32) -> bool {
        self.requests
            .get(&id)
            .is_some_and(|r| r.done.is_some() && r.in_flight == 0)
    }

    pub fn steps_of(&self, hop: &Hop) -> &[Step] {
        let start = hop.first as usize;
        self.steps
            .get(start..start + usize::from(hop.count))
            .unwrap_or(&[])
    }

    /// The hops of one request, in order.
    pub fn hops_of(&self, request: u32) -> impl Iterator<Item = &Hop> {
        self.requests
            .get(&request)
            .map_or(&[][..], |r| r.hops.as_slice())
            .iter()
            .filter_map(|&i| self.hops.get(i as usize))
    }

    /// Forgets every hop and every finished request; requests still under way keep their
    /// records (their later hops are new).
    pub fn drain(&mut self) {
        self.hops.clear();
        self.steps.clear();
        self.requests.retain(|_, r| {
            r.hops.clear();
            !(r.done.is_some() && r.in_flight == 0)
        });
    }
}

/// What curl finally got.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub at: Time,
    pub response: Option<Arc<HttpResponse>>,
    pub exit: CurlExit,
    /// How the connection ended when there was no answer.
    pub failure: Option<Failure>,
}

/// Why curl got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Refused,
    Reset,
    EmptyReply,
    /// An `https://` request whose TLS did not come up (curl's error 35).
    Tls,
    TimedOut,
}

impl RequestTrace {
    /// The request's disposition (see [`DISPOSITIONS`]); `None` while curl has not ended.
    pub fn disposition(&self) -> Option<&'static str> {
        let done = self.done.as_ref()?;
        Some(match (&done.response, done.failure) {
            (Some(_), _) if self.served_by.is_some() => "delivered",
            (Some(r), _) => match r.status {
                503 => "no-backend",
                404 => "not-found",
                502 => "bad-gateway",
                504 => "gateway-timeout",
                _ => "answered",
            },
            (None, Some(Failure::Refused)) => "refused",
            (None, Some(Failure::Reset)) => "reset",
            (None, Some(Failure::EmptyReply)) => "empty-reply",
            (None, Some(Failure::Tls)) => "tls-error",
            (None, _) => self.first_drop.map_or("timed-out", DropReason::as_str),
        })
    }
}
