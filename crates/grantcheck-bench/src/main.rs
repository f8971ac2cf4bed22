//! `grantcheck-bench`: measures grantcheck on workloads made by `shared/bench/gen_workload.py`,
//! next to the floor any tool pays to read the same input (serde_json into `IgnoredAny` for a
//! plan, hcl-edit parsing for .tf files), plus peak memory, and the npm package in Node.
//!
//! Usage: `cargo run --release -p grantcheck-bench -- [--sizes 100,1000,10000] [--json]`
//! Ratios, not absolute times, are what the targets are about; run on an idle machine.

use std::path::{Path, PathBuf};

use std::process::Command;
use std::time::{Duration, Instant};

use grantcheck_bench::tf_files;
use serde::Serialize;

/// The allocator the `grantcheck` command line uses, so that the figures are the ones users get.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Serialize, Default)]
struct SizeResult {
    secrets: usize,
    filler: usize,
    plan_bytes: u64,
    plan_parse_floor_ms: f64,
    plan_check_ms: f64,
    plan_ratio: f64,
    /// Until the check's memory is freed too: the report is returned first, and what is no
    /// longer needed is freed after, beside the caller's work.
    plan_check_settled_ms: f64,
    plan_peak_rss_bytes: Option<u64>,
    plan_rss_ratio: Option<f64>,
    hcl_files: Option<usize>,
    hcl_parse_floor_ms: Option<f64>,
    hcl_check_ms: Option<f64>,
    hcl_ratio: Option<f64>,
    wasm_node_ms: Option<f64>,
    wasm_ratio: Option<f64>,
    /// The same plan where the other resources already exist (their ARNs in `prior_state`)
    /// and the provider names no `allowed_account_ids`: owners are learnt from those ARNs.
    existing_plan_bytes: u64,
    existing_parse_floor_ms: f64,
    existing_check_ms: f64,
    existing_ratio: f64,
}

#[derive(Serialize)]
struct Summary {
    sizes: Vec<SizeResult>,
    /// time(largest) / time(smallest) divided by size(largest) / size(smallest); 1.0 is linear.
    plan_scaling: Option<f64>,
    /// From each size to the next: how many times the plan grew, and the check's time.
    plan_steps: Vec<Step>,
}

#[derive(Serialize)]
struct Step {
    from_bytes: u64,
    to_bytes: u64,
    size_factor: f64,
    time_factor: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--measure-rss") {
        measure_rss(args.get(1).map(String::as_str).unwrap_or(""));
        return;
    }
    let mut sizes = vec![100usize, 1000, 10000];
    let mut json = false;
    let mut shards = 10usize;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--sizes" => {
                i += 1;
                sizes = args
                    .get(i)
                    .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
                    .unwrap_or_default();
            }
            "--shards" => {
                i += 1;
                shards = args.get(i).and_then(|s| s.parse().ok()).unwrap_or(10);
            }
            "--json" => json = true,
            "-h" | "--help" => {
                println!("grantcheck-bench [--sizes 100,1000,10000] [--shards N] [--json]");
                return;
            }
            other => {
                eprintln!("grantcheck-bench: unknown argument {other}");
                std::process::exit(2);
            }
        }
        i += 1;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let generator = root.join("../shared/bench/gen_workload.py");
    if !generator.exists() {
        eprintln!(
            "grantcheck-bench: {} not found; the benchmark needs ../shared beside the repository",
            generator.display()
        );
        std::process::exit(2);
    }
    let mut results = vec![];
    for &n in &sizes {
        let dir = std::env::temp_dir().join(format!("grantcheck-bench-{n}-{shards}"));
        generate(&generator, n, n * 5, shards, &dir);
        let r = bench_size(&root, n, &dir);
        if !json {
            print_row(&r);
        }
        results.push(r);
    }
    let plan_scaling = match (results.first(), results.last()) {
        (Some(a), Some(b)) if results.len() > 1 && a.plan_check_ms > 0.0 => {
            Some((b.plan_check_ms / a.plan_check_ms) / (b.plan_bytes as f64 / a.plan_bytes as f64))
        }
        _ => None,
    };
    let plan_steps: Vec<Step> = results
        .windows(2)
        .filter(|w| w[0].plan_check_ms > 0.0 && w[0].plan_bytes > 0)
        .map(|w| Step {
            from_bytes: w[0].plan_bytes,
            to_bytes: w[1].plan_bytes,
            size_factor: w[1].plan_bytes as f64 / w[0].plan_bytes as f64,
            time_factor: w[1].plan_check_ms / w[0].plan_check_ms,
        })
        .collect();
    let summary = Summary {
        sizes: results,
        plan_scaling,
        plan_steps,
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        );
    } else {
        for st in &summary.plan_steps {
            println!(
                "plan {:.1} MB -> {:.1} MB: {:.1}× the size, {:.1}× the check's time",
                st.from_bytes as f64 / 1e6,
                st.to_bytes as f64 / 1e6,
                st.size_factor,
                st.time_factor
            );
        }
        if let Some(s) = summary.plan_scaling {
            println!("plan time scaling vs size, smallest to largest (1.0 = linear): {s:.2}");
        }
    }
}

