//! Partial hypotheses that do not flicker: a word is shown as committed once two consecutive
//! passes over the growing utterance agree on it (LocalAgreement-2, as in whisper_streaming).

/// The prefix of `current` (whole words, original spelling) on which `previous` agrees,
/// compared case- and punctuation-insensitively.
pub fn committed_prefix<'a>(previous: &str, current: &'a str) -> &'a str {
    fn norm(w: &str) -> String {
        w.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
    }
    let prev: Vec<String> = previous.split_whitespace().map(norm).collect();
    let mut end = 0;
    for (i, (start, word)) in word_spans(current).enumerate() {
        if prev.get(i).is_some_and(|p| *p == norm(word)) {
            end = start + word.len();
        } else {
            break;
        }
    }
    &current[..end]
}

/// (byte offset, word) for each whitespace-separated word.
fn word_spans(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_whitespace().map(move |w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_table() {
        let cases = [
            ("", "and so my", ""),
            ("and so my", "and so my fellow", "and so my"),
            ("And so, my", "and so my fellow", "and so my"),
            ("and so my fellow americans", "and so my fellow Americans, ask", "and so my fellow Americans,"),
            ("ask not what", "ask now what your", "ask"),
            ("completely different", "and so", ""),
            (" leading  spaces", "leading spaces kept", "leading spaces"),
        ];
        for (prev, cur, want) in cases {
            assert_eq!(committed_prefix(prev, cur), want, "prev {prev:?} cur {cur:?}");
        }
    }

    #[test]
    fn committed_text_only_grows_when_passes_agree() {
        let passes = ["and so", "and so my", "and so my fellow", "and so my fellow americans ask"];
        let mut prev = "";
        let mut shown = String::new();
        for p in passes {
            let c = committed_prefix(prev, p);
            assert!(c.starts_with(&shown), "agreeing passes never take committed words back");
            assert!(p.starts_with(c));
            shown = c.to_owned();
            prev = p;
        }
        assert_eq!(shown, "and so my fellow");
    }
}
