//! Prints the wheel description of every distribution installed in a
//! `--target` folder, as `crates/pipit-bench/data/jupyterlab-closure.txt`
//! was made: `record-closure DIR > data/jupyterlab-closure.txt`.

fn main() -> std::process::ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: record-closure DIR");
        return std::process::ExitCode::from(2);
    };
    match pipit_bench::record_closure(std::path::Path::new(&dir)) {
        Ok(text) => {
            print!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
