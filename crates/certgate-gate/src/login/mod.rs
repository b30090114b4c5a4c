//! Logins at the gate.

pub mod otp;
