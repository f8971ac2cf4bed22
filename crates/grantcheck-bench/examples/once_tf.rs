//! Checks the `.tf` files under a directory, for profiles of the HCL path.
//!
//! `once_tf DIR` runs `grantcheck::check` once (`--runs=N`: N times), for instruction counts;
//! `--parse-only` parses the same files with hcl-edit instead (the reading floor);
//! `--phases` prints best-of-30 times of the floor, the loader, analysis, rules and the check.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::path::Path;
use std::time::Instant;

use grantcheck_bench::tf_files;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .expect("a directory of .tf files");
    let mut files = vec![];
    tf_files(Path::new(dir), &mut files);
    if args.iter().any(|a| a == "--parse-only") {
        for (_, t) in &files {
            let _ = std::hint::black_box(hcl_edit::parser::parse_body(t));
        }
        return;
    }
    let sources: Vec<grantcheck::SourceFile> = files
        .into_iter()
        .enumerate()
        .map(|(i, (p, t))| grantcheck::SourceFile::new(i as u32, p, t))
        .collect();
    if args.iter().any(|a| a == "--phases") {
        phases(&sources);
        return;
    }
    let runs: usize = args
        .iter()
        .find_map(|a| a.strip_prefix("--runs="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    for _ in 0..runs {
        let r = grantcheck::check(&sources, &grantcheck::Options::default());
        std::hint::black_box(r.findings.len());
    }
}

fn best(f: &mut dyn FnMut()) -> f64 {
    (0..30)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .fold(f64::MAX, f64::min)
}

fn phases(sources: &[grantcheck::SourceFile]) {
    let floor = best(&mut || {
        for s in sources {
            let _ = std::hint::black_box(hcl_edit::parser::parse_body(&s.text));
        }
    });
    let opts = grantcheck::terraform::hcl::HclOptions::default();
    let load = best(&mut || {
        std::hint::black_box(grantcheck::terraform::hcl::load(sources, &opts));
    });
    let mut loaded = grantcheck::terraform::hcl::load(sources, &opts);
    let infra = loaded.roots.pop().map(|r| r.infra).unwrap_or_default();
    let analysis = best(&mut || {
        std::hint::black_box(grantcheck::analysis::Analysis::new(&infra, &[]));
    });
    let a = grantcheck::analysis::Analysis::new(&infra, &[]);
    let rules = best(&mut || {
        let mut out = grantcheck::rules::Findings::default();
        for r in grantcheck::rules::RULES {
            r.check(&grantcheck::rules::Context::whole(&a), &mut out);
        }
        std::hint::black_box(out.list.len());
    });
    let check = best(&mut || {
        std::hint::black_box(grantcheck::check(sources, &grantcheck::Options::default()));
    });
    println!(
        "floor {floor:.1} ms, load {load:.1}, analysis {analysis:.1}, rules {rules:.1}, check {check:.1} ms (ratio {:.2})",
        check / floor
    );
}