fn generate(generator: &Path, secrets: usize, filler: usize, shards: usize, dir: &Path) {
    if dir.join("plan.json").exists() {
        return;
    }
    let status = Command::new("python3")
        .arg(generator)
        .args([
            "--secrets",
            &secrets.to_string(),
            "--filler",
            &filler.to_string(),
        ])
        .args(["--shards", &shards.to_string(), "--seed", "7", "--out"])
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .status();
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("grantcheck-bench: gen_workload.py failed for {secrets} secrets");
        std::process::exit(2);
    }
}

/// Best times of a floor and of grantcheck's check, run in turns (at least 3 times each, at most
/// 60 or ~4 s of work): a machine whose speed drifts slows both alike, so their ratio holds.
struct Best {
    floor: Duration,
    /// Until the check returns its report.
    check: Duration,
    /// Until the memory the check no longer needs is freed as well (`Checker::wait`).
    settled: Duration,
}

fn best_of_both<F: FnMut(), G: FnMut()>(
    checker: &grantcheck::Checker,
    mut floor: F,
    mut check: G,
) -> Best {
    let mut best = Best {
        floor: Duration::MAX,
        check: Duration::MAX,
        settled: Duration::MAX,
    };
    let start = Instant::now();
    let mut runs = 0;
    while runs < 3 || (runs < 60 && start.elapsed() < Duration::from_secs(4)) {
        let t = Instant::now();
        floor();
        best.floor = best.floor.min(t.elapsed());
        let t = Instant::now();
        check();
        best.check = best.check.min(t.elapsed());
        // the floor never runs beside the freeing of the check before it
        checker.wait();
        best.settled = best.settled.min(t.elapsed());
        runs += 1;
    }
    best
}

