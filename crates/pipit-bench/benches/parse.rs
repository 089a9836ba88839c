//! Parsing what users and wheels write: requirement lines
//! (`pipit-requirements`) and core metadata (`pipit-index`'s METADATA
//! parser, and `pipit-install`'s headers-only read of an installed one).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pipit_bench::{requirements_file, sample_metadata, REQUIREMENT_LINES};
use pipit_install::InstalledDist;
use pipit_requirements::reqfile::{parse_requirement_arg, parse_str};

fn requirements(c: &mut Criterion) {
    let mut group = c.benchmark_group("requirements");
    group.throughput(Throughput::Elements(REQUIREMENT_LINES.len() as u64));
    group.bench_function("lines", |b| {
        b.iter(|| {
            for line in REQUIREMENT_LINES {
                black_box(parse_requirement_arg(black_box(line)).unwrap());
            }
        });
    });
    let file = requirements_file(500);
    group.throughput(Throughput::Bytes(file.len() as u64));
    group.bench_function("file_500_lines", |b| {
        b.iter(|| {
            black_box(
                parse_str(black_box(&file), Path::new("requirements.txt"), &|_| None).unwrap(),
            )
        });
    });
    group.finish();
}

fn metadata(c: &mut Criterion) {
    let bytes = sample_metadata();
    let mut group = c.benchmark_group("metadata");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("parse_20k", |b| {
        b.iter(|| black_box(pipit_index::parse_metadata(black_box(&bytes), "METADATA").unwrap()));
    });
    // What the already-satisfied check reads of an installed distribution.
    let dir = tempfile::tempdir().unwrap();
    let dist_info = dir.path().join("sample_project-3.14.1.dist-info");
    fs_err::create_dir_all(&dist_info).unwrap();
    fs_err::write(dist_info.join("METADATA"), &bytes).unwrap();
    let dist = InstalledDist::from_dist_info(&dist_info).unwrap();
    group.bench_function("installed_full", |b| {
        b.iter(|| black_box(dist.metadata().unwrap()));
    });
    group.bench_function("installed_requires_dist", |b| {
        b.iter(|| black_box(dist.requires_dist().unwrap()));
    });
    group.finish();
}

criterion_group!(benches, requirements, metadata);
criterion_main!(benches);
