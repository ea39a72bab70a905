//! DevTools-equal analysis over a [`crate::Snapshot`].
