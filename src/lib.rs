//! handoff: a terminal inbox for live-agent handoff. See design.md for the architecture:
//! `domain` is the common language, `platform` the adapters, `sandbox` the stand-in server,
//! `config` the accounts and keys, `cli` the headless commands, `present` what the inbox and
//! the commands say alike (times, statuses, authors, text widths), `fs` the private state
//! directory.

pub mod app;
pub mod boot;
pub mod cli;
pub mod config;
pub mod domain;
pub mod editor;
pub mod fs;
pub mod logging;
pub mod memory;
pub mod platform;
pub mod present;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod store;
pub mod sync;
pub mod team;
pub mod tui;
pub mod ui;
