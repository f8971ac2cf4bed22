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

/// Frees `trash` with `free` on the pool while the caller goes on; `settle` waits until all
/// such work is done. The caller of a check has its report as soon as it is built, and a program
/// that exits once it has written the report does not wait for memory to be freed at all.
#[cfg(feature = "parallel")]
pub fn free_later<T: Send + 'static>(trash: T, free: fn(T)) {
    *lock_pending() += 1;
    rayon::spawn(move || {
        let _done = Done;
        free(trash);
    });
}

/// Frees `trash` with `free`.
#[cfg(not(feature = "parallel"))]
pub fn free_later<T>(trash: T, free: fn(T)) {
    free(trash);
}

/// How many `free_later` calls are still at work, and the signal that the count fell to nought.
#[cfg(feature = "parallel")]
static PENDING: (std::sync::Mutex<usize>, std::sync::Condvar) =
    (std::sync::Mutex::new(0), std::sync::Condvar::new());

/// Counts one `free_later` call as done when dropped, even if freeing panicked.
#[cfg(feature = "parallel")]
struct Done;

#[cfg(feature = "parallel")]
impl Drop for Done {
    fn drop(&mut self) {
        let mut n = lock_pending();
        *n = n.saturating_sub(1);
        if *n == 0 {
            PENDING.1.notify_all();
        }
    }
}

#[cfg(feature = "parallel")]
fn lock_pending() -> std::sync::MutexGuard<'static, usize> {
    // the count is changed in one step under the lock, so it holds even if a holder panicked
    PENDING
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Waits until what `free_later` was given is freed.
#[cfg(feature = "parallel")]
pub fn settle() {
    let mut n = lock_pending();
    while *n > 0 {
        if rayon::current_thread_index().is_some() {
            // a thread of the pool does pending work itself: waiting could keep the freeing
            // from ever running on a pool of one thread
            drop(n);
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::thread::yield_now();
            }
            n = lock_pending();
        } else {
            n = PENDING
                .1
                .wait(n)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

/// Waits until what `free_later` was given is freed (at once: it was freed then).
#[cfg(not(feature = "parallel"))]
pub fn settle() {}

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

#[cfg(all(test, feature = "parallel"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::atomic::{AtomicUsize, Ordering};

    const PLAN: &str = r#"{"format_version": "1.2", "resource_changes": [
        {"address": "aws_secretsmanager_secret.s", "mode": "managed",
         "type": "aws_secretsmanager_secret", "name": "s",
         "change": {"actions": ["create"], "before": null, "after": {"name": "s"}}}]}"#;

    #[test]
    fn settle_returns_once_what_is_freed_later_is_freed() {
        static FREED: AtomicUsize = AtomicUsize::new(0);
        super::free_later(vec![1u8; 1 << 20], |v| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(v);
            FREED.fetch_add(1, Ordering::SeqCst);
        });
        super::settle();
        assert_eq!(FREED.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn checks_on_a_pool_of_one_thread_do_not_wait_on_themselves() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let src = crate::SourceFile::new(0, "plan.json", PLAN);
        let options = crate::Options::default();
        pool.install(|| {
            for _ in 0..3 {
                let r = crate::check(std::slice::from_ref(&src), &options);
                assert!(!r.has_input_errors(), "{:?}", r.findings);
            }
            crate::settle();
        });
    }
}
