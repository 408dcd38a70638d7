//! Running the real haproxy: locating the binary (a missing one fails the test unless
//! `CONTRAIL_SIM_SKIP_HAPROXY=1` outside CI), `haproxy -c`, and a foreground instance that is
//! killed when its guard drops.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The haproxy binary (`$HAPROXY`, else `haproxy` on `PATH`), or `None` when it is missing and
/// skipping is allowed. Panics when it is missing in CI (`CI` set) or without
/// `CONTRAIL_SIM_SKIP_HAPROXY=1`.
pub fn haproxy() -> Option<PathBuf> {
    crate::support::referee("haproxy", "-v")
}

/// A fresh folder under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "contrail-sim-haproxy-{}-{n}-{tag}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `haproxy -c -f <file>` on `text` (its certificate files replaced by test ones, see
/// [`super::derive::with_local_certificates`]); `Err` holds haproxy's output.
pub fn check_config(bin: &Path, text: &str) -> Result<(), String> {
    let dir = TempDir::new("check");
    let file = dir.path().join("haproxy.conf");
    std::fs::write(&file, super::derive::with_local_certificates(text)).expect("write config");
    let out = Command::new(bin)
        .arg("-c")
        .arg("-f")
        .arg(&file)
        .output()
        .expect("run haproxy -c");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// `n` distinct ports on 127.0.0.1 that were free a moment ago. The listeners are all held
/// until every port is chosen, so the kernel cannot hand out one port twice.
pub fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"))
        .collect();
    held.iter()
        .map(|l| l.local_addr().expect("local addr").port())
        .collect()
}

/// haproxy running in the foreground (`-db`); killed and reaped on drop.
pub struct Running {
    child: Child,
    _dir: TempDir,
}

impl Running {
    /// Writes `text` to `<dir>/haproxy.conf`, starts haproxy and waits until `probe` accepts;
    /// `Err` holds haproxy's complaint when it exits first.
    pub fn start(
        bin: &Path,
        text: &str,
        dir: TempDir,
        probe: SocketAddr,
    ) -> Result<Running, String> {
        let file = dir.path().join("haproxy.conf");
        std::fs::write(&file, text).expect("write config");
        let child = Command::new(bin)
            .arg("-db")
            .arg("-f")
            .arg(&file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn haproxy");
        let mut run = Running { child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if TcpStream::connect_timeout(&probe, Duration::from_millis(200)).is_ok() {
                return Ok(run);
            }
            if let Ok(Some(status)) = run.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = run.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return Err(format!(
                    "haproxy exited ({status}) before listening on {probe}:\n{err}\n{text}"
                ));
            }
            assert!(
                Instant::now() < deadline,
                "haproxy not listening on {probe}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Whether haproxy failed only because a port chosen free was taken before it could bind
/// (another process's connection got it): worth trying again with other ports.
pub fn port_taken(complaint: &str) -> bool {
    complaint.contains("Address already in use")
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
