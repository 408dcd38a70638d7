//! The discrete-event engine. It knows nothing of Contrail: integer time, an ordered queue whose
//! events carry their cause, and seeded per-component random streams.

pub mod hash;
pub mod queue;
pub mod rng;
pub mod time;

pub use queue::{Event, EventId, Queue, Timer};
pub use time::Time;
