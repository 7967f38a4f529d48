//! The files in a directory the host mounts, over HTTP:
//!
//! ```text
//! GET    /        {"files":[{"name":"hello.txt","size":19}]}
//! GET    /{name}  the file's bytes
//! PUT    /{name}  writes the body as the file (201 new, 204 replaced)
//! DELETE /{name}  deletes it (204)
//! ```
//!
//! The host mounts the directory at `/files` (a preopen: `dev.volumes` in
//! `.wash/config.yaml`, a volume mount in the manifest), and the component
//! reaches it with plain `std::fs`.

mod body;
mod error;
mod files;
mod names;

use std::path::Path;

use error::ApiError;
use wstd::http::{Body, Error, Method, Request, Response, StatusCode};

/// Where the host mounts the directory, in the component's filesystem.
const MOUNT: &str = "/files";
/// A PUT with a larger body is refused with 413, before anything is written.
const MAX_FILE_BYTES: usize = 1024 * 1024;

/// What a request gets when it succeeds.
enum Reply {
    Listing(files::Listing),
    Contents(Body),
    Done(StatusCode),
}

#[wstd::http_server]
async fn main(request: Request<Body>) -> Result<Response<Body>, Error> {
    match route(request).await {
        Ok(Reply::Listing(listing)) => Ok(Response::builder()
            .header("content-type", "application/json")
            .body(Body::from_json(&listing)?)?),
        Ok(Reply::Contents(contents)) => Ok(Response::builder()
            .header("content-type", "application/octet-stream")
            .body(contents)?),
        Ok(Reply::Done(status)) => Ok(Response::builder().status(status).body(Body::empty())?),
        Err(error) => error.into_response(),
    }
}

async fn route(request: Request<Body>) -> Result<Reply, ApiError> {
    let dir = Path::new(MOUNT);
    let path = request.uri().path();
    if path == "/" {
        return match *request.method() {
            Method::GET => Ok(Reply::Listing(files::list(dir)?)),
            _ => Err(ApiError::method_not_allowed("GET")),
        };
    }
    // The rest of the path, as it came (not percent-decoded): `a/b`, `..`,
    // `%2F` all fail the rule, so no request reaches outside the directory.
    let name = path.strip_prefix('/').unwrap_or(path);
    if !names::is_valid(name) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, names::rule()));
    }
    let name = name.to_owned();
    match *request.method() {
        Method::GET => Ok(Reply::Contents(files::read(dir, &name)?)),
        Method::PUT => {
            let bytes = body::read_body(request.into_body(), MAX_FILE_BYTES).await?;
            Ok(Reply::Done(match files::write(dir, &name, &bytes)? {
                true => StatusCode::CREATED,
                false => StatusCode::NO_CONTENT,
            }))
        }
        Method::DELETE => {
            files::delete(dir, &name)?;
            Ok(Reply::Done(StatusCode::NO_CONTENT))
        }
        _ => Err(ApiError::method_not_allowed("GET, PUT, DELETE")),
    }
}
