//! Specifier matching over many versions: PEP 440 `VersionSpecifiers`
//! checked against every version of a long-lived project (what judging a
//! project page costs), and the same specifiers as the PubGrub ranges the
//! resolver builds (`pipit-resolver`).

use std::hint::black_box;
use std::str::FromStr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pep440_rs::VersionSpecifiers;
use pipit_bench::many_versions;
use pipit_resolver::specifiers_to_range;

const SPECIFIERS: &[&str] = &[
    ">=1.2,<3",
    "~=2.4.1",
    "==3.*",
    "!=1.5.0,!=2.0.0,>=1.0",
    ">=0.5.0rc1",
    "==4.0.0.post1",
];

fn matching(c: &mut Criterion) {
    let versions = many_versions(2_000);
    let specifiers: Vec<VersionSpecifiers> = SPECIFIERS
        .iter()
        .map(|text| VersionSpecifiers::from_str(text).unwrap())
        .collect();
    let mut group = c.benchmark_group("specifiers");
    group.throughput(Throughput::Elements(
        (versions.len() * specifiers.len()) as u64,
    ));
    group.bench_function("contains_2000_versions", |b| {
        b.iter(|| {
            let mut matched = 0usize;
            for specifier in &specifiers {
                matched += versions
                    .iter()
                    .filter(|version| specifier.contains(version))
                    .count();
            }
            black_box(matched)
        });
    });
    let ranges: Vec<_> = specifiers.iter().map(specifiers_to_range).collect();
    group.bench_function("ranges_contains_2000_versions", |b| {
        b.iter(|| {
            let mut matched = 0usize;
            for range in &ranges {
                matched += versions
                    .iter()
                    .filter(|version| range.contains(version))
                    .count();
            }
            black_box(matched)
        });
    });
    group.throughput(Throughput::Elements(specifiers.len() as u64));
    group.bench_function("to_range", |b| {
        b.iter(|| {
            for specifier in &specifiers {
                black_box(specifiers_to_range(black_box(specifier)));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, matching);
criterion_main!(benches);
