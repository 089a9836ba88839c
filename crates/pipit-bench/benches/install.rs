//! Unpacking and linking a large wheel (`pipit-install`): 3000 modules
//! and 1 MB of data blobs.
//!
//! - `unpack_cold`: into an empty wheel cache (inflate, hash against
//!   RECORD, write every file);
//! - `stage_hardlink`: from the unpacked cache into a staging tree with
//!   hard links, RECORD and launchers written (what each install does);
//! - `install_warm_cache`: the whole install of the wheel from a `file:`
//!   URL into an empty target, its cache warm: hash check, cache reuse
//!   check, staging and the journaled move into the target.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pipit_bench::large_wheel;
use pipit_index::{ClientOptions, IndexClient, IndexSettings, NetrcSource, WheelFilename};
use pipit_install::install::{install, InstallOptions, Silent, WheelToInstall};
use pipit_install::{
    stage_wheel, InstallLayout, LinkMode, Linker, StageOptions, TargetLock, WheelCache,
};
use sha2::{Digest, Sha256};

const MODULES: usize = 3_000;

fn target_layout(dir: &std::path::Path) -> InstallLayout {
    InstallLayout {
        root: dir.to_path_buf(),
        purelib: dir.to_path_buf(),
        platlib: dir.to_path_buf(),
        scripts: dir.join("bin"),
        data: dir.to_path_buf(),
        headers: dir.join("include").join("python"),
        python: None,
        target_mode: true,
    }
}

fn large(c: &mut Criterion) {
    let work = tempfile::tempdir().unwrap();
    let wheel = large_wheel(MODULES).build(work.path()).unwrap();
    let bytes = fs_err::read(&wheel).unwrap();
    let sha256: String = Sha256::digest(&bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let file_name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let filename = WheelFilename::parse(&file_name).unwrap();

    let mut group = c.benchmark_group("large_wheel");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15))
        .throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("unpack_cold", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(work.path()).unwrap(),
            |cache_dir| {
                let cache = WheelCache::new(cache_dir.path());
                black_box(cache.unpacked(&sha256, &wheel, &filename).unwrap());
                cache_dir
            },
            BatchSize::PerIteration,
        );
    });

    let cache_dir = work.path().join("cache");
    let unpacked = WheelCache::new(&cache_dir)
        .unpacked(&sha256, &wheel, &filename)
        .unwrap();
    group.bench_function("stage_hardlink", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(work.path()).unwrap(),
            |dir| {
                let layout = target_layout(&dir.path().join("target"));
                let staged = stage_wheel(
                    &unpacked,
                    &layout,
                    &dir.path().join("staging"),
                    &Linker::new(LinkMode::Hardlink),
                    &StageOptions {
                        threads: std::thread::available_parallelism().map_or(1, usize::from),
                        ..StageOptions::default()
                    },
                )
                .unwrap();
                black_box(staged);
                dir
            },
            BatchSize::PerIteration,
        );
    });

    let client = IndexClient::new(
        &IndexSettings::default(),
        ClientOptions {
            netrc: NetrcSource::Disabled,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let to_install = WheelToInstall {
        name: "large-project".parse().unwrap(),
        version: "1.0.0".parse().unwrap(),
        filename: file_name.clone(),
        url: url::Url::from_file_path(&wheel).unwrap(),
        sha256: Some(sha256.clone()),
        allowed_hashes: Vec::new(),
        requested: true,
        direct_url: None,
        size: None,
    };
    let options = InstallOptions {
        cache_dir: Some(cache_dir.clone()),
        ..InstallOptions::default()
    };
    group.bench_function("install_warm_cache", |b| {
        b.iter_batched(
            || tempfile::tempdir_in(work.path()).unwrap(),
            |dir| {
                let layout = target_layout(dir.path());
                let lock = TargetLock::acquire(dir.path(), || {}).unwrap();
                let report = runtime
                    .block_on(install(
                        &client,
                        &lock,
                        &layout,
                        vec![to_install.clone()],
                        Vec::new(),
                        &options,
                        Arc::new(Silent),
                    ))
                    .unwrap();
                assert_eq!(report.installed.len(), 1);
                drop(lock);
                dir
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, large);
criterion_main!(benches);
