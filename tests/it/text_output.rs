//! The text output as a person reads it: what a wait says, a packet's first line across NAT,
//! `--trace decisions|first|all`, and the README's sample output.

use serde_json::Value;

use super::support::{TempDir, contrail_sim, scenario_path, text};

/// `contrail-sim run SCENARIO ARGS...`'s stdout; the run must pass.
fn run(scenario: &str, args: &[&str]) -> String {
    let path = scenario_path(scenario).to_string_lossy().into_owned();
    let mut all = vec!["run", path.as_str()];
    all.extend_from_slice(args);
    let out = contrail_sim(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The output of step `number` (1-based): its header line and what follows up to the next one.
fn step(output: &str, number: usize) -> String {
    let head = format!("== step {number} [");
    let start = output.find(&head).expect("the step");
    let rest = &output[start..];
    let end = rest[1..].find("\n== step ").map_or(rest.len(), |i| i + 1);
    rest[..end].to_string()
}

#[test]
fn only_wait_converged_says_converged_and_a_timed_wait_names_what_is_pending() {
    let source = std::fs::read_to_string(scenario_path("ingress-failover.yaml")).expect("read");
    let output = run("ingress-failover.yaml", &[]);
    let jsonl = run("ingress-failover.yaml", &["--format", "jsonl"]);
    let waits: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .filter(|r| r["type"] == "step" && r["pending"].is_u64())
        .collect();
    assert!(waits.len() >= 3, "the scenario waits");
    let (mut timed, mut pending_seen) = (0, false);
    for w in &waits {
        let line = w["line"].as_u64().expect("line") as usize;
        let written = source.lines().nth(line - 1).expect("the step's line");
        let printed = step(&output, w["index"].as_u64().expect("index") as usize + 1);
        let said = printed.lines().nth(1).expect("what the wait says");
        if written.contains("wait: converged") {
            assert_eq!(said, "converged: nothing pending", "{printed}");
            continue;
        }
        timed += 1;
        let span = written.split("wait:").nth(1).expect("a span").trim();
        assert!(!said.contains("converged"), "{written} says {said}");
        assert!(said.starts_with(&format!("waited {span}: ")), "{said}");
        match w["pending"].as_u64() {
            Some(0) => assert!(said.ends_with("nothing pending"), "{said}"),
            Some(n) => {
                pending_seen = true;
                assert!(
                    said.contains(&format!("{n} event(s) still pending: "))
                        && said.contains(" at "),
                    "names what is pending: {said}"
                );
            }
            None => unreachable!(),
        }
    }
    assert!(
        timed >= 2 && pending_seen,
        "timed waits with and without pending timers"
    );
    // The report's text, rendered from the finished run, says what was pending then.
    let dir = TempDir::new("waits");
    let path = scenario_path("ingress-failover.yaml")
        .to_string_lossy()
        .into_owned();
    let out = contrail_sim(&["run", &path, "--report", &dir.path().to_string_lossy()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = std::fs::read_to_string(dir.path().join("ingress-failover.txt")).expect("text");
    let said = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("waited ") || l.starts_with("converged"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(said(&report), said(&output));
}

/// The packet lines (`  [n] FLAGS ...`) of the first request of step 18 (an Ingress from the
/// internet host).
fn packet_lines(output: &str) -> Vec<String> {
    step(output, 18)
        .lines()
        .filter(|l| l.starts_with("  [") && l.contains(" > "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_packets_first_line_gives_the_sent_addresses_when_nat_changed_them() {
    let output = run("ingress-simple-fanout.yaml", &[]);
    let jsonl = run("ingress-simple-fanout.yaml", &["--format", "jsonl"]);
    let records: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let request = records
        .iter()
        .find(|r| r["type"] == "request" && r["step"] == 17)
        .and_then(|r| r["request"].as_u64())
        .expect("step 18's request");
    // The client's SYN: as curl sent it, and as haproxy received it after the vRouter's NAT.
    let key = |s: &Value| {
        format!(
            "{}:{} > {}:{}",
            s["key"]["src"].as_str().unwrap_or(""),
            s["key"]["sport"],
            s["key"]["dst"].as_str().unwrap_or(""),
            s["key"]["dport"]
        )
    };
    let hops: Vec<&Value> = records
        .iter()
        .filter(|r| r["type"] == "hop" && r["request"] == request && r["conn"] == 0)
        .collect();
    let first = |kind: &str, packet: u64| {
        hops.iter()
            .filter(|h| h["packet"] == packet)
            .flat_map(|h| h["steps"].as_array().into_iter().flatten())
            .find(|s| s["kind"] == kind)
            .map(key)
            .expect(kind)
    };
    let sent = first("send", 0);
    let received = first("receive", 0);
    assert_ne!(sent, received, "the vRouter translated the SYN");
    let lines = packet_lines(&output);
    assert!(
        lines[0].starts_with("  [0] S    ")
            && lines[0].contains(&format!("{received} (sent as {sent})")),
        "{}",
        lines[0]
    );
}

#[test]
fn trace_filters_keep_the_decisions_or_the_first_packets() {
    let all = step(&run("ingress-simple-fanout.yaml", &[]), 18);
    let first = step(
        &run("ingress-simple-fanout.yaml", &["--trace", "first"]),
        18,
    );
    let decisions = step(
        &run("ingress-simple-fanout.yaml", &["--trace", "decisions"]),
        18,
    );
    let explicit_all = step(&run("ingress-simple-fanout.yaml", &["--trace", "all"]), 18);
    assert_eq!(all, explicit_all, "all is the default");
    // first: the [0] packet of each connection, with all its lines, and no other packet.
    let numbered = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| l.starts_with("  ["))
            .map(|l| l[2..l.find(']').unwrap_or(2) + 1].to_string())
            .collect()
    };
    assert_eq!(numbered(&first), ["[0]", "[0]"], "{first}");
    let first_block = |s: &str| -> String {
        let start = s.find("  [0] ").expect("packet 0");
        let end = s[start..]
            .find("\n  [1] ")
            .into_iter()
            .chain(s[start..].find("\n  -- "))
            .min()
            .map_or(s.len(), |i| start + i + 1);
        s[start..end].to_string()
    };
    assert_eq!(first_block(&first), first_block(&all));
    // decisions: every decision line of the full trace, and nothing else of it.
    let decision_words = [
        "route ",
        "ECMP ",
        "flow created ",
        "flow hit ",
        "NAT ",
        "Host ",
        "DROP",
        "curl exits",
    ];
    let wanted: Vec<&str> = all
        .lines()
        .filter(|l| l.starts_with("        "))
        .map(|l| l.trim_start())
        .filter(|l| {
            let what = l.split_once(' ').map_or("", |(_, w)| w.trim_start());
            decision_words.iter().any(|d| what.starts_with(d))
        })
        .collect();
    let got: Vec<&str> = decisions
        .lines()
        .filter(|l| l.starts_with("  [") && !l.contains(" -- "))
        .map(|l| l[l.find(']').expect("]") + 1..].trim_start())
        .collect();
    assert!(!wanted.is_empty());
    assert_eq!(got, wanted, "{decisions}");
    assert!(
        !decisions.contains("encap ") && !decisions.contains(" -> camaro ->"),
        "no paths or encapsulations: {decisions}"
    );
}

/// Every ```console block of the README that starts with `$ contrail-sim …` is the output of
/// that command: its lines appear in order, consecutive lines consecutive, `...` skipping any.
#[test]
fn the_readmes_sample_output_comes_from_a_real_run() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks: Vec<&str> = readme
        .split("```console\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .filter(|b| b.starts_with("$ contrail-sim "))
        .collect();
    assert!(!blocks.is_empty(), "the README shows a run");
    for block in blocks {
        let (command, shown) = block.split_once('\n').expect("a command and its output");
        let args: Vec<&str> = command["$ contrail-sim ".len()..].split(' ').collect();
        let out = contrail_sim(&args);
        let output = text(&out.stdout);
        let lines: Vec<&str> = output.lines().collect();
        let mut chunks: Vec<Vec<&str>> = vec![Vec::new()];
        for line in shown.lines() {
            match (line, chunks.last_mut()) {
                ("...", _) => chunks.push(Vec::new()),
                (_, Some(chunk)) => chunk.push(line),
                (_, None) => unreachable!(),
            }
        }
        let mut at = 0;
        for want in chunks.iter().filter(|c| !c.is_empty()) {
            let chunk = want.join("\n");
            let found = (at..lines.len().saturating_sub(want.len() - 1))
                .find(|&i| lines[i..i + want.len()] == want[..])
                .unwrap_or_else(|| panic!("`{command}` does not print, after line {at}:\n{chunk}"));
            at = found + want.len();
        }
    }
}
