//! The call's transcript prepared for matching: segments of one speaker joined into runs,
//! normalised once, with a way back from every match to the original words and times.

use crate::call::{Role, ScoredCall, Segment, primary_language};
use crate::matcher::{Pattern, PhraseSet};
use crate::normalise::{RawWord, Token, split_words, tokens};
use crate::rubric::Speaker;
use crate::scorecard::Evidence;

/// Words of context on each side of a match in an evidence quote.
const QUOTE_CONTEXT_WORDS: usize = 3;

/// Consecutive segments of one speaker in one language, joined so a phrase split by the
/// recogniser across segments still matches.
#[derive(Debug)]
pub(crate) struct Run {
    pub role: Role,
    pub language: Option<String>,
    raw: Vec<RawWord>,
    tokens: Vec<Token>,
    /// Tokens joined by single spaces; patterns run on this.
    text: String,
    token_starts: Vec<usize>,
}

/// A match: tokens `first..=last` of run `run`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub run: usize,
    pub first: usize,
    pub last: usize,
    /// The pattern's label, for reasons.
    pub label: String,
    /// What was matched (the `value` group if the pattern has one), normalised.
    pub value: String,
    /// Estimated time the matched words start and end (interpolated within the segment).
    pub onset_s: f64,
    pub end_s: f64,
}

#[derive(Debug)]
pub(crate) struct Transcript<'a> {
    segments: Vec<&'a Segment>,
    pub runs: Vec<Run>,
    pub duration_s: f64,
}

impl<'a> Transcript<'a> {
    /// Segments sorted by start; a segment joins the previous run of its speaker when it starts
    /// at most `join_gap_s` after that run ends and is in the same language.
    pub fn new(call: &'a ScoredCall, join_gap_s: f64) -> Self {
        let mut segments: Vec<&Segment> = call.segments.iter().collect();
        segments.sort_by(|a, b| {
            a.start_s
                .total_cmp(&b.start_s)
                .then(a.end_s.total_cmp(&b.end_s))
        });
        let call_language = call.language.as_deref().map(primary_language);
        // (role, language, segment indices, end time of the last segment)
        let mut groups: Vec<(Role, Option<String>, Vec<usize>, f64)> = Vec::new();
        for (idx, seg) in segments.iter().enumerate() {
            let language = seg
                .language
                .as_deref()
                .map(primary_language)
                .or_else(|| call_language.clone());
            let open = groups.iter_mut().rev().find(|g| g.0 == seg.role);
            match open {
                Some(g) if g.1 == language && seg.start_s - g.3 <= join_gap_s => {
                    g.2.push(idx);
                    g.3 = g.3.max(seg.end_s);
                }
                _ => groups.push((seg.role, language, vec![idx], seg.end_s)),
            }
        }
        let runs = groups
            .into_iter()
            .map(|(role, language, idxs, _)| {
                let mut raw = Vec::new();
                for idx in idxs {
                    split_words(&segments[idx].text, idx, &mut raw);
                }
                let tokens = tokens(&raw, language.as_deref());
                let mut text = String::new();
                let mut token_starts = Vec::with_capacity(tokens.len());
                for t in &tokens {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    token_starts.push(text.len());
                    text.push_str(&t.text);
                }
                Run {
                    role,
                    language,
                    raw,
                    tokens,
                    text,
                    token_starts,
                }
            })
            .collect();
        Transcript {
            segments,
            runs,
            duration_s: call.effective_duration_s(),
        }
    }

