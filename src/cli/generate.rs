//! `contrail-sim generate`: writes a cluster of the given size as a scenario and manifests.

use std::path::Path;

use super::{EXIT_INVALID, EXIT_OK, GenerateArgs};
use crate::generate::{Cluster, File};

/// Exit 0 when the files are written; 2 when a size is out of range or a file cannot be
/// written (the message says which).
pub fn run(args: &GenerateArgs) -> i32 {
    let services = args.services;
    let cluster = Cluster {
        computes: args.computes,
        services,
        pods: args.pods.unwrap_or(services.saturating_mul(10)),
        namespaces: args.namespaces,
        isolated: args.isolated,
        ingresses: args.ingresses.unwrap_or(u32::from(services > 0)),
        seed: args.seed,
    };
    if let Err(e) = cluster.validate() {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    let files = cluster.files();
    if let Err(e) = write(&args.out, &files) {
        eprintln!("error: {e}");
        return EXIT_INVALID;
    }
    let scenario = args.out.join(crate::generate::SCENARIO_FILE);
    println!(
        "wrote {} and {} manifest files; run it with: contrail-sim run {}",
        scenario.display(),
        files.len() - 1,
        scenario.display()
    );
    EXIT_OK
}

/// Writes every file under `out`, creating the folders; files already there are replaced.
fn write(out: &Path, files: &[File]) -> Result<(), String> {
    for f in files {
        let path = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &f.text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
