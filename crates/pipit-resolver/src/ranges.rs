//! PEP 440 specifiers as PubGrub version ranges (placeholder; being written).
