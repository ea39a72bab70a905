//! `heapsnap view FILE [FILE2]`: serves the browser viewer and the given files on
//! 127.0.0.1 (a free port). Only fixed routes exist: the page's assets by name and the files by
//! position; nothing in a URL is ever joined to a filesystem path. Requests must name this
//! server in their `Host` header (`127.0.0.1:PORT` or `localhost:PORT`): a web page whose
//! domain was rebound to 127.0.0.1 (DNS rebinding) sends its own name there and is refused,
//! so it cannot read the snapshot's secrets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use heapsnap_core::Error;

/// The viewer's files, served from the assets directory under exactly these names.
const ASSETS: [(&str, &str); 6] = [
    ("index.html", "text/html; charset=utf-8"),
    ("app.js", "text/javascript"),
    ("worker.js", "text/javascript"),
    ("style.css", "text/css"),
    ("pkg/heapsnap_wasm.js", "text/javascript"),
    ("pkg/heapsnap_wasm_bg.wasm", "application/wasm"),
];

/// Where `heapsnap-wasm/build.sh` puts the built page, unless `--assets` says otherwise.
pub fn default_assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../heapsnap-wasm/www")
}

struct Site {
    assets: PathBuf,
    files: Vec<PathBuf>,
    port: u16,
}

/// Whether a request's `Host` header names this server (the page and its scripts always do).
fn host_allowed(host: Option<&str>, port: u16) -> bool {
    let Some(host) = host else { return false };
    let host = host.trim().to_ascii_lowercase();
    ["127.0.0.1", "localhost"].iter().any(|name| host == format!("{name}:{port}"))
}

