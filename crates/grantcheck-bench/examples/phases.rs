//! Times the phases of a check (load, analysis, each rule, report) on one plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::time::Instant;

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let path = std::env::args().nth(1).expect("a plan path");
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let text = std::fs::read_to_string(&path).unwrap();
    let src = grantcheck::SourceFile::new(0, "plan.json", text);
    for _ in 0..runs {
        let t = Instant::now();
        let mut infra = grantcheck::model::Infrastructure::default();
        grantcheck::terraform::plan::load(&src, &mut infra).unwrap();
        // as `check` does: one hint per account and provider
        infra.dedup_hints();
        let t1 = t.elapsed();
        let a = grantcheck::analysis::Analysis::new(&infra, &[]);
        let t2 = t.elapsed();
        let mut out = grantcheck::rules::Findings::default();
        let mut per = vec![];
        for r in grantcheck::rules::RULES {
            let s = Instant::now();
            r.check(&grantcheck::rules::Context::whole(&a), &mut out);
            per.push((r.meta().code, s.elapsed().as_secs_f64() * 1000.0));
        }
        let t3 = t.elapsed();
        let n = out.list.len();
        let rep = grantcheck::report::build(
            std::slice::from_ref(&src),
            out.list,
            Default::default(),
            false,
        );
        let t4 = t.elapsed();
        println!(
            "load {:?} analysis {:?} rules {:?} report {:?} findings {} resources {}",
            t1,
            t2 - t1,
            t3 - t2,
            t4 - t3,
            n,
            infra.resources.len()
        );
        per.retain(|p| p.1 > 0.5);
        println!("  rules over 0.5 ms: {per:?}");
        std::hint::black_box(rep);
        let t = Instant::now();
        let full = grantcheck::check(std::slice::from_ref(&src), &grantcheck::Options::default());
        println!(
            "  check() {:?}, {} findings",
            t.elapsed(),
            full.findings.len()
        );
    }
}
