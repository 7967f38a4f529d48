//! http-client over HTTP, under devhost and under wash: its
//! upstream (a small server of the test's own, on loopback) answering,
//! failing or not there, the config naming it or not, the host allowing it
//! or not; the token from its Secret-style source sent upstream, and
//! nowhere else. Each case is a host of its own, configured as the case
//! needs.

use reqwest::Method;
use test_support::readme;
use test_support::upstream::{Answer, Upstream};
use test_support::wash::{built_project, edited_wash_project};
use test_support::workspace::edited_project;
use test_support::{Client, DevhostProcess, WashDev, start_host, start_host_in, workspace_root};

/// The upstream and allowed host in http-client's own config, which each
/// case replaces.
const CONFIGURED: &str = "127.0.0.1:8081";

/// One configuration, and what `GET /` answers under it.
struct Case {
    /// `upstream_url`.
    url: String,
    /// The one entry of `allowedHosts`.
    allowed: String,
    status: u16,
    /// The body for a 200, the error message otherwise.
    answer: String,
}

/// Every way a call can go, against upstreams that `upstreams` keeps
/// running. `free` is a port nothing listens on.
fn cases(upstreams: &Upstreams) -> Vec<Case> {
    let case = |address: &str, status, answer: String| Case {
        url: format!("http://{address}/"),
        allowed: address.to_string(),
        status,
        answer,
    };
    let Upstreams {
        greeting,
        slow,
        failing,
        not_http,
        free,
    } = upstreams;
    let greeting = &greeting.address;
    vec![
        case(greeting, 200, "Hello from upstream".into()),
        Case {
            allowed: "127.0.0.1:1".into(),
            ..case(
                greeting,
                502,
                format!("the host does not allow calls to {greeting}: add it to allowedHosts"),
            )
        },
        case(free, 502, format!("{free} refused the connection")),
        case(
            "upstream.invalid",
            502,
            "the name in upstream.invalid does not resolve".into(),
        ),
        case(
            &slow.address,
            504,
            format!("{} did not answer within 5 s", slow.address),
        ),
        case(
            &failing.address,
            502,
            format!("{} answered 500 Internal Server Error", failing.address),
        ),
        case(
            &not_http.address,
            502,
            format!("{} did not answer in HTTP", not_http.address),
        ),
    ]
}

struct Upstreams {
    greeting: Upstream,
    slow: Upstream,
    failing: Upstream,
    not_http: Upstream,
    free: String,
}

impl Upstreams {
    fn start() -> Self {
        Self {
            greeting: Upstream::start(Answer::Greeting),
            slow: Upstream::start(Answer::Slow),
            failing: Upstream::start(Answer::ServerError),
            not_http: Upstream::start(Answer::NotHttp),
            free: format!("127.0.0.1:{}", test_support::nats_server::free_port()),
        }
    }
}

async fn check(client: &Client, case: &Case) {
    let answer = client.get("/").await;
    assert_eq!(answer.status, case.status, "{}: {}", case.url, answer.body);
    if case.status == 200 {
        assert_eq!(answer.header("content-type"), Some("text/plain"));
        assert_eq!(answer.body, case.answer);
    } else {
        assert_eq!(answer.json_error(), case.answer, "{}", case.url);
    }
}

/// What does not depend on the upstream: 405 and 404.
async fn routes(client: &Client) {
    let answer = client.send(Method::POST, "/", None, "").await;
    assert_eq!(answer.status, 405);
    assert_eq!(answer.header("allow"), Some("GET"));
    assert_eq!(answer.json_error(), "method not allowed");
    let answer = client.get("/nope").await;
    assert_eq!(answer.status, 404);
    answer.json_error();
}

const NOT_CONFIGURED: &str = "`upstream_url` is not set in this component's config";
const NO_TOKEN: &str = "`upstream_token` is not set in this component's config";
/// The placeholder token of http-client's own `secrets:` source.
const TOKEN: &str = "local-dev-placeholder";

