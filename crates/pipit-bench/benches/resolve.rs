//! Resolving a recorded index snapshot with no network: the `jupyterlab`
//! closure (`data/jupyterlab-closure.txt`, 91 projects with older releases
//! and one release no Python can use) served by `pipit-testkit`'s index on
//! 127.0.0.1, resolved by `pipit-resolver` for CPython 3.11.
//!
//! - `http`: no cache, so every project page and PEP 658 metadata file is
//!   fetched from the local index (parsing, HTTP and the solver);
//! - `cached_offline`: pages and metadata come from a warm pipit cache with
//!   `--offline` (the solver and the cache reads alone).

use std::str::FromStr;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pep508_rs::Requirement;
use pipit_bench::{closure_wheels, target_interpreter, CLOSURE_ROOT};
use pipit_index::{
    ClientOptions, FindLinks, IndexClient, IndexSettings, NetrcSource, Origin, Sourced,
};
use pipit_python::Interpreter;
use pipit_resolver::{Request, RequirementSource, ResolveOptions, Sources, UserRequirement};
use pipit_testkit::IndexServer;

fn sourced<T>(value: T) -> Sourced<T> {
    Sourced {
        value,
        origin: Origin::Default,
    }
}

fn sources(server: &IndexServer, cache_dir: Option<&std::path::Path>, offline: bool) -> Sources {
    let settings = IndexSettings {
        index_url: Some(sourced(server.url())),
        timeout: sourced(30.0),
        ..IndexSettings::default()
    };
    let options = ClientOptions {
        cache_dir: cache_dir.map(std::path::Path::to_path_buf),
        offline,
        netrc: NetrcSource::Disabled,
        ..ClientOptions::default()
    };
    Sources {
        client: IndexClient::new(&settings, options).unwrap(),
        find_links: FindLinks::default(),
    }
}

fn request() -> Request {
    Request {
        requirements: vec![UserRequirement {
            requirement: Requirement::from_str(CLOSURE_ROOT).unwrap(),
            hashes: Vec::new(),
            source: RequirementSource::CommandLine,
        }],
        ..Request::default()
    }
}

fn resolve(runtime: &tokio::runtime::Runtime, sources: &Sources, target: &Interpreter) -> usize {
    let resolution = runtime
        .block_on(pipit_resolver::resolve(
            &request(),
            sources,
            target,
            &ResolveOptions::default(),
        ))
        .unwrap();
    resolution.packages.len()
}

fn jupyterlab(c: &mut Criterion) {
    let server = IndexServer::with_wheels(&closure_wheels(4));
    server.set_metadata_files(true);
    let target = target_interpreter();
    // As the CLI runs the resolver: two worker threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let resolved = resolve(&runtime, &sources(&server, None, false), &target);
    assert!(resolved > 80, "{resolved} distributions");

    let mut group = c.benchmark_group("resolve_jupyterlab");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("http", |b| {
        b.iter(|| resolve(&runtime, &sources(&server, None, false), &target));
    });
    let cache = tempfile::tempdir().unwrap();
    resolve(
        &runtime,
        &sources(&server, Some(cache.path()), false),
        &target,
    );
    group.bench_function("cached_offline", |b| {
        b.iter(|| {
            resolve(
                &runtime,
                &sources(&server, Some(cache.path()), true),
                &target,
            )
        });
    });
    group.finish();
}

criterion_group!(benches, jupyterlab);
criterion_main!(benches);
