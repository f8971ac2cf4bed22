//! Independent work spread over threads when the `parallel` feature is on (native builds), and
//! done in order on one thread otherwise (the npm package). Results keep the input's order
//! either way, so reports are the same byte for byte.

/// How many threads share the work: 1 without the `parallel` feature, else rayon's count
/// (`RAYON_NUM_THREADS`, or one per core).
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    return rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    1
}

/// Runs `f` on one of the pool's threads, the calling thread waiting for it. Work done between
/// the parallel steps then runs on a thread of the pool, not beside the pool's threads: on a
/// machine with as many cores as the pool has threads, the caller's thread would otherwise
/// share a core with a pool thread that is still looking for work, while another core idles.
#[cfg(feature = "parallel")]
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// Runs `f`.
#[cfg(not(feature = "parallel"))]
pub fn on_pool<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Maps every item, keeping the order.
#[cfg(feature = "parallel")]
pub fn map<'a, T, R, F>(items: &'a [T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&'a T) -> R + Sync + Send,
{
    use rayon::prelude::*;
    items
        .par_iter()
        .with_max_len(piece_len(items.len()))
        .map(f)
        .collect()
}

/// The most items one thread takes at a time. Left to itself rayon cuts a list into about four
/// pieces per thread, and a thread that finishes early finds nothing left to take while the
/// other works through its last piece alone; pieces of a sixteenth per thread keep both busy to
/// the end where items differ in cost.
#[cfg(feature = "parallel")]
fn piece_len(items: usize) -> usize {
    items.div_ceil(threads() * 16).max(1)
}

/// Maps every item, keeping the order.
#[cfg(not(feature = "parallel"))]
pub fn map<'a, T, R, F>(items: &'a [T], f: F) -> Vec<R>
where
    F: Fn(&'a T) -> R,
{
    items.iter().map(f).collect()
}

/// Runs both, at the same time where there are threads.
#[cfg(feature = "parallel")]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    rayon::join(a, b)
}

/// Runs both, at the same time where there are threads.
#[cfg(not(feature = "parallel"))]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    (a(), b())
}

/// Frees every item, spread over threads where there are threads: large trees of values take
/// as long to free as to build.
#[cfg(feature = "parallel")]
pub fn drop_all<T: Send>(items: Vec<T>) {
    use rayon::prelude::*;
    items.into_par_iter().for_each(drop);
}

/// Frees every item.
#[cfg(not(feature = "parallel"))]
pub fn drop_all<T>(items: Vec<T>) {
    drop(items);
}
