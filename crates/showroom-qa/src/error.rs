use std::path::PathBuf;

/// Why a rubric could not be loaded. Validation errors name the criterion (its id, or `#n` by
/// position when it has none) and the field, e.g. `criterion "greeting", field
/// "languages.es.patterns[1]": bad regular expression: …`.
#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    #[error("cannot read rubric {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or a field of the wrong type or unknown name (the message has line and column).
    #[error("rubric is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    /// A top-level field is invalid.
    #[error("rubric field {field:?}: {message}")]
    Field { field: String, message: String },
    /// A field of one criterion is invalid.
    #[error("criterion {criterion:?}, field {field:?}: {message}")]
    Criterion {
        criterion: String,
        field: String,
        message: String,
    },
}
