//! Compact trace records, written on the event hot path without formatting; renderers turn them
//! into text or JSON afterwards.

use std::net::Ipv4Addr;

use serde::Serialize;
use std::sync::Arc;

use crate::dataplane::haproxy::config::RuleOrigin;
use crate::routing::{Prefix, Vrf};
use crate::sim::{EventId, Time};
use crate::topology::NodeId;
use crate::wire::{FlowKey, HttpResponse, TcpFlags, Tunnel};

/// Which request, which of its TCP connections, which packet of that connection.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub struct Tag {
    pub request: u32,
    /// 0: the client's connection; 1: haproxy's connection to the backend service.
    pub conn: u8,
    pub packet: u16,
}

/// The component a hop visited.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    VRouter,
    Haproxy(u16),
    Pod(u16),
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
    Composite(u8),
    /// A directly connected host.
    Connected,
}

/// Every disposition a request can end with: answered by a pod (`delivered`), by haproxy's 503
/// (`no-backend`) or 404 (`not-found`, Kubernetes profile), by something else (`answered`), or
/// dropped for a [`DropReason`].
pub const DISPOSITIONS: [&str; 9] = [
    "delivered",
    "no-backend",
    "not-found",
    "answered",
    "no-route",
    "refused",
    "node-down",
    "no-flow",
    "tls-mismatch",
];

/// Why a packet went no further.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    NoRoute,
    NoListener,
    NodeDown,
    NoFlow,
    /// TLS sent where the listener speaks plain HTTP, or plain HTTP where it expects TLS.
    TlsMismatch,
}

impl DropReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NoRoute => "no-route",
            DropReason::NoListener => "refused",
            DropReason::NodeDown => "node-down",
            DropReason::NoFlow => "no-flow",
            DropReason::TlsMismatch => "tls-mismatch",
        }
    }
}

/// One thing a component did with a packet.
#[derive(Serialize, Clone, Debug, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    Send {
        key: FlowKey,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        len: u32,
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
        chosen: u8,
        of: u8,
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
    /// curl opened TLS (handshake abstracted) with this server name and sent the request in it.
    TlsHello {
        sni: Option<Arc<str>>,
    },
    /// haproxy ended TLS: the certificate file its bind line picked for the server name.
    TlsTerminated {
        sni: Option<Arc<str>>,
        certificate: Arc<str>,
    },
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

/// Every hop of a run, in the order they happened.
#[derive(Clone, Debug, Default)]
pub struct TraceLog {
    pub hops: Vec<Hop>,
    pub steps: Vec<Step>,
    pub outcomes: Vec<Outcome>,
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
        self.steps.push(step);
        if let Some(h) = self.hops.last_mut() {
            h.count = h.count.saturating_add(1);
        }
    }

    pub fn steps_of(&self, hop: &Hop) -> &[Step] {
        let start = hop.first as usize;
        self.steps
            .get(start..start + usize::from(hop.count))
            .unwrap_or(&[])
    }

    /// The hops of one request, in order.
    pub fn hops_of(&self, request: u32) -> impl Iterator<Item = &Hop> {
        self.hops.iter().filter(move |h| h.tag.request == request)
    }
}

/// What the client finally got.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub request: u32,
    pub at: Time,
    pub response: Option<Arc<HttpResponse>>,
    /// The pod (node, slot) whose web server answered, when one did.
    pub served_by: Option<(NodeId, u16)>,
}
