//! Shared code for certgate benches.