/// wash's variables for a `wash dev` of http-client calling `url`,
/// allowed `allowed`: the config source and `allowedHosts` laid over the
/// project's own.
fn wash_vars(url: &str, allowed: &str) -> [(&'static str, String); 2] {
    [
        (
            "WASH_CONFIGS",
            format!("{{http-client-upstream={{inline={{upstream_url={url:?}}}}}}}"),
        ),
        ("WASH_WORKLOAD", format!("{{allowedHosts=[{allowed:?}]}}")),
    ]
}

fn vars<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}

/// The config with its secret source left out of the workload.
fn without_token(config: &str) -> String {
    config.replace("secretFrom: [http-client-token]", "secretFrom: []")
}

/// The config calling `upstream`, with no `allowedHosts` at all: devhost
/// then allows no host, and wash dev every host.
fn without_allowed_hosts(config: &str, upstream: &str) -> String {
    let config = config.replace(CONFIGURED, upstream);
    let lines = config.lines().filter(|line| {
        !line.contains("allowedHosts:") && !line.trim_start().starts_with(&format!("- {upstream}"))
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// The config with another key where `upstream_url` was (a `config:`
/// with no keys at all is not a map, and wash refuses it).
fn without_upstream_url(config: &str) -> String {
    config.replace("upstream_url:", "another_setting:")
}

/// http-client's own project, calling `url` and allowing `allowed`.
fn project_calling(url: &str, allowed: &str) -> tempfile::TempDir {
    edited_project("http-client", |config| {
        let config = config.replace(&format!("http://{CONFIGURED}/"), url);
        config.replace(&format!("- {CONFIGURED}"), &format!("- {allowed}"))
    })
}

#[tokio::test]
async fn answers_for_each_way_the_upstream_call_goes_under_devhost() {
    let upstreams = Upstreams::start();
    for case in cases(&upstreams) {
        let project = project_calling(&case.url, &case.allowed);
        let host = start_host_in(project.path()).await;
        check(&Client::new(&host), &case).await;
    }
}

#[tokio::test]
async fn other_methods_and_paths_are_refused_under_devhost() {
    let upstream = Upstream::start(Answer::Greeting);
    let project = project_calling(&format!("http://{}/", upstream.address), &upstream.address);
    let host = start_host_in(project.path()).await;
    routes(&Client::new(&host)).await;
}

#[tokio::test]
async fn without_an_upstream_url_it_answers_503_under_devhost() {
    let project = edited_project("http-client", without_upstream_url);
    let host = start_host_in(project.path()).await;
    let answer = Client::new(&host).get("/").await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json_error(), NOT_CONFIGURED);
}

#[tokio::test]
async fn without_allowed_hosts_devhost_allows_no_host() {
    let upstream = Upstream::start(Answer::Greeting);
    let greeting = &upstream.address;
    let project = edited_project("http-client", |config| {
        without_allowed_hosts(config, greeting)
    });
    let host = start_host_in(project.path()).await;
    let answer = Client::new(&host).get("/").await;
    assert_eq!(answer.status, 502);
    assert_eq!(
        answer.json_error(),
        format!("the host does not allow calls to {greeting}: add it to allowedHosts")
    );
}

/// Under each, other methods and paths are refused too: a `wash dev` takes
/// seconds to start.
#[tokio::test]
async fn answers_for_each_way_the_upstream_call_goes_under_wash() {
    let project = built_project("http-client");
    let upstreams = Upstreams::start();
    for case in cases(&upstreams) {
        let wash_vars = wash_vars(&case.url, &case.allowed);
        let host = WashDev::start(&project, None, &vars(&wash_vars));
        check(&host.client(), &case).await;
        routes(&host.client()).await;
    }
}

/// The token reaches the upstream as devhost sends it.
#[tokio::test]
async fn the_token_goes_upstream_under_wash() {
    let project = built_project("http-client");
    let upstream = Upstream::start(Answer::Authorization);
    let url = format!("http://{}/", upstream.address);
    let wash_vars = wash_vars(&url, &upstream.address);
    let host = WashDev::start(&project, None, &vars(&wash_vars));
    let answer = host.client().get("/").await;
    assert_eq!(
        (answer.status, answer.body),
        (200, format!("Bearer {TOKEN}"))
    );
}

/// wash's variables can add a key but not remove one: a project of its own.
#[tokio::test]
async fn without_an_upstream_url_or_a_token_it_answers_503_under_wash() {
    let project = edited_wash_project(
        "http-client",
        "http-client-unconfigured",
        without_upstream_url,
    );
    let host = WashDev::start(&project, None, &[]);
    let answer = host.client().get("/").await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.json_error(), NOT_CONFIGURED);
    let project = edited_wash_project("http-client", "http-client-tokenless", without_token);
    let host = WashDev::start(&project, None, &[]);
    let answer = host.client().get("/").await;
    assert_eq!((answer.status, answer.json_error()), (503, NO_TOKEN.into()));
}

/// Where devhost allows no host, wash dev allows every one.
#[tokio::test]
async fn without_allowed_hosts_wash_allows_every_host() {
    let upstream = Upstream::start(Answer::Greeting);
    let greeting = &upstream.address;
    let project = edited_wash_project("http-client", "http-client-no-allowed-hosts", |config| {
        without_allowed_hosts(config, greeting)
    });
    let host = WashDev::start(&project, None, &[]);
    let answer = host.client().get("/").await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "Hello from upstream")
    );
}