pub fn run(files: &[PathBuf], assets: &Path, port: u16) -> Result<ExitCode, Error> {
    let io = |e: std::io::Error| Error::io(&e);
    if !assets.join("pkg/heapsnap_wasm_bg.wasm").is_file() {
        return Err(Error::io(&std::io::Error::other(format!(
            "the viewer is not built in {} (run heapsnap-wasm/build.sh)",
            assets.display()
        ))));
    }
    for f in files {
        if !f.is_file() {
            return Err(Error::io(&std::io::Error::other(format!("{} is not a file", f.display()))));
        }
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(io)?;
    let addr = listener.local_addr().map_err(io)?;
    println!("heapsnap viewer on http://{addr}/ (Ctrl-C to stop)");
    std::io::stdout().flush().map_err(io)?;
    let site = Arc::new(Site { assets: assets.to_path_buf(), files: files.to_vec(), port: addr.port() });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let site = site.clone();
        std::thread::spawn(move || {
            let _ = serve(stream, &site);
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// The response for a request path, as (status, content type, body source).
enum Reply {
    File(PathBuf, &'static str, Option<String>),
    Json(String),
    NotFound,
    NotAllowed,
    WrongHost,
}

fn route(method: &str, path: &str, host: Option<&str>, site: &Site) -> Reply {
    if !host_allowed(host, site.port) {
        return Reply::WrongHost;
    }
    if method != "GET" {
        return Reply::NotAllowed;
    }
    let path = path.split('?').next().unwrap_or("");
    if path == "/api/files" {
        let list: Vec<_> = site
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                serde_json::json!({ "name": name, "url": format!("files/{i}") })
            })
            .collect();
        return Reply::Json(serde_json::Value::Array(list).to_string());
    }
    if let Some(i) = path.strip_prefix("/files/").and_then(|i| i.parse::<usize>().ok()) {
        return match site.files.get(i) {
            Some(f) => {
                let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
                Reply::File(f.clone(), "application/octet-stream", name)
            }
            None => Reply::NotFound,
        };
    }
    let wanted = if path == "/" { "index.html" } else { path.trim_start_matches('/') };
    match ASSETS.iter().find(|(name, _)| *name == wanted) {
        Some((name, ty)) => Reply::File(site.assets.join(name), ty, None),
        None => Reply::NotFound,
    }
}

fn serve(stream: TcpStream, site: &Site) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    // Read the headers (bounded); only Host matters.
    let mut line = String::new();
    let mut host = None;
    for _ in 0..100 {
        line.clear();
        if reader.by_ref().take(8192).read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("host") {
                host = Some(value.trim().to_owned());
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut out = stream;
    let head = |status: &str, ty: &str, len: u64, extra: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {ty}\r\nContent-Length: {len}\r\nCache-Control: no-store\r\n\
             X-Content-Type-Options: nosniff\r\n{extra}Connection: close\r\n\r\n"
        )
    };
    match route(method, path, host.as_deref(), site) {
        Reply::File(p, ty, name) => match std::fs::File::open(&p) {
            Ok(mut f) => {
                let len = f.metadata()?.len();
                let extra =
                    name.map(|n| format!("X-Heapsnap-Name: {}\r\n", n.replace(['\r', '\n'], ""))).unwrap_or_default();
                out.write_all(head("200 OK", ty, len, &extra).as_bytes())?;
                std::io::copy(&mut f, &mut out)?;
            }
            Err(_) => out.write_all(head("404 Not Found", "text/plain", 0, "").as_bytes())?,
        },
        Reply::Json(body) => {
            out.write_all(head("200 OK", "application/json", body.len() as u64, "").as_bytes())?;
            out.write_all(body.as_bytes())?;
        }
        Reply::NotFound => out.write_all(head("404 Not Found", "text/plain", 0, "").as_bytes())?,
        Reply::NotAllowed => out.write_all(head("405 Method Not Allowed", "text/plain", 0, "").as_bytes())?,
        Reply::WrongHost => out.write_all(head("403 Forbidden", "text/plain", 0, "").as_bytes())?,
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fixed_routes_exist() {
        let site =
            Site { assets: PathBuf::from("/srv/www"), files: vec![PathBuf::from("/data/a.heapsnapshot")], port: 8123 };
        let host = Some("127.0.0.1:8123");
        let file = |p: &str| match route("GET", p, host, &site) {
            Reply::File(path, _, _) => Some(path),
            _ => None,
        };
        assert_eq!(file("/"), Some(PathBuf::from("/srv/www/index.html")));
        assert_eq!(file("/pkg/heapsnap_wasm_bg.wasm"), Some(PathBuf::from("/srv/www/pkg/heapsnap_wasm_bg.wasm")));
        assert_eq!(file("/files/0"), Some(PathBuf::from("/data/a.heapsnapshot")));
        for bad in [
            "/files/1",
            "/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/files/../../etc/passwd",
            "/pkg/../app.js",
            "//etc/passwd",
            "/index.html/../../x",
            "/files/-1",
            "/Cargo.toml",
        ] {
            assert_eq!(file(bad), None, "{bad} must not map to a file");
        }
        assert!(matches!(route("POST", "/", host, &site), Reply::NotAllowed));
        assert!(
            matches!(route("GET", "/api/files", host, &site), Reply::Json(j) if j.contains("files/0") && !j.contains("/data"))
        );
    }

    #[test]
    fn only_requests_naming_this_server_are_answered() {
        let site =
            Site { assets: PathBuf::from("/srv/www"), files: vec![PathBuf::from("/data/a.heapsnapshot")], port: 8123 };
        for ok in ["127.0.0.1:8123", "localhost:8123", "LOCALHOST:8123"] {
            assert!(matches!(route("GET", "/files/0", Some(ok), &site), Reply::File(..)), "{ok}");
        }
        // A rebound domain, another port, no Host at all: refused before any route is looked up.
        for bad in [
            Some("evil.example:8123"),
            Some("127.0.0.1:8124"),
            Some("127.0.0.1"),
            Some("127.0.0.1.evil.example:8123"),
            None,
        ] {
            assert!(matches!(route("GET", "/files/0", bad, &site), Reply::WrongHost), "{bad:?}");
        }
    }
}
