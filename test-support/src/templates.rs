//! The table of templates: everything the tests, the benchmark and the
//! repository checks need to know about a template that is not in its own
//! folder. Adding a template means its folder and one row here.

/// One template, as the root README lists it.
pub struct Template {
    /// Its folder, and its `--subfolder` for `wash new`.
    pub name: &'static str,
    /// A Cargo workspace of its own (a project of two crates): the root
    /// build leaves it out, and its own build command builds it.
    pub own_workspace: bool,
    /// Whether its workload serves HTTP (and its manifest has a Service
    /// for it); a worker only answers messages.
    pub serves_http: bool,
    /// Whether its `.wash/config.yaml` runs a service (`dev.service_file`)
    /// beside the component: that file is built, sized and checked too.
    pub has_service: bool,
    /// What its component imports beyond the platform every wasi:http host
    /// gives (see `surface::platform`), and what it exports: exactly what
    /// it uses. wasi:http's patch level is left out.
    pub imports: &'static [&'static str],
    pub exports: &'static [&'static str],
    /// The files it carries as copies, each with its source: the path in
    /// the template's folder, then the path from the repository root.
    pub copies: &'static [(&'static str, &'static str)],
    /// The request the benchmark loads it with, if it has a row of its own.
    pub bench: Option<Request>,
}

/// An HTTP request, as the benchmark sends it over and over.
#[derive(Clone, Copy)]
pub struct Request {
    pub method: &'static str,
    pub path: &'static str,
    pub body: &'static str,
}

const INCOMING_HANDLER: &str = "wasi:http/incoming-handler";
/// WASI 0.3's HTTP export (see `surface::without_http_version`).
const HANDLER_P3: &str = "wasi:http/handler@0.3";
const CONFIG: &str = "wasi:config/store@0.2.0-rc.1";
const KEYVALUE: [&str; 2] = [
    "wasi:keyvalue/atomics@0.2.0-draft",
    "wasi:keyvalue/store@0.2.0-draft",
];
const MESSAGING_CONSUMER: &str = "wasmcloud:messaging/consumer@0.2.0";
const MESSAGING_HANDLER: &str = "wasmcloud:messaging/handler@0.2.0";
const MESSAGING_TYPES: &str = "wasmcloud:messaging/types@0.2.0";

// The copies most templates carry: the lints, the ignored build output, the
// release profile (from http-hello); the JSON error and the body reader
// (from http-api); the WIT packages (from wit/deps) and their pins.
const CLIPPY: (&str, &str) = ("clippy.toml", "http-hello/clippy.toml");
const GITIGNORE: (&str, &str) = (".gitignore", "http-hello/.gitignore");
const PROFILE: (&str, &str) = (".cargo/config.toml", "http-hello/.cargo/config.toml");
const ERROR: (&str, &str) = ("src/error.rs", "http-api/src/error.rs");
const WKG_LOCK: (&str, &str) = ("wkg.lock", "wkg.lock");
const CONFIG_WIT: (&str, &str) = (
    "wit/deps/wasi-config-0.2.0-rc.1/package.wit",
    "wit/deps/wasi-config-0.2.0-rc.1/package.wit",
);
const KEYVALUE_WIT: (&str, &str) = (
    "wit/deps/wasi-keyvalue-0.2.0-draft/package.wit",
    "wit/deps/wasi-keyvalue-0.2.0-draft/package.wit",
);
const MESSAGING_WIT: (&str, &str) = (
    "wit/deps/wasmcloud-messaging-0.2.0/package.wit",
    "wit/deps/wasmcloud-messaging-0.2.0/package.wit",
);

const fn get(path: &'static str) -> Option<Request> {
    Some(Request {
        method: "GET",
        path,
        body: "",
    })
}

const fn post(path: &'static str, body: &'static str) -> Option<Request> {
    Some(Request {
        method: "POST",
        path,
        body,
    })
}

/// What most rows share: a component of the root build that serves HTTP
/// (WASI 0.2's export) and imports nothing beyond the platform. Each row
/// says what differs.
const HTTP_COMPONENT: Template = Template {
    name: "",
    own_workspace: false,
    serves_http: true,
    has_service: false,
    imports: &[],
    exports: &[INCOMING_HANDLER],
    copies: &[],
    bench: None,
};

