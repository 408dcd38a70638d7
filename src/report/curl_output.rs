//! What curl 7.x prints for a request, as the scenario's options ask: with `-v` its `*`, `>` and
//! `<` lines (in curl's format: a blank `> ` and `< ` line after each head, `(#0)` after the
//! connection, the close or keep-alive note at the end), with `-i` the response head before the
//! body, then the body; or curl's error when no response came.
//!
//! TLS is abstracted: `-v` says which server name curl offered and which certificate haproxy
//! presented (from the trace), not the handshake's records.

use std::fmt::Write;

use crate::dataplane::endpoint::build_request;
use crate::scenario::curl::sni;
use crate::scenario::model::{Scheme, UrlHost};
use crate::scenario::run::CurlResult;
use crate::trace::Step;
use crate::wire::HttpResponse;
use crate::world::World;

/// Writes curl's output for `r`.
pub fn render(world: &World, r: &CurlResult, out: &mut String) {
    let verbose = r.request.verbose;
    if verbose {
        verbose_request(world, r, out);
    }
    let Some(resp) = &r.response else {
        let _ = writeln!(out, "{}", error(r));
        return;
    };
    if verbose {
        if resp.version == "HTTP/1.0" {
            out.push_str("* HTTP 1.0, assume close after body\n");
        }
        head(resp, "< ", out);
        out.push_str("< \n");
    }
    if r.request.include {
        head(resp, "", out);
        out.push('\n');
    }
    for line in resp.body.lines().filter(|l| !decoration(l)) {
        let _ = writeln!(out, "{line}");
    }
    if verbose {
        let closes = resp.version == "HTTP/1.0"
            || resp
                .headers
                .iter()
                .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v == "close");
        if closes {
            out.push_str("* Closing connection 0\n");
        } else {
            let _ = writeln!(out, "* Connection #0 to host {} left intact", url_host(r));
        }
    }
}

/// The host curl names in its `*` lines: the URL's (a placeholder is its address).
fn url_host(r: &CurlResult) -> String {
    match &r.request.url.host {
        UrlHost::Ip(ip) => ip.to_string(),
        UrlHost::Name(n) => n.clone(),
        UrlHost::Placeholder(_) => r.destination.to_string(),
    }
}

fn verbose_request(world: &World, r: &CurlResult, out: &mut String) {
    let _ = writeln!(out, "*   Trying {}:{}...", r.destination, r.port);
    let _ = writeln!(
        out,
        "* Connected to {} ({}) port {} (#0)",
        url_host(r),
        r.destination,
        r.port
    );
    if r.request.url.scheme == Scheme::Https {
        let _ = writeln!(
            out,
            "* TLS handshake, server name {} (abstracted by the simulator)",
            sni(&r.request.url).unwrap_or("(none)")
        );
        if let Some(cn) = presented_certificate(world, r.request_id) {
            let _ = writeln!(out, "* Server certificate:\n*  subject: CN={cn}");
        }
    }
    let req = build_request(&r.job());
    let _ = writeln!(out, "> {} {} {}", req.method, req.target, req.version);
    for (n, v) in &req.headers {
        let _ = writeln!(out, "> {n}: {v}");
    }
    out.push_str("> \n");
}

/// The common name of the certificate haproxy presented for the request, from its file name.
fn presented_certificate(world: &World, request: u32) -> Option<String> {
    world
        .trace
        .hops_of(request)
        .flat_map(|h| world.trace.steps_of(h))
        .find_map(|s| match s {
            Step::TlsTerminated { certificate, .. } => certificate
                .rsplit('/')
                .next()
                .and_then(|f| f.strip_suffix(".pem"))
                .map(str::to_string),
            _ => None,
        })
}

/// The status line and headers, each line prefixed.
fn head(resp: &HttpResponse, prefix: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "{prefix}{} {} {}",
        resp.version, resp.status, resp.reason
    );
    for (n, v) in &resp.headers {
        let _ = writeln!(out, "{prefix}{n}: {v}");
    }
}

/// curl's message when no response came: its exit code and error.
fn error(r: &CurlResult) -> String {
    format!(
        "curl: ({}) {}",
        r.exit.code,
        r.exit.message.as_deref().unwrap_or("")
    )
}

/// Body lines that only decorate the page (styles, images) are left out of the text view.
fn decoration(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("<style")
        || t.starts_with("</style")
        || t.starts_with("h1")
        || t.starts_with("h3 ")
        || t.starts_with("<img")
}
