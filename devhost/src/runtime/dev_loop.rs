//! The dev loop: each change to the project's files runs the build command
//! again and swaps the new build in (`live.rs`). A build that fails, or
//! does not load, changes nothing: the last good build keeps serving, and
//! the log says which.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::live::Live;
use crate::log;
use crate::project::build_command;
use crate::project::config::ProjectConfig;
use crate::project::watch::{self, ProjectWatcher};

/// What a running host cannot change: a config edit to one of these says
/// it needs a restart, and the host goes on as it was.
pub struct Fixed {
    /// `dev.address` at start (`None`: `--address` chose the address).
    pub address: Option<Option<SocketAddr>>,
    pub listening: SocketAddr,
    /// `dev.data_nats_url` at start (`None`: `--nats-url` chose it).
    pub nats: Option<Option<String>>,
}

/// Watches the project's files, less its build output and volumes (the
/// components write those themselves).
pub fn watch(project_dir: &Path, config: &ProjectConfig) -> anyhow::Result<ProjectWatcher> {
    ProjectWatcher::start(project_dir, &written_by_components(project_dir, config))
}

/// The project's volumes and component files, as `config` names them.
fn written_by_components(project_dir: &Path, config: &ProjectConfig) -> Vec<PathBuf> {
    let mut ignored: Vec<_> = config
        .volumes(project_dir)
        .unwrap_or_default()
        .into_iter()
        .map(|volume| volume.host_path)
        .collect();
    if let Ok(environment) = config.environment(project_dir) {
        let components = config.components(project_dir, &environment);
        let service = config.service(project_dir, &environment);
        ignored.extend(components.into_iter().chain(service).map(|spec| spec.file));
    }
    ignored
}

/// Rebuilds after each change, for as long as the host runs.
pub async fn run(mut live: Live, mut watcher: ProjectWatcher, fixed: Fixed) {
    while let Some(changed) = watcher.next_change().await {
        let seen = Instant::now();
        log::info(format_args!(
            "devhost: change in {}, rebuilding",
            watch::describe(&changed)
        ));
        let rebuilt = rebuild(&mut live, &fixed, seen).await;
        // The config may name other volumes now.
        if let Ok(config) = ProjectConfig::load(live.project_dir()) {
            watcher.ignore(&written_by_components(live.project_dir(), &config));
        }
        let Err(error) = rebuilt else {
            continue;
        };
        log::warn(format_args!("devhost: {error:#}"));
        match live.build() {
            // The 503s say why, from now on.
            0 => live.first_failed(&error),
            build => log::warn(format_args!("devhost: still serving build {build}")),
        }
    }
}

/// Reads the config again, runs the build command and loads the result.
async fn rebuild(live: &mut Live, fixed: &Fixed, seen: Instant) -> anyhow::Result<()> {
    let config = ProjectConfig::load(live.project_dir())?;
    needs_restart(&config, fixed);

    let build_started = Instant::now();
    let built = build_command::run(&config.build, live.project_dir()).await;
    let build_time = build_started.elapsed();
    if let Err(error) = built {
        return Err(error.context(format!("build failed in {}", seconds(build_time))));
    }
    if config.build.command.is_some() {
        log::info(format_args!(
            "devhost: build succeeded in {}",
            seconds(build_time)
        ));
    }
    let loaded = live.load(&config).await?;
    let compiled = match loaded.compiled.as_slice() {
        [] => "no component changed".to_string(),
        names => format!("new code in {}", names.join(", ")),
    };
    log::info(format_args!(
        "devhost: build {} serving ({compiled}); loaded and swapped in {}, {} after the change",
        loaded.build,
        seconds(loaded.took),
        seconds(seen.elapsed()),
    ));
    Ok(())
}

/// Says so when `config` changes what only a restart changes.
fn needs_restart(config: &ProjectConfig, fixed: &Fixed) {
    if let Some(at_start) = &fixed.address {
        let now = config.address().ok().flatten();
        if now != *at_start {
            let now = now.map_or_else(|| "unset".to_string(), |address| address.to_string());
            log::warn(format_args!(
                "devhost: dev.address is now {now}: restart devhost to listen there (still listening on {})",
                fixed.listening
            ));
        }
    }
    if let Some(at_start) = &fixed.nats {
        let now = config
            .dev
            .data_nats_url
            .as_deref()
            .map(str::trim)
            .filter(|url| !url.is_empty());
        if now != at_start.as_deref() {
            log::warn(format_args!(
                "devhost: dev.data_nats_url changed: restart devhost to use it (messages still go where they went)"
            ));
        }
    }
}

/// "2.31 s", "45 ms".
fn seconds(time: Duration) -> String {
    if time < Duration::from_secs(1) {
        format!("{} ms", time.as_millis())
    } else {
        format!("{:.2} s", time.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_people_write_them() {
        assert_eq!(seconds(Duration::from_millis(45)), "45 ms");
        assert_eq!(seconds(Duration::from_millis(2314)), "2.31 s");
    }
}
