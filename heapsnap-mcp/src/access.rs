//! Which files the server may open. An agent names paths; the server opens only regular
//! files inside the roots the user granted (`--allow DIR` or `--allow FILE`; by default the
//! working directory), so a prompt-injected path cannot read `/etc/shadow` or `~/.ssh`.
//!
//! A path is checked twice: lexically (after resolving `.` and `..` without touching the
//! disk, so asking about a file outside the roots tells nothing about whether it exists), and
//! after canonicalization (so a symlink inside a root cannot lead outside it).

use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug)]
pub struct Access {
    /// Canonical granted directories and files.
    roots: Vec<PathBuf>,
    /// Where relative paths start when no root holds them.
    cwd: PathBuf,
}

impl Access {
    /// Grants the given directories and files (canonicalized; missing ones are refused).
    /// The filesystem root is never granted as a default: an MCP client that starts servers
    /// in `/` must say `--allow` explicitly.
    pub fn new(grants: &[PathBuf]) -> Result<Access, String> {
        let roots = grants
            .iter()
            .map(|g| g.canonicalize().map_err(|e| format!("cannot allow {}: {e}", g.display())))
            .collect::<Result<Vec<_>, _>>()?;
        let cwd = std::env::current_dir().map_err(|e| format!("no working directory: {e}"))?;
        Ok(Access { roots, cwd })
    }

    /// The default grant: the working directory, unless that is the filesystem root (then
    /// nothing, and every open explains how to grant a directory).
    pub fn default_grants() -> Vec<PathBuf> {
        match std::env::current_dir() {
            Ok(d) if d.parent().is_some() => vec![d],
            _ => Vec::new(),
        }
    }

    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// The canonical path of `requested` if it is a regular file inside a granted root.
    /// A relative path is looked up under each granted directory, then the working directory.
    pub fn resolve(&self, requested: &str) -> Result<PathBuf, String> {
        if self.roots.is_empty() {
            return Err("this server may open no files: start it with --allow DIR (the directory holding the \
                        snapshots)"
                .into());
        }
        let p = Path::new(requested);
        let candidates: Vec<PathBuf> = if p.is_absolute() {
            vec![normalize(p)]
        } else {
            self.roots.iter().filter(|r| r.is_dir()).chain([&self.cwd]).map(|base| normalize(&base.join(p))).collect()
        };
        let outside = || {
            let roots: Vec<String> = self.roots.iter().map(|r| r.display().to_string()).collect();
            format!(
                "{requested} is outside what this server may read ({}); start it with --allow DIR to grant more",
                roots.join(", ")
            )
        };
        let inside: Vec<&PathBuf> = candidates.iter().filter(|c| self.is_granted(c)).collect();
        if inside.is_empty() {
            return Err(outside());
        }
        let Some(real) = inside.iter().find_map(|c| c.canonicalize().ok()) else {
            return Err(format!("{requested}: no such file"));
        };
        if !self.is_granted(&real) {
            return Err(format!("{}: a symlink that leads out of the granted directories", outside()));
        }
        if !real.is_file() {
            return Err(format!("{requested} is not a regular file"));
        }
        Ok(real)
    }

    fn is_granted(&self, p: &Path) -> bool {
        self.roots.iter().any(|r| p.starts_with(r))
    }
}

/// `a/./b/../c` → `a/c`, without touching the disk (`..` above the root stays at the root).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_and_allows_granted_files() {
        let dir = std::env::temp_dir().join(format!("heapsnap-mcp-access-{}", std::process::id()));
        let inside = dir.join("granted");
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        std::fs::write(inside.join("a.heapsnapshot"), "{}").unwrap();
        std::fs::write(dir.join("secret.txt"), "token").unwrap();
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink(dir.join("secret.txt"), inside.join("link.heapsnapshot"));
            let _ = std::os::unix::fs::symlink(&dir, inside.join("up"));
        }
        let access = Access::new(std::slice::from_ref(&inside)).unwrap();

        assert!(access.resolve("a.heapsnapshot").is_ok());
        assert!(access.resolve("sub/../a.heapsnapshot").is_ok());
        assert!(access.resolve(inside.join("a.heapsnapshot").to_str().unwrap()).is_ok());
        let escapes = [
            "../secret.txt",
            "sub/../../secret.txt",
            "/etc/passwd",
            "link.heapsnapshot",
            "up/secret.txt",
            ".",
            "sub",
            "missing.heapsnapshot",
        ];
        for bad in escapes {
            assert!(access.resolve(bad).is_err(), "{bad} must be refused");
        }
        assert!(access.resolve("../secret.txt").unwrap_err().contains("outside"));
        assert!(access.resolve("up/secret.txt").unwrap_err().contains("symlink"));
        // Outside the roots, whether a file exists is not revealed.
        let (exists, missing) =
            (access.resolve("/etc/passwd").unwrap_err(), access.resolve("/etc/nope-nope").unwrap_err());
        assert_eq!(exists.replace("/etc/passwd", "X"), missing.replace("/etc/nope-nope", "X"));

        // A single granted file, and nothing else next to it.
        let one = Access::new(&[inside.join("a.heapsnapshot")]).unwrap();
        assert!(one.resolve(inside.join("a.heapsnapshot").to_str().unwrap()).is_ok());
        assert!(one.resolve(inside.join("sub").to_str().unwrap()).is_err());

        let none = Access::new(&[]).unwrap();
        assert!(none.resolve("a.heapsnapshot").unwrap_err().contains("--allow"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