/// The templates, in the order the root README lists them.
pub const TEMPLATES: [Template; 12] = [
    Template {
        name: "http-hello",
        bench: get("/"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-router",
        // Its error answers through axum's `IntoResponse`, so it is its own.
        copies: &[CLIPPY, GITIGNORE, PROFILE],
        bench: get("/api/greet/Ada"),
        ..HTTP_COMPONENT
    },
    // The WASI 0.3 twins: the same answers as http-hello and http-router.
    Template {
        name: "http-hello-p3",
        exports: &[HANDLER_P3],
        copies: &[CLIPPY, GITIGNORE, PROFILE],
        bench: get("/"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-router-p3",
        exports: &[HANDLER_P3],
        // The same routes, errors and tests as its twin: only lib.rs differs.
        copies: &[
            ("src/routes.rs", "http-router/src/routes.rs"),
            ("src/routes/tests.rs", "http-router/src/routes/tests.rs"),
            ("src/error.rs", "http-router/src/error.rs"),
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        bench: get("/api/greet/Ada"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "kv-counter",
        imports: &KEYVALUE,
        copies: &[
            ("wit/world.wit", "wit/kv-counter.wit"),
            KEYVALUE_WIT,
            WKG_LOCK,
            ERROR,
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        bench: post("/counters/bench", ""),
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-api",
        imports: &[MESSAGING_CONSUMER, MESSAGING_TYPES],
        copies: &[
            ("wit/world.wit", "wit/http-api.wit"),
            MESSAGING_WIT,
            WKG_LOCK,
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        // Its benchmark rows are the pair's: it asks task-leet.
        bench: post("/task", r#"{"payload":"Hello World"}"#),
        ..HTTP_COMPONENT
    },
    Template {
        name: "task-leet",
        serves_http: false,
        imports: &[CONFIG, MESSAGING_CONSUMER, MESSAGING_TYPES],
        exports: &[MESSAGING_HANDLER],
        copies: &[
            ("wit/world.wit", "wit/task-leet.wit"),
            CONFIG_WIT,
            MESSAGING_WIT,
            WKG_LOCK,
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-client",
        imports: &[CONFIG, "wasi:http/outgoing-handler"],
        copies: &[
            ("wit/world.wit", "wit/http-client.wit"),
            CONFIG_WIT,
            WKG_LOCK,
            ERROR,
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        bench: get("/"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-files",
        // What `std::fs` brings: the one template that uses a directory.
        imports: &[
            "wasi:filesystem/preopens@0.2.12",
            "wasi:filesystem/types@0.2.12",
        ],
        copies: &[
            ERROR,
            ("src/body.rs", "http-api/src/body.rs"),
            CLIPPY,
            GITIGNORE,
            PROFILE,
        ],
        bench: get("/"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "task-stats",
        imports: &[KEYVALUE[0], KEYVALUE[1], MESSAGING_TYPES],
        exports: &[INCOMING_HANDLER, MESSAGING_HANDLER],
        // Its .gitignore is its own: it also ignores the counts `wash dev`
        // keeps in .wash/keyvalue/.
        copies: &[
            ("wit/world.wit", "wit/task-stats.wit"),
            KEYVALUE_WIT,
            MESSAGING_WIT,
            WKG_LOCK,
            ERROR,
            ("src/bucket.rs", "kv-counter/src/bucket.rs"),
            CLIPPY,
            PROFILE,
        ],
        bench: get("/stats"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "service-tcp",
        own_workspace: true,
        has_service: true,
        // The HTTP front's; the service's own is checked in its tests.
        imports: &[
            CONFIG,
            "wasi:sockets/instance-network@0.2.12",
            "wasi:sockets/network@0.2.12",
            "wasi:sockets/tcp@0.2.12",
            "wasi:sockets/tcp-create-socket@0.2.12",
        ],
        // A workspace of two crates keeps its profile in its Cargo.toml
        // (and its service's tokio needs a cfg).
        copies: &[
            ("wit/world.wit", "wit/service-tcp.wit"),
            CONFIG_WIT,
            WKG_LOCK,
            ("http/src/error.rs", "http-api/src/error.rs"),
            ("http/src/body.rs", "http-api/src/body.rs"),
            (
                "http/src/protocol.rs",
                "service-tcp/service/src/protocol.rs",
            ),
            ("http/clippy.toml", "http-hello/clippy.toml"),
            ("service/clippy.toml", "http-hello/clippy.toml"),
            GITIGNORE,
        ],
        bench: post("/line", "Hello World"),
        ..HTTP_COMPONENT
    },
    Template {
        name: "http-composed",
        own_workspace: true,
        // The text processor is composed inside: neither imported nor
        // exported.
        imports: &[],
        copies: &[
            ("wit/world.wit", "wit/http-composed.wit"),
            WKG_LOCK,
            ("http/src/error.rs", "http-api/src/error.rs"),
            ("http/src/body.rs", "http-api/src/body.rs"),
            ("http/clippy.toml", "http-hello/clippy.toml"),
            ("text-processor/clippy.toml", "http-hello/clippy.toml"),
            GITIGNORE,
        ],
        bench: post("/", "Hello,   composed    world"),
        ..HTTP_COMPONENT
    },
];

/// The row of the template named `name`.
pub fn template(name: &str) -> &'static Template {
    TEMPLATES
        .iter()
        .find(|template| template.name == name)
        .unwrap_or_else(|| panic!("no template is named {name}"))
}
