//! What the benchmark binary and its profiling examples share.

use std::path::Path;

/// The `.tf` files below `dir` as (path, text), in path order; unreadable ones are skipped.
pub fn tf_files(dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            tf_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf")
            && let Ok(text) = std::fs::read_to_string(&p)
        {
            out.push((p.to_string_lossy().to_string(), text));
        }
    }
}