/// The floor (serde_json into `IgnoredAny`) and grantcheck's check of one plan, in turns.
fn plan_floor_and_check(text: &str) -> Best {
    let sources = [grantcheck::SourceFile::new(0, "plan.json", text)];
    let options = grantcheck::Options::default();
    let checker = grantcheck::Checker::new();
    best_of_both(
        &checker,
        || {
            let _: Result<serde::de::IgnoredAny, _> = serde_json::from_str(text);
        },
        || {
            std::hint::black_box(checker.check(&sources, &options));
        },
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn bench_size(root: &Path, secrets: usize, dir: &Path) -> SizeResult {
    let plan_path = dir.join("plan.json");
    let text = std::fs::read_to_string(&plan_path).unwrap_or_default();
    let Best {
        floor,
        check,
        settled,
    } = plan_floor_and_check(&text);
    let rss = child_rss(&plan_path);
    let mut r = SizeResult {
        secrets,
        filler: secrets * 5,
        plan_bytes: text.len() as u64,
        plan_parse_floor_ms: ms(floor),
        plan_check_ms: ms(check),
        plan_ratio: ms(check) / ms(floor),
        plan_check_settled_ms: ms(settled),
        plan_peak_rss_bytes: rss,
        plan_rss_ratio: rss.map(|b| b as f64 / text.len() as f64),
        ..SizeResult::default()
    };
    bench_existing(&text, &mut r);
    bench_hcl(dir, &mut r);
    bench_wasm(root, &plan_path, &mut r);
    r
}

/// The plan with its resources of other types already existing: each has an ARN in
/// `prior_state`, and the provider's `allowed_account_ids` are gone, so that every secret's
/// owner is learnt from those ARNs (work that grows with both, if done carelessly).
fn existing_variant(text: &str) -> Option<String> {
    use serde_json::{Value, json};
    let mut plan: Value = serde_json::from_str(text).ok()?;
    let mut prior = vec![];
    for (i, rc) in plan["resource_changes"].as_array()?.iter().enumerate() {
        let rtype = rc["type"].as_str().unwrap_or("");
        if rtype.starts_with("aws_secretsmanager") || rtype.starts_with("aws_kms") {
            continue;
        }
        prior.push(json!({
            "address": format!("aws_instance.existing_{i}"),
            "mode": "managed",
            "type": "aws_instance",
            "name": format!("existing_{i}"),
            "values": {"arn": format!("arn:aws:ec2:eu-west-1:111122223333:instance/i-{i:08x}")},
            "sensitive_values": {},
        }));
    }
    plan["prior_state"] =
        json!({"format_version": "1.0", "values": {"root_module": {"resources": prior}}});
    for (_, p) in plan["configuration"]["provider_config"]
        .as_object_mut()?
        .iter_mut()
    {
        if let Some(e) = p["expressions"].as_object_mut() {
            e.remove("allowed_account_ids");
        }
    }
    serde_json::to_string(&plan).ok()
}

fn bench_existing(text: &str, r: &mut SizeResult) {
    let Some(variant) = existing_variant(text) else {
        eprintln!("grantcheck-bench: the existing-resources variant could not be made");
        return;
    };
    let Best { floor, check, .. } = plan_floor_and_check(&variant);
    r.existing_plan_bytes = variant.len() as u64;
    r.existing_parse_floor_ms = ms(floor);
    r.existing_check_ms = ms(check);
    r.existing_ratio = ms(check) / ms(floor);
}

fn bench_hcl(dir: &Path, r: &mut SizeResult) {
    let mut files = vec![];
    tf_files(&dir.join("tf"), &mut files);
    let sources: Vec<grantcheck::SourceFile> = files
        .iter()
        .enumerate()
        .map(|(i, (p, t))| grantcheck::SourceFile::new(i as u32, p.clone(), t.clone()))
        .collect();
    let options = grantcheck::Options::default();
    let probe = grantcheck::check(&sources, &options);
    if probe.has_input_errors() {
        eprintln!(
            "grantcheck-bench: .tf input not measured: {}",
            probe
                .findings
                .iter()
                .find(|f| f.rule == grantcheck::RuleCode::GC002)
                .map(|f| f.message.as_str())
                .unwrap_or("")
        );
        return;
    }
    let checker = grantcheck::Checker::new();
    let Best { floor, check, .. } = best_of_both(
        &checker,
        || {
            for (_, t) in &files {
                let _ = std::hint::black_box(hcl_edit::parser::parse_body(t));
            }
        },
        || {
            std::hint::black_box(checker.check(&sources, &options));
        },
    );
    r.hcl_files = Some(files.len());
    r.hcl_parse_floor_ms = Some(ms(floor));
    r.hcl_check_ms = Some(ms(check));
    r.hcl_ratio = Some(ms(check) / ms(floor));
}

/// Runs the npm package's check on the plan in Node, when the package is built.
fn bench_wasm(root: &Path, plan: &Path, r: &mut SizeResult) {
    let entry = root.join("pkg/index.js");
    if !entry.exists() || !root.join("pkg/dist").exists() {
        eprintln!(
            "grantcheck-bench: npm package not built (cd pkg && npm run build); wasm not measured"
        );
        return;
    }
    let script = format!(
        "import {{ check }} from {entry:?}; import {{ readFileSync }} from 'node:fs';\
         const text = readFileSync({plan:?}, 'utf8'); let best = Infinity;\
         const start = performance.now(); for (let i = 0; i < 3 || (i < 60 && performance.now() - start < 2000); i++) {{ const t = performance.now(); check([{{path: 'plan.json', text}}], {{}}); best = Math.min(best, performance.now() - t); }}\
         console.log(best);",
        entry = entry.to_string_lossy(),
        plan = plan.to_string_lossy()
    );
    let out = Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .output();
    match out {
        Ok(o) if o.status.success() => {
            if let Ok(v) = String::from_utf8_lossy(&o.stdout).trim().parse::<f64>() {
                r.wasm_node_ms = Some(v);
                r.wasm_ratio = Some(v / r.plan_check_ms);
            }
        }
        Ok(o) => eprintln!(
            "grantcheck-bench: node failed: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .next()
                .unwrap_or("")
        ),
        Err(e) => eprintln!("grantcheck-bench: node not found: {e}"),
    }
}

/// Peak resident memory of a child process that reads the plan and checks it once.
fn child_rss(plan: &Path) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .arg("--measure-rss")
        .arg(plan)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn measure_rss(path: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let sources = [grantcheck::SourceFile::new(0, path, text)];
    let r = grantcheck::check(&sources, &grantcheck::Options::default());
    std::hint::black_box(r);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    println!("{}", kb * 1024);
}

fn print_row(r: &SizeResult) {
    println!(
        "{:>6} secrets  plan {:>6.1} MB: parse floor {:>8.1} ms, check {:>8.1} ms, ratio {:.2} ({:.1} ms with its memory freed), peak RSS {} ({}× plan)",
        r.secrets,
        r.plan_bytes as f64 / 1e6,
        r.plan_parse_floor_ms,
        r.plan_check_ms,
        r.plan_ratio,
        r.plan_check_settled_ms,
        r.plan_peak_rss_bytes
            .map(|b| format!("{:.1} MB", b as f64 / 1e6))
            .unwrap_or_else(|| "?".into()),
        r.plan_rss_ratio
            .map(|x| format!("{x:.2}"))
            .unwrap_or_else(|| "?".into()),
    );
    if r.existing_plan_bytes > 0 {
        println!(
            "        with its other resources existing ({:.1} MB): parse floor {:.1} ms, check {:.1} ms, ratio {:.2}",
            r.existing_plan_bytes as f64 / 1e6,
            r.existing_parse_floor_ms,
            r.existing_check_ms,
            r.existing_ratio
        );
    }
    if let (Some(n), Some(f), Some(c), Some(x)) = (
        r.hcl_files,
        r.hcl_parse_floor_ms,
        r.hcl_check_ms,
        r.hcl_ratio,
    ) {
        println!("        .tf: {n} files, parse floor {f:.1} ms, check {c:.1} ms, ratio {x:.2}");
    }
    if let (Some(w), Some(x)) = (r.wasm_node_ms, r.wasm_ratio) {
        println!("        wasm in Node: {w:.1} ms, {x:.2}× native");
    }
}
