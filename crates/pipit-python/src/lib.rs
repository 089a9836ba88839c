//! pipit-python (placeholder)
