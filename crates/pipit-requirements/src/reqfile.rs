//! Requirements files (placeholder: being written).
