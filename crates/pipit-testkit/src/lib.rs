//! pipit-testkit (placeholder)
