//! A bounded pool for password hashing (issue 11). An argon2id hash takes about 19 MiB and a
//! core for tens of milliseconds; run without bound, twenty logins at once cost 280 MB. So at
//! most one hash per core runs at a time, on the blocking threads (never an HTTP worker); the
//! next ones wait their turn for a few seconds, and past that the caller answers "busy".

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// Every hashing slot stayed taken for the whole wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("all password hashing slots are busy")]
pub struct Busy;

/// Runs password hashes, at most `size` at once.
pub struct HashPool {
    slots: Arc<Semaphore>,
    wait: Duration,
    running: Arc<AtomicUsize>,
    high_water: Arc<AtomicUsize>,
}

impl HashPool {
    /// A pool of `size` slots (at least one) whose callers wait up to `wait` for a slot.
    pub fn new(size: usize, wait: Duration) -> HashPool {
        HashPool {
            slots: Arc::new(Semaphore::new(size.max(1))),
            wait,
            running: Arc::default(),
            high_water: Arc::default(),
        }
    }

    /// Runs `hash` on a blocking thread once a slot is free; `Busy` when none frees within the
    /// wait. The slot is held until `hash` returns, even if the caller stops waiting.
    pub async fn run<T, F>(&self, hash: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = tokio::time::timeout(self.wait, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (running, high_water) = (self.running.clone(), self.high_water.clone());
        let done = tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            high_water.fetch_max(now, Ordering::SeqCst);
            let out = hash();
            running.fetch_sub(1, Ordering::SeqCst);
            drop(slot);
            out
        })
        .await;
        match done {
            Ok(out) => Ok(out),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// The most hashes that ever ran at once (for tests and diagnostics).
    pub fn high_water(&self) -> usize {
        self.high_water.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_runs_more_than_its_size_and_turns_the_rest_away() {
        let pool = Arc::new(HashPool::new(1, Duration::from_millis(20)));
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(|| std::thread::sleep(Duration::from_millis(100)))
                        .await
                })
            })
            .collect();
        let mut ran = 0;
        let mut busy = 0;
        for job in jobs {
            match job.await.unwrap() {
                Ok(()) => ran += 1,
                Err(Busy) => busy += 1,
            }
        }
        assert_eq!(pool.high_water(), 1);
        assert!(ran >= 1 && busy >= 1, "ran {ran}, busy {busy}");
        // Once free, it works again.
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_callers_get_their_turn_within_the_wait() {
        let pool = Arc::new(HashPool::new(2, Duration::from_secs(5)));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let pool = pool.clone();
                tokio::spawn(async move {
                    pool.run(|| std::thread::sleep(Duration::from_millis(20)))
                        .await
                })
            })
            .collect();
        for job in jobs {
            assert_eq!(job.await.unwrap(), Ok(()));
        }
        assert!(pool.high_water() <= 2);
    }
}
