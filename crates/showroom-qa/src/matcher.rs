//! Compiled phrase lists: literal phrases and regular expressions over normalised text, with
//! per-language alternatives.

use std::collections::BTreeMap;

use regex::{Regex, RegexBuilder};

use crate::normalise::normalise;

/// One phrase or pattern of a rubric, compiled to run on normalised text.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// As written in the rubric, for reasons ("thank you for calling", `/\d{6,}/`).
    pub label: String,
    pub regex: Regex,
}

/// Phrases that count for one thing: a default list plus lists per language.
#[derive(Debug, Clone, Default)]
pub(crate) struct PhraseSet {
    pub default: Vec<Pattern>,
    pub by_language: BTreeMap<String, Vec<Pattern>>,
}

/// Which list an entry came from and where, for error messages.
pub(crate) struct PatternError {
    pub field: String,
    pub message: String,
}

impl PhraseSet {
    /// The patterns that apply to text in `language` (a primary subtag): the default list plus
    /// that language's list, if any; when the language is unknown, every list (a recogniser
    /// that gave no language must not hide a Spanish word).
    pub fn for_language<'a>(&'a self, language: Option<&str>) -> Vec<&'a Pattern> {
        let mut out: Vec<&Pattern> = self.default.iter().collect();
        match language {
            Some(lang) => out.extend(self.by_language.get(lang).into_iter().flatten()),
            None => out.extend(self.by_language.values().flatten()),
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.default.is_empty() && self.by_language.values().all(Vec::is_empty)
    }

    /// A short human description: `"hello", "hi" (+4 more)`.
    pub fn describe(&self) -> String {
        let all: Vec<&Pattern> = self
            .default
            .iter()
            .chain(self.by_language.values().flatten())
            .collect();
        let shown: Vec<String> = all.iter().take(3).map(|p| p.label.clone()).collect();
        let mut out = shown.join(", ");
        if all.len() > shown.len() {
            out.push_str(&format!(" (+{} more)", all.len() - shown.len()));
        }
        out
    }
}

/// Compiles `phrases` (literal, normalised for `language`) and `patterns` (regular expressions
/// matched case-insensitively against normalised text). `prefix` names the field in errors.
pub(crate) fn compile_list(
    phrases: &[String],
    patterns: &[String],
    language: Option<&str>,
    prefix: &str,
) -> Result<Vec<Pattern>, PatternError> {
    let mut out = Vec::with_capacity(phrases.len() + patterns.len());
    for (i, phrase) in phrases.iter().enumerate() {
        let field = format!("{prefix}phrases[{i}]");
        let normalised = normalise(phrase, language);
        if normalised.is_empty() {
            return Err(PatternError {
                field,
                message: format!("phrase {phrase:?} has no words"),
            });
        }
        let regex = Regex::new(&format!(r"\b{}\b", regex::escape(&normalised))).map_err(|e| {
            PatternError {
                field: field.clone(),
                message: e.to_string(),
            }
        })?;
        out.push(Pattern {
            label: format!("\"{phrase}\""),
            regex,
        });
    }
    for (i, pattern) in patterns.iter().enumerate() {
        let field = format!("{prefix}patterns[{i}]");
        let regex = RegexBuilder::new(pattern)
            .case_insensitive(true)
            .build()
            .map_err(|e| PatternError {
                field: field.clone(),
                message: format!("bad regular expression: {e}"),
            })?;
        if regex.is_match("") {
            return Err(PatternError {
                field,
                message: format!(
                    "pattern /{pattern}/ matches empty text, so it would match every call"
                ),
            });
        }
        out.push(Pattern {
            label: format!("/{pattern}/"),
            regex,
        });
    }
    Ok(out)
}
