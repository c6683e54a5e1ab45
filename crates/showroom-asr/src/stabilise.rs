//! Keeping partial transcripts from flickering: the LocalAgreement-2 policy.
//!
//! While someone speaks, the utterance is re-transcribed every so often as it grows; each pass
//! returns a hypothesis of the whole utterance so far. The last words of a pass are often wrong
//! (a word cut in half at the end of the audio) and change on the next pass. LocalAgreement
//! (Macháček et al., "Turning Whisper into Real-Time Transcription System", 2023) commits the
//! words on which the last two passes agree as a common prefix; the rest is shown as unstable.
//! Committed words are never taken back, so a UI can print them once.
//!
//! Words are compared case- and punctuation-insensitively ("country," agrees with "Country");
//! the committed text keeps the spelling of the pass that committed it. Positions are counted
//! in words from the start of the utterance: a later pass that disagrees inside the committed
//! part does not change it, and its unstable tail starts after as many words as are committed.

/// What to show for an utterance after a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stabilised {
    /// Every committed word of the utterance so far, space-separated.
    pub committed: String,
    /// The words of this pass after the committed ones; may change on the next pass.
    pub unstable: String,
    /// The words this pass committed (a suffix of `committed`; empty when none).
    pub newly_committed: String,
}

/// LocalAgreement-2 over successive hypotheses of one growing utterance.
#[derive(Debug, Clone, Default)]
pub struct LocalAgreement {
    committed: Vec<String>,
    previous: Vec<String>,
}

impl LocalAgreement {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the hypothesis of the latest pass over the whole utterance so far.
    pub fn update(&mut self, hypothesis: &str) -> Stabilised {
        let words = split(hypothesis);
        let agreed = self
            .previous
            .iter()
            .zip(&words)
            .take_while(|(a, b)| same_word(a, b))
            .count();
        let before = self.committed.len();
        if agreed > before {
            self.committed.extend_from_slice(&words[before..agreed]);
        }
        let result = self.view(&words, before);
        self.previous = words;
        result
    }

    /// Takes the final hypothesis of the utterance, commits all of it and starts over.
    pub fn finish(&mut self, final_hypothesis: &str) -> Stabilised {
        let words = split(final_hypothesis);
        let before = self.committed.len();
        if words.len() > before {
            self.committed.extend_from_slice(&words[before..]);
        }
        let result = self.view(&words, before);
        *self = Self::default();
        result
    }

    /// The committed words so far.
    pub fn committed(&self) -> String {
        self.committed.join(" ")
    }

    fn view(&self, words: &[String], committed_before: usize) -> Stabilised {
        let tail_start = self.committed.len().min(words.len());
        Stabilised {
            committed: self.committed.join(" "),
            unstable: words[tail_start..].join(" "),
            newly_committed: self.committed[committed_before..].join(" "),
        }
    }
}

fn split(hypothesis: &str) -> Vec<String> {
    hypothesis.split_whitespace().map(str::to_owned).collect()
}

fn same_word(a: &str, b: &str) -> bool {
    let key = |w: &str| {
        w.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    key(a) == key(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One pass: the hypothesis, whether it is the final one, and (committed, unstable, newly
    /// committed) expected after it.
    type Pass = (
        &'static str,
        bool,
        (&'static str, &'static str, &'static str),
    );

    fn run(name: &str, passes: &[Pass]) {
        let mut agreement = LocalAgreement::new();
        for (i, &(hypothesis, last, (committed, unstable, newly))) in passes.iter().enumerate() {
            let got = if last {
                agreement.finish(hypothesis)
            } else {
                agreement.update(hypothesis)
            };
            let expected = Stabilised {
                committed: committed.into(),
                unstable: unstable.into(),
                newly_committed: newly.into(),
            };
            assert_eq!(got, expected, "{name}, pass {i}: {hypothesis:?}");
        }
    }

    #[test]
    fn local_agreement_table() {
        let cases: &[(&str, &[Pass])] = &[
            (
                "first pass commits nothing",
                &[("and so my", false, ("", "and so my", ""))],
            ),
            (
                "growing utterance commits the agreed prefix",
                &[
                    ("and so my", false, ("", "and so my", "")),
                    (
                        "and so my fellow",
                        false,
                        ("and so my", "fellow", "and so my"),
                    ),
                    (
                        "and so my fellow americans",
                        false,
                        ("and so my fellow", "americans", "fellow"),
                    ),
                ],
            ),
            (
                "a flickering last word stays unstable",
                &[
                    (
                        "ask not what your count",
                        false,
                        ("", "ask not what your count", ""),
                    ),
                    (
                        "ask not what your country can",
                        false,
                        ("ask not what your", "country can", "ask not what your"),
                    ),
                    (
                        "ask not what your country can do",
                        false,
                        ("ask not what your country can", "do", "country can"),
                    ),
                ],
            ),
            (
                "case and punctuation do not break agreement; the newer spelling is kept",
                &[
                    ("And so, my", false, ("", "And so, my", "")),
                    (
                        "and so my fellow",
                        false,
                        ("and so my", "fellow", "and so my"),
                    ),
                ],
            ),
            (
                "disagreement at the start commits nothing",
                &[
                    ("hand so", false, ("", "hand so", "")),
                    ("and so my", false, ("", "and so my", "")),
                    (
                        "and so my fellow",
                        false,
                        ("and so my", "fellow", "and so my"),
                    ),
                ],
            ),
            (
                "committed words are never taken back",
                &[
                    ("we can do it", false, ("", "we can do it", "")),
                    (
                        "we can do it now",
                        false,
                        ("we can do it", "now", "we can do it"),
                    ),
                    (
                        "he can do it now please",
                        false,
                        ("we can do it", "now please", ""),
                    ),
                    (
                        "he can do it now please",
                        false,
                        ("we can do it now please", "", "now please"),
                    ),
                ],
            ),
            (
                "a shorter pass shows no tail",
                &[
                    ("one two three", false, ("", "one two three", "")),
                    (
                        "one two three four",
                        false,
                        ("one two three", "four", "one two three"),
                    ),
                    ("one two", false, ("one two three", "", "")),
                ],
            ),
            (
                "empty passes change nothing",
                &[
                    ("", false, ("", "", "")),
                    ("", false, ("", "", "")),
                    ("hello", false, ("", "hello", "")),
                ],
            ),
            (
                "finish commits everything and starts over",
                &[
                    ("thank you for", false, ("", "thank you for", "")),
                    (
                        "thank you for call",
                        false,
                        ("thank you for", "call", "thank you for"),
                    ),
                    (
                        "thank you for calling",
                        true,
                        ("thank you for calling", "", "calling"),
                    ),
                    ("next", false, ("", "next", "")),
                ],
            ),
        ];
        for (name, passes) in cases {
            run(name, passes);
        }
    }
}
