//! Input that is valid on paper but impossible at run time: a clear diagnostic at the step that
//! hit it and exit code 2, with the steps before it already written (output streams) and
//! nothing of the failed step; and what the real system lives with (a pool that runs out),
//! which the run goes on through.

use std::path::Path;
use std::process::Command;

use crate::support::CURL_TO_A_DELETED_INGRESS;

fn run_scenario(dir: &Path, scenario: &str) -> (i32, String, String) {
    run_with(dir, scenario, &[])
}

fn run_with(dir: &Path, scenario: &str, args: &[&str]) -> (i32, String, String) {
    let file = dir.join("scenario.yaml");
    std::fs::write(&file, scenario).expect("write scenario");
    let out = Command::new(env!("CARGO_BIN_EXE_contrail-sim"))
        .arg("run")
        .arg(&file)
        .args(args)
        .output()
        .expect("run contrail-sim");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("contrail-sim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// An exhausted pool is no input error: as in Contrail, the object gets no address, the
/// timeline and kubectl say so, and the run goes on.
#[test]
fn an_exhausted_floating_ip_pool_leaves_the_service_pending_and_the_run_goes_on() {
    let dir = temp_dir("pool");
    let services: Vec<String> = (0..255)
        .map(|i| format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: lb-{i}\nspec:\n  type: LoadBalancer\n  selector: {{app: x}}\n  ports:\n  - port: 80\n"))
        .collect();
    std::fs::write(dir.join("many.yaml"), services.join("---\n")).expect("write manifests");
    let (code, stdout, stderr) = run_scenario(
        &dir,
        "name: pool\nsteps:\n  - apply: many.yaml\n  - wait: converged\n  - show: kubectl get svc lb-254\n    expect: {contains: [\"<pending>\"]}\n  - show: kubectl get svc lb-253\n    expect: {contains: [\"101.101.101.254\"]}\n  - show: timeline\n    expect: {contains: [\"service/lb-254: FAILED: floating-IP pool default-domain:k8s-ns-user-1:vn-ns-default:pool-ns-default exhausted\"]}\n",
    );
    assert_eq!(code, 0, "stdout: {stdout}\nstderr: {stderr}");
}

#[test]
fn curl_to_an_ingress_deleted_earlier_is_an_input_error() {
    let dir = temp_dir("deleted");
    let scenario = CURL_TO_A_DELETED_INGRESS;
    let (code, stdout, stderr) = run_scenario(&dir, scenario);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(stdout.contains("\n== step 4 ["), "{stdout}");
    assert!(!stdout.contains("\n== step 5 ["), "{stdout}");
    assert!(
        stderr.contains(
            "scenario.yaml:15:5: error: {ingress/gone.vip} does not exist at this point of the run"
        ),
        "{stderr}"
    );
    // JSON Lines ends with an error record instead of the summary.
    let (code, stdout, _) = run_with(&dir, scenario, &["--format", "jsonl"]);
    assert_eq!(code, 2);
    let last: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("records")).expect("JSON");
    assert_eq!(last["type"], "error");
    assert_eq!(
        last["message"],
        "{ingress/gone.vip} does not exist at this point of the run"
    );
    assert_eq!((&last["line"], &last["column"]), (&15.into(), &5.into()));
}
