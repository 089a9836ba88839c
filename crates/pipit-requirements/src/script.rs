//! Script directives (placeholder: being written).
