//! Local stand-ins for the backends (one echo server per pool, answering
//! `HTTP/1.0 200 OK` with `backend <pool-uuid>`) and a raw HTTP client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use contrail_sim::dataplane::haproxy::kubernetes::HTTP_404_BODY;
use contrail_sim::dataplane::haproxy::rules::HTTP_503_BODY;

const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// An HTTP/1.0 server on 127.0.0.1 naming its backend; stopped and joined on drop.
pub struct EchoServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EchoServer {
    pub fn start(name: &str) -> EchoServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind echo server");
        let addr = listener.local_addr().expect("echo addr");
        let stop = Arc::new(AtomicBool::new(false));
        let body = format!("backend {name}\n");
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(conn) = conn {
                    let _ = answer(conn, &body);
                }
            }
        });
        EchoServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

fn answer(mut conn: TcpStream, body: &str) -> std::io::Result<()> {
    conn.set_read_timeout(Some(IO_TIMEOUT))?;
    conn.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes())?;
    conn.write_all(body.as_bytes())
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What came back for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// An echo server answered: the pool uuid it stands for.
    Backend(String),
    /// haproxy's own 503 page.
    Unavailable,
    /// haproxy's own 404 page (the Kubernetes profile's `not_found` backend).
    NotFound,
    /// Anything else, verbatim.
    Other(String),
}

/// The raw response to `request` sent on a fresh connection (read until the peer closes).
pub fn exchange(addr: SocketAddr, request: &str) -> String {
    let mut conn = TcpStream::connect_timeout(&addr, IO_TIMEOUT).expect("connect to haproxy");
    conn.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
    conn.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
    conn.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("reading the answer to {request:?}: {e}"));
    String::from_utf8_lossy(&raw).into_owned()
}

/// Classifies a raw response. A 503 or 404 counts as haproxy's page only with the exact body.
pub fn classify(raw: &str) -> Answer {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let status = head.lines().next().unwrap_or("");
    if status == "HTTP/1.0 200 OK"
        && let Some(name) = body
            .strip_prefix("backend ")
            .and_then(|b| b.strip_suffix('\n'))
    {
        return Answer::Backend(name.to_owned());
    }
    let is_503 = matches!(
        status,
        "HTTP/1.0 503 Service Unavailable" | "HTTP/1.1 503 Service Unavailable"
    );
    if is_503 && body == HTTP_503_BODY {
        return Answer::Unavailable;
    }
    if status == "HTTP/1.1 404 Not Found" && body == HTTP_404_BODY {
        return Answer::NotFound;
    }
    Answer::Other(raw.to_owned())
}
