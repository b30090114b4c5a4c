//! Shared code for certgate benches.

use std::path::PathBuf;

/// The release `certgate` beside the running bench (`target/release/certgate`, wherever
/// `CARGO_TARGET_DIR` puts `target`), when `cargo build --release -p certgate-examples`
/// has built it.
pub fn certgate_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("certgate");
    path.is_file().then_some(path)
}
