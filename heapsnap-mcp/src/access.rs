//! Which files the server may open. An agent names paths; the server opens only regular
//! files under the roots the user granted (by default the working directory), after resolving
//! `..` and symlinks, so a prompt-injected path cannot read `/etc/shadow` or `~/.ssh`.

use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Access {
    roots: Vec<PathBuf>,
}

impl Access {
    /// Grants the given directories and files (canonicalized; missing ones are refused).
    pub fn new(grants: &[PathBuf]) -> Result<Access, String> {
        let roots = grants
            .iter()
            .map(|g| g.canonicalize().map_err(|e| format!("cannot allow {}: {e}", g.display())))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Access { roots })
    }

    /// The canonical path of `requested` if it is a regular file inside a granted root.
    /// Relative paths are taken relative to the first root.
    pub fn resolve(&self, requested: &str) -> Result<PathBuf, String> {
        let p = Path::new(requested);
        let p = if p.is_relative() {
            match self.roots.first() {
                Some(base) if base.is_dir() => base.join(p),
                _ => p.to_path_buf(),
            }
        } else {
            p.to_path_buf()
        };
        let real = p.canonicalize().map_err(|e| format!("cannot open {requested}: {e}"))?;
        if !self.roots.iter().any(|r| real.starts_with(r)) {
            return Err(format!(
                "{requested} is outside the directories this server may read; start it with --allow DIR to grant more"
            ));
        }
        if !real.is_file() {
            return Err(format!("{requested} is not a regular file"));
        }
        Ok(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_and_allows_granted_files() {
        let dir = std::env::temp_dir().join(format!("heapsnap-mcp-access-{}", std::process::id()));
        let inside = dir.join("granted");
        std::fs::create_dir_all(&inside).unwrap();
        std::fs::write(inside.join("a.heapsnapshot"), "{}").unwrap();
        std::fs::write(dir.join("secret.txt"), "token").unwrap();
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink(dir.join("secret.txt"), inside.join("link.heapsnapshot"));
        let access = Access::new(&[inside.clone()]).unwrap();

        assert!(access.resolve("a.heapsnapshot").is_ok());
        assert!(access.resolve(inside.join("a.heapsnapshot").to_str().unwrap()).is_ok());
        for bad in ["../secret.txt", "/etc/passwd", "link.heapsnapshot", ".", "missing.heapsnapshot"] {
            assert!(access.resolve(bad).is_err(), "{bad} must be refused");
        }
        let e = access.resolve("../secret.txt").unwrap_err();
        assert!(e.contains("outside"), "{e}");
    }
}