    /// Every match of `set` in runs of `speaker`, in time order.
    pub fn find(&self, set: &PhraseSet, speaker: Speaker) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (run_idx, run) in self.runs.iter().enumerate() {
            if !speaker.includes(run.role) {
                continue;
            }
            for pattern in set.for_language(run.language.as_deref()) {
                self.find_in_run(run_idx, pattern, &mut hits);
            }
        }
        self.sort_hits(&mut hits);
        hits
    }

    /// Every place `speaker` says the normalised words `value` (a captured value said again).
    pub fn find_literal(&self, value: &str, speaker: Speaker) -> Vec<Hit> {
        let Ok(regex) = regex::Regex::new(&format!(r"\b{}\b", regex::escape(value))) else {
            return Vec::new();
        };
        let pattern = Pattern {
            label: format!("\"{value}\""),
            regex,
        };
        let mut hits = Vec::new();
        for (run_idx, run) in self.runs.iter().enumerate() {
            if speaker.includes(run.role) {
                self.find_in_run(run_idx, &pattern, &mut hits);
            }
        }
        self.sort_hits(&mut hits);
        hits
    }

    fn sort_hits(&self, hits: &mut Vec<Hit>) {
        hits.sort_by(|a, b| {
            a.onset_s
                .total_cmp(&b.onset_s)
                .then(a.run.cmp(&b.run))
                .then(a.first.cmp(&b.first))
                .then(a.last.cmp(&b.last))
        });
        // Two phrases matching the same words are one piece of evidence.
        hits.dedup_by(|b, a| a.run == b.run && a.first == b.first && a.last == b.last);
    }

    fn find_in_run(&self, run_idx: usize, pattern: &Pattern, hits: &mut Vec<Hit>) {
        let run = &self.runs[run_idx];
        for caps in pattern.regex.captures_iter(&run.text) {
            let Some(whole) = caps.get(0) else { continue };
            if whole.is_empty() {
                continue;
            }
            let value = caps.name("value").unwrap_or(whole).as_str().to_owned();
            // Tokens overlapping the matched bytes (a match may start on a separating space).
            let mut first = run
                .token_starts
                .partition_point(|&s| s <= whole.start())
                .saturating_sub(1);
            if run.token_starts[first] + run.tokens[first].text.len() <= whole.start() {
                first = (first + 1).min(run.tokens.len() - 1);
            }
            let last = run
                .token_starts
                .partition_point(|&s| s < whole.end())
                .saturating_sub(1)
                .max(first);
            let (onset_s, _) = self.word_times(run_idx, run.tokens[first].first);
            let (_, end_s) = self.word_times(run_idx, run.tokens[last].last);
            hits.push(Hit {
                run: run_idx,
                first,
                last,
                label: pattern.label.clone(),
                value,
                onset_s,
                end_s,
            });
        }
    }

    /// Estimated start and end of raw word `raw_idx` of run `run`: segments carry no word
    /// times, so the word's place in the text is mapped linearly onto the segment's span.
    fn word_times(&self, run: usize, raw_idx: usize) -> (f64, f64) {
        let word = &self.runs[run].raw[raw_idx];
        let seg = self.segments[word.seg];
        let len = seg.text.len().max(1) as f64;
        let span = (seg.end_s - seg.start_s).max(0.0);
        (
            seg.start_s + span * word.start as f64 / len,
            seg.start_s + span * word.end as f64 / len,
        )
    }

    /// The hit as evidence: the speaker, the times of the segments it lies in, and the matched
    /// words in their original spelling with a few words of context from those segments ("…"
    /// where the segment goes on).
    pub fn evidence(&self, hit: &Hit) -> Evidence {
        let run = &self.runs[hit.run];
        let raw_first = run.tokens[hit.first].first;
        let raw_last = run.tokens[hit.last].last;
        let (seg_first, seg_last) = (run.raw[raw_first].seg, run.raw[raw_last].seg);
        // Context stays inside the matched segments, so the quote fits the evidence times.
        let mut lo = raw_first;
        while lo > 0 && run.raw[lo - 1].seg == seg_first {
            lo -= 1;
        }
        let mut hi = raw_last;
        while hi + 1 < run.raw.len() && run.raw[hi + 1].seg == seg_last {
            hi += 1;
        }
        let ctx_first = raw_first.saturating_sub(QUOTE_CONTEXT_WORDS).max(lo);
        let ctx_last = (raw_last + QUOTE_CONTEXT_WORDS).min(hi);
        let mut parts: Vec<&str> = Vec::new();
        let mut i = ctx_first;
        while i <= ctx_last {
            let seg = run.raw[i].seg;
            let mut j = i;
            while j < ctx_last && run.raw[j + 1].seg == seg {
                j += 1;
            }
            let text = &self.segments[seg].text;
            // Whole-segment edges keep their punctuation ("¿…", "…?").
            let segment_starts = i == 0 || run.raw[i - 1].seg != seg;
            let segment_ends = j + 1 == run.raw.len() || run.raw[j + 1].seg != seg;
            let from = if segment_starts { 0 } else { run.raw[i].start };
            let to = if segment_ends {
                text.len()
            } else {
                run.raw[j].end
            };
            parts.push(text[from..to].trim());
            i = j + 1;
        }
        let mut quote = parts.join(" ");
        if ctx_first > lo {
            quote.insert(0, '…');
        }
        if ctx_last < hi {
            quote.push('…');
        }
        Evidence {
            role: run.role,
            start_s: self.segments[seg_first].start_s,
            end_s: self.segments[seg_last].end_s,
            quote,
        }
    }

    /// The text `hit` matched, as the speaker said it (no context).
    pub fn matched_text(&self, hit: &Hit) -> String {
        let run = &self.runs[hit.run];
        let (a, b) = (run.tokens[hit.first].first, run.tokens[hit.last].last);
        let mut parts: Vec<&str> = Vec::new();
        let mut i = a;
        while i <= b {
            let seg = run.raw[i].seg;
            let mut j = i;
            while j < b && run.raw[j + 1].seg == seg {
                j += 1;
            }
            parts.push(&self.segments[seg].text[run.raw[i].start..run.raw[j].end]);
            i = j + 1;
        }
        parts.join(" ")
    }

    /// Whether `later` comes after `earlier`: later in the same run, or starting no earlier in
    /// another run (the other party may answer while the question is still being finished).
    pub fn follows(&self, earlier: &Hit, later: &Hit) -> bool {
        if earlier.run == later.run {
            later.first > earlier.last
        } else {
            later.onset_s >= earlier.onset_s
        }
    }
}
