//! The page's data: what the script renders, serialized as one JSON document. Field names are
//! the script's; everything is already in words or numbers, so the script only lays it out.

use serde::Serialize;

/// The whole run.
#[derive(Serialize, Default)]
pub struct Page {
    pub scenario: String,
    pub description: Option<String>,
    pub seed: u64,
    pub semantics: &'static str,
    pub testbed: Testbed,
    pub steps: Vec<StepView>,
    /// Every request of the run, in the order they settled.
    pub requests: Vec<RequestSummary>,
    /// Every control-plane note, in order; a step holds a range of them.
    pub events: Vec<EventView>,
    /// The route tables as their owners print them, each distinct text once.
    pub tables: Vec<String>,
    /// The names of the note kinds (`EventView::kind` indexes it).
    pub kinds: Vec<&'static str>,
}

/// The testbed as the book draws it (Figure 3).
#[derive(Serialize, Default)]
pub struct Testbed {
    pub host: Machine,
    pub gateway: Machine,
    pub control: Machine,
    pub computes: Vec<ComputeView>,
}

#[derive(Serialize, Default)]
pub struct Machine {
    pub name: String,
    pub address: String,
    pub role: String,
}

/// A compute with every pod and haproxy it held at any step.
#[derive(Serialize)]
pub struct ComputeView {
    pub name: String,
    pub address: String,
    pub pods: Vec<Labelled>,
    pub haproxies: Vec<Labelled>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub struct Labelled {
    pub name: String,
    pub detail: String,
}

/// One step: its text as `run` prints it, its requests, its notes and the tables at its end.
#[derive(Serialize)]
pub struct StepView {
    /// 1-based, as the text output numbers steps.
    pub number: usize,
    pub origin: String,
    pub title: String,
    pub kind: &'static str,
    pub at_ns: u64,
    pub until_ns: u64,
    pub text: String,
    /// Requests traced packet by packet (indexes into `Page::requests` are `RequestView::id`).
    pub traced: Vec<RequestView>,
    pub request_count: usize,
    /// `Page::events[first_event..end_event]`.
    pub first_event: usize,
    pub end_event: usize,
    /// `Page::tables` indexes: the gateway's `show route table k8s-test` and the control
    /// node's table at the end of the step.
    pub gateway_routes: usize,
    pub control_routes: usize,
    pub failures: Vec<String>,
    /// `fail` (false) or `recover` (true).
    pub fault_up: Option<bool>,
    /// The pods and haproxies running at the end of the step, as hops name them
    /// (`cent222/client`, `cent222/haproxy`), and the computes that are down.
    pub present: Vec<String>,
    pub down: Vec<String>,
}

/// A request as one line.
#[derive(Serialize)]
pub struct RequestSummary {
    pub id: u32,
    pub step: usize,
    pub curl: String,
    pub from: String,
    pub at_ns: u64,
    pub end_ns: u64,
    pub status: Option<u16>,
    pub disposition: &'static str,
    pub served_by: Option<String>,
    /// The compute of the pod that answered.
    pub server_node: Option<String>,
    /// `cent222/haproxy` when it went through one.
    pub haproxy: Option<String>,
    /// Segments sent again by a kernel, and haproxy's new attempts at a server.
    pub retransmissions: usize,
    pub proxy_retries: usize,
}

/// A request with every packet.
#[derive(Serialize)]
pub struct RequestView {
    pub id: u32,
    pub curl: String,
    pub from: String,
    pub outcome: String,
    /// Titles of the TCP connections, by `PacketView::conn`.
    pub conns: Vec<String>,
    /// Every packet of every connection, in the order they were sent.
    pub packets: Vec<PacketView>,
    /// haproxy's decision, when the request met one.
    pub rule: Option<RuleView>,
}

/// One packet: where it was sent and every hop it made.
#[derive(Serialize)]
pub struct PacketView {
    pub conn: u8,
    pub number: u16,
    /// The packet in one line: flags and, for a request, its request line.
    pub label: String,
    /// The first hop is the sender (`arrived` empty); the last the receiver (`left` empty).
    pub hops: Vec<HopView>,
}

/// One component's handling of the packet.
#[derive(Serialize)]
pub struct HopView {
    pub at_ns: u64,
    pub event: Option<u64>,
    pub cause: Option<u64>,
    /// `camaro`, `cent222/vrouter`, `cent222/haproxy`, `cent333/webserver-1-…`.
    pub who: String,
    pub node: String,
    /// `host`, `gateway`, `vrouter`, `haproxy` or `pod`.
    pub role: &'static str,
    pub arrived: Option<Headers>,
    pub left: Option<Headers>,
    /// What the component decided, in words.
    pub decisions: Vec<String>,
    /// The vRouter's flow action (`F`, `N(D)`, …).
    pub action: Option<&'static str>,
    /// `dst 101.101.101.1:80 -> 10.47.255.251:80` when it translated the packet.
    pub nat: Option<String>,
    /// The tunnel the packet left in: `MPLSoGRE label 32`.
    pub tunnel: Option<String>,
    /// Why the packet went no further.
    pub dropped: Option<String>,
}

/// A packet's headers at one point, outermost first.
#[derive(Serialize, Clone, PartialEq, Default)]
pub struct Headers {
    pub outer: Option<Outer>,
    pub src: String,
    pub sport: u16,
    pub dst: String,
    pub dport: u16,
    pub flags: String,
    pub seq: u32,
    pub ack: u32,
    pub len: u32,
    /// The HTTP head it carries: the request line or status line, then the headers.
    pub http: Vec<String>,
}

/// The tunnel around a packet between two vRouters or a vRouter and the gateway.
#[derive(Serialize, Clone, PartialEq)]
pub struct Outer {
    pub tunnel: String,
    pub src: String,
    pub dst: String,
    /// The UDP header of MPLSoUDP: `sport -> 6635`.
    pub udp: Option<String>,
    pub label: u32,
}

/// haproxy.conf with the rule lines marked.
#[derive(Serialize)]
pub struct RuleView {
    pub haproxy: String,
    pub host: Option<String>,
    pub path: String,
    pub lines: Vec<ConfLine>,
    /// Each rule of the frontend and why it did or did not take the request.
    pub verdicts: Vec<Verdict>,
}

#[derive(Serialize)]
pub struct ConfLine {
    pub text: String,
    /// `match`, `miss` or empty.
    pub mark: &'static str,
}

#[derive(Serialize)]
pub struct Verdict {
    pub rule: String,
    pub matched: bool,
    pub why: String,
}

/// A control-plane note.
#[derive(Serialize)]
pub struct EventView {
    pub id: u64,
    pub cause: Option<u64>,
    pub at_ns: u64,
    pub who: String,
    pub what: String,
    pub kind: usize,
    /// It takes something away (a route withdrawn, a process stopped).
    pub removes: bool,
}