/// The token from the Secret-style source goes upstream as a bearer
/// credential; without it the component answers with a named error; it is
/// never in an answer or in devhost's log.
#[tokio::test]
async fn the_token_goes_upstream_and_nowhere_else_under_devhost() {
    let upstream = Upstream::start(Answer::Authorization);
    let failing = Upstream::start(Answer::ServerError);
    let calling = |address: &str, edit: fn(&str) -> String| {
        let address = address.to_string();
        edited_project("http-client", move |config| {
            edit(&config.replace(CONFIGURED, &address))
        })
    };
    let project = calling(&upstream.address, str::to_string);
    let host = DevhostProcess::start(project.path(), &[]);
    let answer = host.client().get("/").await;
    assert_eq!(
        (answer.status, answer.body),
        (200, format!("Bearer {TOKEN}"))
    );
    let project = calling(&failing.address, str::to_string);
    let refused = DevhostProcess::start(project.path(), &[]);
    let answer = refused.client().get("/").await;
    assert_eq!(answer.status, 502);
    assert!(!answer.body.contains(TOKEN), "{}", answer.body);
    let project = calling(&upstream.address, without_token);
    let tokenless = DevhostProcess::start(project.path(), &[]);
    let answer = tokenless.client().get("/").await;
    assert_eq!((answer.status, answer.json_error()), (503, NO_TOKEN.into()));
    for host in [&host, &refused, &tokenless] {
        assert!(!host.output().contains(TOKEN), "{}", host.output());
    }
}

/// Its examples call http-hello, as its README suggests.
#[tokio::test]
async fn readme_examples_print_what_it_shows_under_devhost() {
    let upstream = start_host("http-hello").await;
    let address = upstream.local_addr().to_string();
    let project = edited_project("http-client", |config| {
        config.replace("127.0.0.1:8081", &address)
    });
    let host = start_host_in(project.path()).await;
    let url = format!("http://{}", host.local_addr());
    let readme = workspace_root().join("http-client/README.md");
    readme::check(&readme, &url, readme::Host::Devhost).await;
}

#[tokio::test]
async fn readme_examples_print_what_it_shows_under_wash() {
    let hello = built_project("http-hello");
    let client = built_project("http-client");
    let upstream = WashDev::start(&hello, None, &[]);
    let address = upstream.url.trim_start_matches("http://");
    let wash_vars = wash_vars(&format!("http://{address}/"), address);
    let host = WashDev::start(&client, None, &vars(&wash_vars));
    readme::check(&client.join("README.md"), &host.url, readme::Host::Wash).await;
}
