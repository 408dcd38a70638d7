//! The book's configs rendered and compared byte for byte with `tests/golden/haproxy/*.conf`.
//! `BLESS=1` rewrites the files instead; review every changed line before committing.

use std::path::PathBuf;

use contrail_sim::dataplane::haproxy::render::render;

use super::book;

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/haproxy")
        .join(format!("{name}.conf"))
}

pub(super) fn check_golden(name: &str, actual: &str) {
    let path = golden_path(name);
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with BLESS=1 to create it)", path.display()));
    if expected == actual {
        return;
    }
    let line = expected
        .split_inclusive('\n')
        .zip(actual.split_inclusive('\n'))
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    let nth = |s: &str| s.split_inclusive('\n').nth(line).map(|l| format!("{l:?}"));
    panic!(
        "{} differs at line {}:\n  expected {}\n  actual   {}\n(BLESS=1 rewrites it; review the diff)",
        path.display(),
        line + 1,
        nth(&expected).unwrap_or_else(|| "end of file".into()),
        nth(actual).unwrap_or_else(|| "end of file".into()),
    );
}

#[test]
fn golden_book_configs() {
    for (name, cfg) in book::all() {
        check_golden(name, &render(&cfg));
    }
}
