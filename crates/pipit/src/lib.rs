//! pipit (placeholder)
