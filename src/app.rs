//! The application's shared state: what every request handler and background job can reach.
//! Built by `startup`, read by `web` (handlers) and the jobs; it depends on neither.

use crate::config::Settings;
use crate::db::DbPool;
use crate::services::hashing::HashPool;
use crate::services::Ctx;

pub struct AppState {
    pub pool: DbPool,
    pub settings: Settings,
    /// Base URL, secret key, Message-ID domain and programme cache, as the services take them.
    pub ctx: Ctx,
    /// Where password hashes run (bounded: see `services::hashing`).
    pub hashing: HashPool,
}
