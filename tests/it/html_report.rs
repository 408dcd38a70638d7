//! `run --report DIR` writes `DIR/index.html`; Debian's chromium renders it headless and the
//! views its URL fragment names are checked against the run's own JSON Lines trace.
//!
//! Needs `chromium` on `PATH` (or `$CHROMIUM`): see `.ci/chromium-deps.sh`. Without it the tests
//! fail, unless `CONTRAIL_SIM_SKIP_CHROMIUM=1` is set outside CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{TempDir, contrail_sim, scenario_path, text};

/// The chromium binary, or `None` when it is missing and skipping is allowed. Panics when it is
/// missing in CI (`CI` set) or without `CONTRAIL_SIM_SKIP_CHROMIUM=1`.
fn chromium() -> Option<PathBuf> {
    crate::support::referee("chromium", "--version")
}

/// A scenario's report and its JSON Lines trace.
struct Report {
    dir: TempDir,
    trace: Vec<Value>,
}

fn report(scenario: &str) -> Report {
    let dir = TempDir::new("html");
    let path = scenario_path(scenario).to_string_lossy().into_owned();
    let out = contrail_sim(&["run", &path, "--report", &dir.path().to_string_lossy()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = contrail_sim(&["run", &path, "--format", "jsonl"]);
    let trace = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    Report { dir, trace }
}

impl Report {
    fn page(&self) -> PathBuf {
        self.dir.path().join("index.html")
    }

    /// The run's data as the page embeds it.
    fn data(&self) -> Value {
        let html = std::fs::read_to_string(self.page()).expect("index.html");
        let start = html.find(r#"id="run-data">"#).expect("the run's data") + 14;
        let end = start + html[start..].find("</script>").expect("its end");
        serde_json::from_str(&html[start..end]).expect("the data is JSON")
    }

    /// The id of the first request of step `step` (1-based).
    fn request_of_step(&self, step: u64) -> u64 {
        self.trace
            .iter()
            .find(|r| r["type"] == "request" && r["step"] == step - 1)
            .and_then(|r| r["request"].as_u64())
            .expect("the step sent a request")
    }

    /// Every step of kind `kind` in the request's hops.
    fn steps_of(&self, request: u64, kind: &str) -> Vec<&Value> {
        self.trace
            .iter()
            .filter(|r| r["type"] == "hop" && r["request"] == request)
            .flat_map(|r| r["steps"].as_array().into_iter().flatten())
            .filter(|s| s["kind"] == kind)
            .collect()
    }
}

/// The DOM chromium builds for the page opened at `#fragment`; panics on a script error or
/// when the script did not finish rendering.
fn render(chromium: &Path, page: &Path, fragment: &str) -> String {
    let profile = TempDir::new("chromium-profile");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}#{fragment}", page.display()))
        .output()
        .expect("run chromium");
    let dom = text(&out.stdout);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        text(&out.stderr)
    );
    let root = dom
        .split('>')
        .map(str::trim_start)
        .find(|t| t.starts_with("<html"))
        .unwrap_or("");
    assert!(
        !root.contains("data-error"),
        "#{fragment}: a script error: {root}"
    );
    assert!(
        root.contains(r#"data-ready="1""#),
        "#{fragment}: the script did not finish rendering: {root}"
    );
    dom
}

/// The text of every element with `class` (exactly, among its classes) in a DOM dump.
fn texts_of(dom: &str, class: &str) -> Vec<String> {
    dom.split('<')
        .filter(|tag| {
            tag.split_once('>').is_some_and(|(attrs, _)| {
                attrs
                    .split(" class=\"")
                    .nth(1)
                    .and_then(|c| c.split('"').next())
                    .is_some_and(|c| c.split(' ').any(|w| w == class))
            })
        })
        .map(|tag| unescape(tag.split_once('>').map_or("", |(_, t)| t)))
        .collect()
}

/// The whole text inside the first element whose opening tag contains `marker`.
fn inner_text(dom: &str, marker: &str) -> String {
    let Some(start) = dom.find(marker) else {
        return String::new();
    };
    let rest = &dom[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    let mut out = String::new();
    for part in rest[..end].split('<') {
        if let Some((_, t)) = part.split_once('>') {
            out.push_str(&unescape(t));
        }
        out.push('\n');
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The address a `nat` step of the trace translated to, as the page writes it.
fn nat_text(step: &Value) -> String {
    let dir = if step["dst"] == true { "dst" } else { "src" };
    format!(
        "NAT {dir} {}:{} -> {}:{}",
        step["old"][0].as_str().unwrap_or(""),
        step["old"][1],
        step["new"][0].as_str().unwrap_or(""),
        step["new"][1]
    )
}

/// One report of the simple-fanout Ingress, opened at several views.
#[test]
fn an_ingress_page_shows_paths_headers_and_haproxys_rule() {
    let Some(chromium) = chromium() else { return };
    let report = report("ingress-simple-fanout.yaml");
    // Three views at once: each chromium takes a second or two, mostly waiting.
    std::thread::scope(|s| {
        s.spawn(|| {
            a_requests_path_shows_its_tunnels_flow_actions_and_nat_points(&chromium, &report)
        });
        s.spawn(|| {
            a_packets_headers_show_what_nat_changed_and_haproxys_x_forwarded_for(&chromium, &report)
        });
        the_haproxy_conf_marks_the_matched_rule_and_says_why_others_missed(&chromium, &report);
    });
}

fn a_requests_path_shows_its_tunnels_flow_actions_and_nat_points(chromium: &Path, report: &Report) {
    // Step 18: curl http://www.juniper.net/dev from the internet host, through an Ingress.
    let request = report.request_of_step(18);
    let dom = render(chromium, &report.page(), "step=18");
    let caption = texts_of(&dom, "caption").join(" ");
    assert!(
        caption.contains("client connection in blue")
            && caption.contains("haproxy's connection to the backend in orange"),
        "two connections in two colours: {caption}"
    );
    let nats = texts_of(&dom, "nat-label");
    let dst_nats = report.steps_of(request, "nat");
    let dst_nats: Vec<_> = dst_nats.iter().filter(|s| s["dst"] == true).collect();
    assert!(!dst_nats.is_empty(), "the request was NAT'd");
    for step in dst_nats {
        let want = nat_text(step);
        assert!(nats.iter().any(|n| n == &want), "{want} not in {nats:?}");
    }
    let legs = texts_of(&dom, "leg-label");
    let encaps = report.steps_of(request, "encap");
    let gre = encaps
        .iter()
        .find(|s| s["tunnel"] == "mpls_over_gre")
        .expect("the gateway's MPLSoGRE leg");
    let gre_label = format!("MPLSoGRE label {}", gre["label"]);
    assert!(legs.contains(&gre_label), "{gre_label} not in {legs:?}");
    let flows = texts_of(&dom, "flow");
    let created = report.steps_of(request, "flow_created");
    let first_action = created[0]["action"].as_str().unwrap_or("");
    assert!(
        flows.contains(&format!("flow {first_action}")),
        "flow {first_action} not in {flows:?}"
    );
}

fn a_packets_headers_show_what_nat_changed_and_haproxys_x_forwarded_for(
    chromium: &Path,
    report: &Report,
) {
    let data = report.data();
    let traced = &data["steps"][17]["traced"][0];
    let packets = traced["packets"].as_array().expect("packets");
    // The client's SYN and the hop that translated it.
    let (hop, nat) = packets[0]["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .enumerate()
        .find_map(|(i, h)| h["nat"].as_str().map(|n| (i, n.to_string())))
        .expect("a NAT on the first packet's path");
    let new_dst = nat.split(" -> ").nth(1).and_then(|a| a.split(':').next());
    let old_dst = nat
        .split(" -> ")
        .next()
        .and_then(|a| a.split(' ').nth(1))
        .and_then(|a| a.split(':').next());
    let dom = render(
        chromium,
        &report.page(),
        &format!("step=18&packet=0&hop={hop}"),
    );
    let detail = inner_text(&dom, r#"id="packet-detail""#);
    let changed: Vec<&str> = dom
        .split(r#"<tr class="changed" data-field="IP dst">"#)
        .skip(1)
        .collect();
    assert!(!changed.is_empty(), "no changed IP dst in {detail}");
    let row = unescape(changed[0].split("</tr>").next().unwrap_or(""));
    assert!(
        row.contains(new_dst.expect("new"))
            && row.contains(&format!("(was {})", old_dst.expect("old"))),
        "the NAT'd destination highlighted: {row}"
    );
    // Step and Back walk the event list.
    assert!(dom.contains(r#"id="back""#) && dom.contains(r#"id="forward""#));
    // haproxy's request to the backend carries X-Forwarded-For with the client's address.
    let proxied = packets
        .iter()
        .position(|p| p["conn"] == 1 && p["label"].as_str().is_some_and(|l| l.contains("GET")))
        .expect("haproxy's request");
    let dom = render(
        chromium,
        &report.page(),
        &format!("step=18&packet={proxied}&hop=0"),
    );
    let xff = texts_of(&dom, "xff");
    let client = report
        .trace
        .iter()
        .find(|r| r["type"] == "hop" && r["node"] == "cent-client")
        .and_then(|r| r["steps"][0]["key"]["src"].as_str())
        .expect("the client's address");
    assert!(
        xff.iter()
            .any(|l| l == &format!("X-Forwarded-For: {client}")),
        "X-Forwarded-For: {client} not in {xff:?}"
    );
}

fn the_haproxy_conf_marks_the_matched_rule_and_says_why_others_missed(
    chromium: &Path,
    report: &Report,
) {
    let matched = report.request_of_step(18);
    let rule = report.steps_of(matched, "http_rule")[0];
    let pool = rule["pool"].as_str().expect("a pool matched");
    let dom = render(chromium, &report.page(), "step=18");
    let marked = texts_of(&dom, "match");
    assert!(
        marked
            .iter()
            .any(|l| l.trim() == format!("use_backend {pool} if {pool}_host {pool}_path")),
        "use_backend {pool} not marked: {marked:?}"
    );
    let verdicts = inner_text(&dom, r#"class="verdicts""#);
    assert!(
        verdicts.contains("matched: haproxy takes this rule"),
        "{verdicts}"
    );
    assert!(verdicts.contains("path /dev is not /qa"), "{verdicts}");
    // www.cisco.com matches no rule: nothing marked, both rules say the Host differs.
    let missed = report.request_of_step(20);
    assert!(report.steps_of(missed, "http_rule")[0]["pool"].is_null());
    let dom = render(chromium, &report.page(), "step=20");
    assert!(texts_of(&dom, "match").is_empty(), "nothing matched");
    let verdicts = inner_text(&dom, r#"class="verdicts""#);
    assert_eq!(
        verdicts
            .matches("Host www.cisco.com is not www.juniper.net")
            .count(),
        2,
        "{verdicts}"
    );
}

#[test]
fn the_failover_view_and_the_timeline_cause_links() {
    let Some(chromium) = chromium() else { return };
    let report = report("ingress-failover.yaml");
    let data = report.data();
    let fault = data["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["kind"] == "fail")
        .and_then(|s| s["number"].as_u64())
        .expect("a fail step");
    let dom = render(&chromium, &report.page(), &format!("step={fault}"));
    // The failed compute is drawn down from the fault's step on.
    let failed = report
        .trace
        .iter()
        .find(|r| r["type"] == "step" && r["fault"]["up"] == false)
        .and_then(|r| r["fault"]["resolved"].as_str())
        .and_then(|n| n.strip_prefix("node/"))
        .expect("the failed node");
    assert!(
        dom.contains(&format!(r#"class="compute down" data-node="{failed}""#)),
        "{failed} drawn down"
    );
    assert_eq!(dom.matches(r#"class="compute down""#).count(), 1);
    let failover = inner_text(&dom, r#"id="failover""#);
    assert!(
        failover.contains("(first failure after the fault)"),
        "{failover}"
    );
    assert!(
        failover.contains("(first success after the failures)"),
        "{failover}"
    );
    // Every route the gateway changed from the fault on.
    let fault_at = data["steps"][fault as usize - 1]["at_ns"].as_u64();
    let gateway_changes: Vec<&str> = report
        .trace
        .iter()
        .filter(|r| r["type"] == "event" && r["component"] == "camaro")
        .filter(|r| r["at_ns"].as_u64() >= fault_at)
        .filter_map(|r| r["what"].as_str())
        .collect();
    assert!(!gateway_changes.is_empty(), "the gateway's route moved");
    for change in gateway_changes {
        assert!(
            failover.contains(&format!("camaro: {change}")),
            "{change} not in {failover}"
        );
    }
    // An event with a cause: its chain back to the first cause.
    let events = data["events"].as_array().expect("events");
    let caused = events
        .iter()
        .rev()
        .find(|e| e["cause"].is_u64())
        .expect("an event with a cause");
    let id = caused["id"].as_u64().expect("id");
    let step = data["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .position(|s| {
            let i = events.iter().position(|e| e["id"] == id).unwrap_or(0) as u64;
            s["first_event"].as_u64() <= Some(i) && Some(i) < s["end_event"].as_u64()
        })
        .expect("its step")
        + 1;
    let dom = render(
        &chromium,
        &report.page(),
        &format!("step={step}&event={id}"),
    );
    let why = inner_text(&dom, r#"id="why""#);
    assert!(why.contains(&format!("Why #{id} happened")), "{why}");
    let cause = caused["cause"].as_u64().expect("cause");
    assert!(
        why.contains(&format!("#{cause}")),
        "the cause #{cause} in {why}"
    );
}

/// The headers the page replays hop by hop (the send, then each NAT and tunnel) are what the
/// receiving end recorded, for every traced packet of every shipped scenario.
#[test]
fn replayed_headers_match_what_each_receiver_recorded() {
    let mut checked = 0;
    for entry in std::fs::read_dir(scenario_path("")).expect("scenarios/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        let report = report(name);
        let received: std::collections::BTreeMap<u64, &Value> = report
            .trace
            .iter()
            .filter(|r| r["type"] == "hop")
            .filter_map(|r| {
                let step = r["steps"]
                    .as_array()?
                    .iter()
                    .find(|s| s["kind"] == "receive")?;
                Some((r["event"].as_u64()?, step))
            })
            .collect();
        let data = report.data();
        for step in data["steps"].as_array().expect("steps") {
            for request in step["traced"].as_array().expect("traced") {
                for packet in request["packets"].as_array().expect("packets") {
                    let hops = packet["hops"].as_array().expect("hops");
                    let last = hops.last().expect("a hop");
                    let Some(want) = last["event"].as_u64().and_then(|e| received.get(&e)) else {
                        continue;
                    };
                    let got = &last["arrived"];
                    for (field, key) in [
                        ("src", &want["key"]["src"]),
                        ("dst", &want["key"]["dst"]),
                        ("sport", &want["key"]["sport"]),
                        ("dport", &want["key"]["dport"]),
                        ("flags", &want["flags"]),
                        ("seq", &want["seq"]),
                        ("ack", &want["ack"]),
                        ("len", &want["len"]),
                    ] {
                        assert_eq!(&got[field], key, "{name}: {field} of {packet}");
                    }
                    assert!(got["outer"].is_null(), "{name}: decapsulated on arrival");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500, "only {checked} packets checked");
}
