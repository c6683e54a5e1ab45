//! `required_steps`: steps said in order, where a later step may have to repeat what an earlier
//! one captured (the agent reads back the order number the customer gave).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Outcome, capital, secs, who};
use crate::rubric::{Step, StepWhat};
use crate::scorecard::Verdict;
use crate::transcript::{Hit, Transcript};

/// Candidate matches tried before giving up; a real call has a handful per step, so this only
/// bounds a pathological transcript (and keeps the answer deterministic when it does).
const SEARCH_BUDGET: usize = 20_000;

pub(super) fn required_steps(steps: &[Step], t: &Transcript) -> Outcome {
    let fixed: Vec<Rc<Vec<Hit>>> = steps
        .iter()
        .map(|s| match &s.what {
            StepWhat::Phrases(set) => Rc::new(t.find(set, s.speaker)),
            StepWhat::Repeat(_) => Rc::default(),
        })
        .collect();
    let mut search = Search {
        steps,
        t,
        fixed,
        repeats: BTreeMap::new(),
        budget: SEARCH_BUDGET,
        best: Vec::new(),
        best_captures: BTreeMap::new(),
    };
    let mut chain = Vec::new();
    let mut captures = BTreeMap::new();
    let found = search.go(&mut chain, &mut captures);
    let (chain, captures) = if found {
        (chain, captures)
    } else {
        (search.best, search.best_captures)
    };
    let evidence = chain.iter().map(|h| t.evidence(h)).collect();
    let done: Vec<String> = chain
        .iter()
        .zip(steps)
        .map(|(hit, step)| describe_found(t, step, hit))
        .collect();
    if found {
        return Outcome::new(Verdict::Pass, evidence, capital(&done.join("; ")));
    }
    let k = chain.len();
    let missing = describe_step(&steps[k], &captures);
    let mut reason = if done.is_empty() {
        format!("step 1 ({missing}) not found")
    } else {
        let prev = &chain[k - 1];
        let within = steps[k]
            .within_s
            .map(|w| format!(" within {} s", secs(w)))
            .unwrap_or_default();
        format!(
            "{}; but step {} ({missing}) not found{within} after {} s",
            done.join("; "),
            k + 1,
            secs(prev.onset_s)
        )
    };
    reason = capital(&reason);
    Outcome::new(Verdict::Fail, evidence, reason)
}

struct Search<'a, 't> {
    steps: &'a [Step],
    t: &'a Transcript<'t>,
    fixed: Vec<Rc<Vec<Hit>>>,
    repeats: BTreeMap<(usize, String), Rc<Vec<Hit>>>,
    budget: usize,
    best: Vec<Hit>,
    best_captures: BTreeMap<String, String>,
}

impl Search<'_, '_> {
    /// Depth-first over candidate matches in time order: the first complete chain wins, so
    /// the evidence is the earliest way the steps were done.
    fn go(&mut self, chain: &mut Vec<Hit>, captures: &mut BTreeMap<String, String>) -> bool {
        let i = chain.len();
        if i == self.steps.len() {
            return true;
        }
        let step = &self.steps[i];
        let candidates = match &step.what {
            StepWhat::Phrases(_) => Rc::clone(&self.fixed[i]),
            StepWhat::Repeat(name) => {
                let value = captures.get(name).cloned().unwrap_or_default();
                let t = self.t;
                Rc::clone(
                    self.repeats
                        .entry((i, value.clone()))
                        .or_insert_with(|| Rc::new(t.find_literal(&value, step.speaker))),
                )
            }
        };
        for hit in candidates.iter() {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            if let Some(prev) = chain.last() {
                if !self.t.follows(prev, hit) {
                    continue;
                }
                if step.within_s.is_some_and(|w| hit.onset_s > prev.end_s + w) {
                    continue;
                }
            }
            let old = step.capture.as_ref().map(|name| {
                (
                    name.clone(),
                    captures.insert(name.clone(), hit.value.clone()),
                )
            });
            chain.push(hit.clone());
            if chain.len() > self.best.len() {
                self.best = chain.clone();
                self.best_captures = captures.clone();
            }
            if self.go(chain, captures) {
                return true;
            }
            chain.pop();
            if let Some((name, previous)) = old {
                match previous {
                    Some(v) => captures.insert(name, v),
                    None => captures.remove(&name),
                };
            }
        }
        false
    }
}

fn describe_found(t: &Transcript, step: &Step, hit: &Hit) -> String {
    let role = t.runs[hit.run].role;
    let said = t.matched_text(hit);
    let what = match (&step.name, &step.what) {
        (Some(name), _) => format!("{name}: {said:?}"),
        (None, StepWhat::Repeat(capture)) => format!("the {role} repeated the {capture}: {said:?}"),
        (None, StepWhat::Phrases(_)) => format!("the {role} said {said:?}"),
    };
    let captured = match &step.capture {
        Some(name) => format!(" ({name} {})", hit.value),
        None => String::new(),
    };
    format!("{what}{captured} at {} s", secs(hit.onset_s))
}

fn describe_step(step: &Step, captures: &BTreeMap<String, String>) -> String {
    let repeated = |capture: &String| captures.get(capture).cloned().unwrap_or_default();
    match (&step.name, &step.what) {
        (Some(name), StepWhat::Repeat(capture)) => format!("{name}: {:?}", repeated(capture)),
        (Some(name), StepWhat::Phrases(_)) => name.clone(),
        (None, StepWhat::Phrases(set)) => format!("{} says {}", who(step.speaker), set.describe()),
        (None, StepWhat::Repeat(capture)) => format!(
            "{} repeats the {capture} {:?}",
            who(step.speaker),
            repeated(capture)
        ),
    }
}
