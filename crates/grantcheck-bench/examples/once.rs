//! Runs `grantcheck::check` on a plan (once, or `N` times, then printing the best and median
//! time), for instruction-count and sampling profiles, with the allocator the command line uses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let path = std::env::args().nth(1).expect("a plan path");
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let text = std::fs::read_to_string(path).unwrap();
    let src = grantcheck::SourceFile::new(0, "plan.json", text);
    let (mut times, mut settled) = (vec![], vec![]);
    let checker = grantcheck::Checker::new();
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let r = checker.check(std::slice::from_ref(&src), &grantcheck::Options::default());
        std::hint::black_box(r.findings.len());
        drop(r);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        // (a profile counts the freeing too)
        checker.wait();
        settled.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    settled.sort_by(f64::total_cmp);
    if runs > 1 {
        eprintln!(
            "{runs} runs: best {:.2} ms, median {:.2} ms; with the memory freed {:.2} / {:.2} ms",
            times[0],
            times[runs / 2],
            settled[0],
            settled[runs / 2]
        );
    }
}
