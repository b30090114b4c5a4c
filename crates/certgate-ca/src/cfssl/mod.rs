//! cfssl models
pub const USAGE_NAMES: [&str; 0] = [];
