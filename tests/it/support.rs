//! Helpers shared by the test modules: temporary folders, the binary, the book's manifests
//! applied to a fresh world.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use contrail_sim::k8s::manifest::parse_manifests;
use contrail_sim::k8s::objects::Object;
use contrail_sim::world::{Addr, Env, Msg, World};

/// A folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("contrail-sim-it-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `text` to `name` inside the folder; returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the `contrail-sim` binary from the crate root.
pub fn contrail_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_contrail-sim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run contrail-sim")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The absolute path of a file under `scenarios/`.
pub fn scenario_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(relative)
}

/// The objects of one of the book's manifests (`scenarios/manifests/NAME`), in ns-user-1.
pub fn manifest(name: &str) -> Vec<Object> {
    let path = scenario_path(&format!("manifests/{name}"));
    let text = std::fs::read_to_string(&path).expect("read manifest");
    parse_manifests(&text, &path.to_string_lossy(), "ns-user-1")
        .unwrap_or_else(|d| panic!("{name}: {d:?}"))
}

/// Objects from inline YAML, in ns-user-1.
pub fn objects(yaml: &str) -> Vec<Object> {
    parse_manifests(yaml, "inline.yaml", "ns-user-1").unwrap_or_else(|d| panic!("{d:?}"))
}

pub const BUDGET: u64 = 1_000_000;

/// A fresh book world with the given seed and no /etc/hosts entries.
pub fn world(seed: u64) -> World {
    World::new(Env::book(seed), &[])
}

/// Sends each object to kube-apiserver as `kubectl apply` does.
pub fn apply(world: &mut World, objects: Vec<Object>) {
    for object in objects {
        world.inject(Addr::ApiServer, 0, Msg::Apply(Arc::new(object)));
    }
}

/// Applies the objects and runs the world until nothing is pending.
pub fn apply_and_converge(world: &mut World, objects: Vec<Object>) {
    apply(world, objects);
    world.run_until_idle(BUDGET).expect("converges");
}

/// A scenario valid on paper that stops at its fifth step: it curls the VIP of an Ingress it
/// deleted (line 15, column 5).
pub const CURL_TO_A_DELETED_INGRESS: &str = r#"name: deleted
steps:
  - apply:
      - apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec: {nodeName: cent222, containers: [{name: c, image: busybox}]}
      - apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: gone}
        spec: {defaultBackend: {service: {name: svc, port: {number: 80}}}}
  - wait: converged
  - delete: ingress/gone
  - wait: converged
  - curl: "http://{ingress/gone.vip}/"
    from: pod/client
"#;

/// A program the tests use as a referee (`haproxy`, `tshark`, `chromium`): `$NAME` (upper
/// case), else `name` on `PATH`, checked with `version_flag`; `None` when it is missing and
/// skipping is allowed. Panics when it is missing in CI (`CI` set) or without
/// `CONTRAIL_SIM_SKIP_NAME=1`, naming the script that installs it (`.ci/NAME-deps.sh`).
pub fn referee(name: &str, version_flag: &str) -> Option<PathBuf> {
    let upper = name.to_ascii_uppercase();
    let bin = std::env::var_os(&upper).map_or_else(|| PathBuf::from(name), PathBuf::from);
    match Command::new(&bin).arg(version_flag).output() {
        Ok(out) if out.status.success() => return Some(bin),
        Ok(out) => panic!("`{} {version_flag}` failed: {out:?}", bin.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("cannot run `{}`: {e}", bin.display()),
    }
    let in_ci = std::env::var_os("CI").is_some();
    let skip_var = format!("CONTRAIL_SIM_SKIP_{upper}");
    let skip = std::env::var_os(&skip_var).is_some_and(|v| v == "1");
    if in_ci || !skip {
        panic!(
            "{name} not found (CI={in_ci}): install it with .ci/{name}-deps.sh{}",
            if in_ci {
                String::new()
            } else {
                format!(", or set {skip_var}=1 to skip")
            }
        );
    }
    eprintln!("{name} not found: skipped ({skip_var}=1)");
    None
}
