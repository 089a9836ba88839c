//! `make-wheelhouse <description.txt> <out-dir>`: regenerates a wheelhouse.
//!
//! cargo run -p pipit-testkit --bin make-wheelhouse -- fixtures/wheelhouse.txt fixtures/wheelhouse

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [description, out_dir] = &arguments[..] else {
        eprintln!("usage: make-wheelhouse <description.txt> <out-dir>");
        return ExitCode::from(2);
    };
    let result = fs_err::read_to_string(description)
        .map_err(pipit_testkit::Error::from)
        .and_then(|text| pipit_testkit::write_wheelhouse(&text, &PathBuf::from(out_dir)));
    match result {
        Ok(paths) => {
            for path in paths {
                println!("{}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {description}: {error}");
            ExitCode::FAILURE
        }
    }
}
