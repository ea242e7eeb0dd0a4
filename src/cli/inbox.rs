//! Starting the interactive inbox, on the configured accounts or on the embedded demo: boot,
//! then run.

use super::Failure;
use crate::boot::{Booted, Source, Stop, boot};
use std::path::{Path, PathBuf};

impl From<Stop> for Failure {
    fn from(stop: Stop) -> Self {
        match stop {
            Stop::Config(e) => Failure::Config(e),
            Stop::Usage(m) => Failure::Usage(m),
        }
    }
}

pub async fn from_config(path: &Path, state_dir: Option<PathBuf>, start_warnings: Vec<String>) -> Result<(), Failure> {
    start(boot(Source::Config { path, state_dir }, start_warnings)?).await
}

#[cfg(feature = "sandbox")]
pub async fn demo(start_warnings: Vec<String>) -> Result<(), Failure> {
    let world = crate::sandbox::start(crate::sandbox::SandboxOptions::default())
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the demo sandbox: {e}")))?;
    let result = match boot(Source::Demo(&world), start_warnings) {
        Ok(booted) => start(booted).await,
        Err(stop) => Err(stop.into()),
    };
    world.shutdown().await;
    result
}

#[cfg(not(feature = "sandbox"))]
pub async fn demo(_start_warnings: Vec<String>) -> Result<(), Failure> {
    Err(Failure::Usage(
        "no config file, and this build has no demo (built without the `sandbox` feature); see README".into(),
    ))
}

async fn start(booted: Booted) -> Result<(), Failure> {
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(Failure::Usage(
            "the inbox needs a terminal (stdout is not one); try `handoff list`".into(),
        ));
    }
    crate::tui::run(booted)
        .await
        .map_err(|e| Failure::Platform(format!("the inbox stopped: {e}")))
}
