//! http-composed: two components composed into one with wac. The composed
//! file's WIT is checked (the text processor is inside it, neither imported
//! nor exported), and it is served over HTTP by devhost, by wash and by
//! `wasmtime serve`, unchanged.

use std::path::PathBuf;

use serde_json::json;

use test_support::readme;
use test_support::surface::{platform, surface_of};
use test_support::workspace::edited_project;
use test_support::{
    Client, WashDev, WasmtimeServe, built_component, start_host_in, workspace_root,
};

const TEXT_PROCESSOR: &str = "wasmcloud:templates/text-processor@0.1.0";

/// One of the two components the build composes, by its crate name.
fn part(crate_name: &str) -> PathBuf {
    built_component("http-composed");
    workspace_root().join(format!(
        "http-composed/target/wasm32-wasip2/release/{}.wasm",
        crate_name.replace('-', "_")
    ))
}

#[test]
fn composition_joins_the_import_to_the_export() {
    // Before: the HTTP component imports the interface, the library
    // exports it and imports no more than the platform.
    let http = surface_of(&part("http-composed-http"));
    assert!(http.imports.contains(TEXT_PROCESSOR), "{:?}", http.imports);
    let library = surface_of(&part("text-processor"));
    assert_eq!(library.exports, [TEXT_PROCESSOR.to_string()].into());
    assert!(
        library.imports.iter().all(|i| platform(i)),
        "{:?}",
        library.imports
    );

    // After: neither, and only standard WASI imports.
    let composed = surface_of(&built_component("http-composed"));
    for name in composed.imports.iter().chain(&composed.exports) {
        assert!(!name.starts_with("wasmcloud:"), "{name}");
    }
    assert!(composed.imports.iter().all(|i| i.starts_with("wasi:")));
    let exports: Vec<&str> = composed.exports.iter().map(String::as_str).collect();
    assert_eq!(exports.len(), 1, "{exports:?}");
    assert!(exports[0].starts_with("wasi:http/incoming-handler@0.2."));
}

/// Over HTTP: posted text comes back cleaned, with its word count, and
/// everything else gets a clear error.
async fn cleans_text_and_counts_words(client: &Client) {
    let answer = client.post("/", "  Hello,\t composed \n\n world  ").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let expected = json!({"text": "Hello, composed world", "words": 3});
    assert_eq!(answer.json(), expected);
    let answer = client.post("/", "").await;
    assert_eq!(answer.json(), json!({"text": "", "words": 0}));

    let error = |answer: test_support::Answer| (answer.status, answer.json_error());
    let not_utf8 = client
        .send_bytes(reqwest::Method::POST, "/", None, b"caf\xe9".to_vec())
        .await;
    assert_eq!(error(not_utf8), (400, "the text is not UTF-8".into()));
    let get = client.get("/").await;
    assert_eq!(get.header("allow"), Some("POST"));
    assert_eq!(error(get), (405, "method not allowed".into()));
    assert_eq!(error(client.get("/words").await), (404, "not found".into()));
    // Last: the 413 comes before the body is read, and a host may then close
    // the connection (`wasmtime serve` does). A request sent after it on the
    // same kept-alive connection could meet the close instead of an answer.
    let too_large = client.post("/", &"x".repeat(64 * 1024 + 1)).await;
    assert_eq!(
        error(too_large),
        (413, "the request body is over 64 KiB".into())
    );
}

#[tokio::test]
async fn cleans_text_and_counts_words_under_devhost() {
    let project = edited_project("http-composed", str::to_string);
    let host = start_host_in(project.path()).await;
    cleans_text_and_counts_words(&Client::new(&host)).await;
}

#[tokio::test]
async fn cleans_text_and_counts_words_under_wash() {
    cleans_text_and_counts_words(&WashDev::serving("http-composed").client()).await;
}

/// The composed file on a host that knows nothing of wasmCloud: wasmtime's
/// own `serve`.
#[tokio::test]
async fn cleans_text_and_counts_words_under_wasmtime_serve() {
    let wasmtime = WasmtimeServe::start(&built_component("http-composed"), &[]);
    cleans_text_and_counts_words(&wasmtime.client()).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    readme::check_under_devhost("http-composed/README.md", "http-composed").await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    readme::check_under_wash("http-composed").await;
}
