//! `file://` URIs and paths, percent-encoded as RFC 3986 says.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{Location, Uri};

use super::text::loc_range;
use crate::source::Loc;

/// The path of a `file://` URI; `None` for any other scheme.
pub(crate) fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/path`: only the local host is a path here.
    let path = if rest.starts_with('/') { rest } else { rest.strip_prefix("localhost")? };
    let path = path.split(['?', '#']).next().unwrap_or("");
    Some(PathBuf::from(String::from_utf8_lossy(&percent_decode(path)).into_owned()))
}

/// The `file://` URI of an absolute path.
pub(crate) fn path_to_uri(path: &Path) -> Option<Uri> {
    let mut out = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

/// The LSP location of a location.
pub(crate) fn location(loc: &Loc) -> Option<Location> {
    Some(Location { uri: path_to_uri(Path::new(loc.src.name()))?, range: loc_range(loc) })
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip_through_uris() {
        let path = Path::new("/tmp/a b/ü#.rules");
        let uri = path_to_uri(path);
        assert_eq!(uri.as_ref().map(|u| u.as_str()), Some("file:///tmp/a%20b/%C3%BC%23.rules"));
        assert_eq!(uri.and_then(|u| uri_to_path(&u)).as_deref(), Some(path));
    }
}
