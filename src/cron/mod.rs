//! Cron: the job model ([`job`]), parameter normalisation ([`normalize`]), schedule
//! arithmetic ([`schedule`]), running one job ([`execute`]) and the SSRF-guarded webhook
//! delivery ([`webhook`]). The `Scheduler` actor (`actors/scheduler.rs`) owns the job table
//! and the timer; jobs and the run log live in SQLite (`storage/cron.rs`).

pub mod cluster;
pub mod command;
pub mod execute;
pub mod job;
pub mod lifecycle;
pub mod normalize;
pub mod schedule;
pub mod webhook;

pub use job::{CronJob, Delivery, JobState, Payload, Schedule};
