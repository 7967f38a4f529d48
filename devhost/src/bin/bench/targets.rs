//! What is measured: each component, the request it is loaded with, and a
//! scratch project that makes devhost serve exactly the root-built file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// One request, sent the same way by wrk, the cold-start probe and the
/// kv-counter check.
pub struct Request {
    pub method: &'static str,
    pub path: &'static str,
    /// Sent as `application/json` when the method is POST.
    pub body: &'static str,
}

impl Request {
    pub fn is_post(&self) -> bool {
        self.method == "POST"
    }
}

/// One row of the table.
pub struct Target {
    /// The row's name in the report.
    pub label: &'static str,
    /// The HTTP component's file name in target/wasm32-wasip2/release, without `.wasm`.
    pub artifact: &'static str,
    /// A component linked beside it, which it sends messages to.
    pub worker: Option<Worker>,
    pub request: Request,
    /// Whether to run the kv-counter exactness check after the load.
    pub check_counter: bool,
    /// Whether messaging goes through the bench's nats-server instead of
    /// devhost's in-process broker.
    pub over_nats: bool,
}

impl Target {
    /// The scratch project's directory name: one per row, not per artifact,
    /// since two rows serve http-api.
    fn project_name(&self) -> String {
        let transport = if self.over_nats { "_nats" } else { "" };
        format!("{}{transport}", self.artifact)
    }
}

pub struct Worker {
    pub name: &'static str,
    pub artifact: &'static str,
    pub subscriptions: &'static str,
}

const FLOOR: Target = Target {
    label: "floor",
    artifact: "bench_floor",
    worker: None,
    request: Request {
        method: "GET",
        path: "/",
        body: "",
    },
    check_counter: false,
    over_nats: false,
};

const TASK_LEET: Worker = Worker {
    name: "task-leet",
    artifact: "task_leet",
    subscriptions: "tasks.leet,tasks.task-leet",
};

const POST_TASK: Request = Request {
    method: "POST",
    path: "/task",
    body: r#"{"payload":"Hello World"}"#,
};

/// One round, in order. The floor comes first and last so that its drift
/// over the run shows how steady the machine was; the report merges its two
/// loads into one row.
pub const ALL: [Target; 7] = [
    FLOOR,
    Target {
        label: "http-hello",
        artifact: "http_hello",
        ..FLOOR
    },
    Target {
        label: "http-router",
        artifact: "http_router",
        request: Request {
            method: "GET",
            path: "/api/greet/Ada",
            body: "",
        },
        ..FLOOR
    },
    Target {
        label: "kv-counter",
        artifact: "kv_counter",
        request: Request {
            method: "POST",
            path: "/counters/bench",
            body: "",
        },
        check_counter: true,
        ..FLOOR
    },
    Target {
        label: "http-api + task-leet",
        artifact: "http_api",
        worker: Some(TASK_LEET),
        request: POST_TASK,
        ..FLOOR
    },
    Target {
        label: "http-api + task-leet over NATS",
        artifact: "http_api",
        worker: Some(TASK_LEET),
        request: POST_TASK,
        over_nats: true,
        ..FLOOR
    },
    FLOOR,
];

/// Where the root build puts a component.
pub fn wasm_path(root: &Path, artifact: &str) -> PathBuf {
    root.join("target/wasm32-wasip2/release")
        .join(format!("{artifact}.wasm"))
}

/// A scratch project for one target, in `scratch/<artifact>/`.
pub struct Project {
    pub dir: PathBuf,
    /// wrk's Lua script, for a request that is not a plain GET.
    pub wrk_script: Option<PathBuf>,
}

/// Writes `.wash/config.yaml` (absolute paths to the root-built files, no
/// build command, `nats_url` for a row over NATS) and, for a POST, the wrk
/// script.
pub fn write_project(
    target: &Target,
    root: &Path,
    scratch: &Path,
    nats_url: &str,
) -> anyhow::Result<Project> {
    let dir = scratch.join(target.project_name());
    std::fs::create_dir_all(dir.join(".wash"))
        .with_context(|| format!("cannot create {}", dir.display()))?;

    let mut config = String::from("version: 2.0.0\nbuild:\n");
    let component = wasm_path(root, target.artifact);
    writeln!(config, "  component_path: {}", component.display())?;
    if target.over_nats || target.worker.is_some() {
        config.push_str("dev:\n");
    }
    if target.over_nats {
        writeln!(config, "  data_nats_url: {nats_url}")?;
    }
    if let Some(worker) = &target.worker {
        let file = wasm_path(root, worker.artifact);
        config.push_str("  components:\n");
        writeln!(config, "    - name: {}", worker.name)?;
        writeln!(config, "      file: {}", file.display())?;
        writeln!(config, "      config:")?;
        writeln!(config, "        subscriptions: {}", worker.subscriptions)?;
    }
    write(&dir.join(".wash/config.yaml"), &config)?;

    let request = &target.request;
    let wrk_script = if request.is_post() {
        let path = dir.join("request.lua");
        write(&path, &lua_script(request))?;
        Some(path)
    } else {
        None
    };
    Ok(Project { dir, wrk_script })
}

/// wrk sends a GET unless a script says otherwise.
fn lua_script(request: &Request) -> String {
    // `{:?}` quotes the body with escapes Lua reads the same way.
    format!(
        "wrk.method = {:?}\nwrk.body = {:?}\nwrk.headers[\"content-type\"] = \"application/json\"\n",
        request.method, request.body
    )
}

fn write(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_comes_first_and_last() {
        assert_eq!(ALL[0].artifact, "bench_floor");
        assert_eq!(ALL[ALL.len() - 1].artifact, "bench_floor");
    }

    #[test]
    fn only_the_row_over_nats_names_the_server() {
        let scratch = tempfile::tempdir().unwrap();
        let root = Path::new("/repo");
        let url = "nats://127.0.0.1:4222";
        let config_of = |target: &Target| {
            let project = write_project(target, root, scratch.path(), url).unwrap();
            std::fs::read_to_string(project.dir.join(".wash/config.yaml")).unwrap()
        };
        let [in_process, over_nats] = [&ALL[4], &ALL[5]].map(config_of);
        assert!(!in_process.contains("data_nats_url"), "{in_process}");
        assert!(
            over_nats.contains("dev:\n  data_nats_url: nats://127.0.0.1:4222\n  components:\n"),
            "{over_nats}"
        );
        // Two projects, not one overwritten by the other.
        assert_ne!(ALL[4].project_name(), ALL[5].project_name());
    }

    #[test]
    fn a_post_script_sets_method_body_and_content_type() {
        let script = lua_script(&ALL[4].request);
        assert_eq!(
            script,
            "wrk.method = \"POST\"\n\
             wrk.body = \"{\\\"payload\\\":\\\"Hello World\\\"}\"\n\
             wrk.headers[\"content-type\"] = \"application/json\"\n"
        );
    }
}
