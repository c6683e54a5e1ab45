//! The reviewer's query language, parsed once and compiled for each engine.
//!
//! `refund damaged` (both words), `"order number"` (a phrase, within one utterance), `refun*`
//! (a prefix), `refund OR return`, `NOT voucher` or `-voucher`, parentheses. AND binds tighter
//! than OR; operators are upper case (a lower-case "or" is a word). Words match whole calls: a
//! call matches `refund AND damaged` when one utterance says "refund" and another "damaged".
//! A negation needs a positive term beside it (`refund -voucher`), because "every call without
//! a word" is not a search.

use std::fmt;

use super::text::tokens;

/// One searchable unit: a word, or a phrase of words within one utterance; the last word may
/// be a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub words: Vec<String>,
    pub prefix: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    Term(Term),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

/// Why a query cannot run, in words for the reviewer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the search is empty")]
    Empty,
    #[error("a quote is not closed")]
    UnclosedQuote,
    #[error("a parenthesis is not closed")]
    UnclosedParen,
    #[error("unexpected “{0}”")]
    Unexpected(String),
    #[error("“{0}” has no letters or digits to search for")]
    NothingToSearch(String),
    #[error("a prefix needs at least {MIN_PREFIX} letters before the *: “{0}”")]
    ShortPrefix(String),
    #[error("NOT needs a term to keep beside it, as in “refund NOT voucher”")]
    OnlyNegated,
    #[error("the query is too long (at most {MAX_TERMS} terms)")]
    TooLong,
}

pub const MIN_PREFIX: usize = 2;
pub const MAX_TERMS: usize = 32;

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Open,
    Close,
    And,
    Or,
    Not,
    Phrase(String),
    Word(String),
}

fn lex(input: &str, dropped: &mut Option<String>) -> Result<Vec<Lexeme>, QueryError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Lexeme::Open);
            }
            ')' => {
                chars.next();
                out.push(Lexeme::Close);
            }
            '"' | '“' | '”' => {
                chars.next();
                let start = i + c.len_utf8();
                let mut end = None;
                for (j, d) in chars.by_ref() {
                    if matches!(d, '"' | '“' | '”') {
                        end = Some(j);
                        break;
                    }
                }
                let end = end.ok_or(QueryError::UnclosedQuote)?;
                out.push(Lexeme::Phrase(input[start..end].to_owned()));
            }
            // A leading minus negates what follows it ("-voucher"); inside a word it is a
            // hyphen ("e-mail"), which the word branch consumes.
            '-' if input[i + 1..].starts_with(|d: char| !d.is_whitespace()) => {
                chars.next();
                out.push(Lexeme::Not);
            }
            _ => {
                let start = i;
                let mut end = input.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || matches!(d, '(' | ')' | '"' | '“' | '”') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                let word = &input[start..end];
                out.push(match word {
                    "AND" | "&" | "&&" => Lexeme::And,
                    "OR" | "|" | "||" => Lexeme::Or,
                    "NOT" => Lexeme::Not,
                    // Stray punctuation ("refund - return", "?!") is not a term.
                    _ if tokens(word).is_empty() => {
                        *dropped = Some(word.to_owned());
                        continue;
                    }
                    _ => Lexeme::Word(word.to_owned()),
                });
            }
        }
    }
    Ok(out)
}

fn term(raw: &str, phrase: bool) -> Result<Term, QueryError> {
    let (body, prefix) = match raw.strip_suffix('*') {
        Some(b) if !phrase || raw.ends_with('*') => (b, true),
        _ => (raw, false),
    };
    let words: Vec<String> = tokens(body).into_iter().map(|t| t.text).collect();
    if words.is_empty() {
        return Err(QueryError::NothingToSearch(raw.to_owned()));
    }
    if prefix && words.last().is_some_and(|w| w.chars().count() < MIN_PREFIX) {
        return Err(QueryError::ShortPrefix(raw.to_owned()));
    }
    Ok(Term { words, prefix })
}

struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
    terms: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Lexeme::Or) {
            self.at += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Query::Or(parts) })
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Lexeme::And) => {
                    self.at += 1;
                    parts.push(self.unary()?);
                }
                Some(Lexeme::Or | Lexeme::Close) | None => break,
                Some(_) => parts.push(self.unary()?),
            }
        }
        Ok(if parts.len() == 1 { parts.remove(0) } else { Query::And(parts) })
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        match self.lexemes.get(self.at).cloned() {
            Some(Lexeme::Not) => {
                self.at += 1;
                Ok(Query::Not(Box::new(self.unary()?)))
            }
            Some(Lexeme::Open) => {
                self.at += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Lexeme::Close) {
                    return Err(QueryError::UnclosedParen);
                }
                self.at += 1;
                Ok(inner)
            }
            Some(Lexeme::Word(w)) => {
                self.at += 1;
                self.count()?;
                Ok(Query::Term(term(&w, false)?))
            }
            Some(Lexeme::Phrase(p)) => {
                self.at += 1;
                self.count()?;
                Ok(Query::Term(term(&p, true)?))
            }
            Some(Lexeme::Close) => Err(QueryError::Unexpected(")".into())),
            Some(Lexeme::And) => Err(QueryError::Unexpected("AND".into())),
            Some(Lexeme::Or) => Err(QueryError::Unexpected("OR".into())),
            None => Err(QueryError::Empty),
        }
    }

    fn count(&mut self) -> Result<(), QueryError> {
        self.terms += 1;
        if self.terms > MAX_TERMS { Err(QueryError::TooLong) } else { Ok(()) }
    }
}

/// Parses a reviewer's query. `Ok(None)` for a blank query (filters only).
pub fn parse(input: &str) -> Result<Option<Query>, QueryError> {
    let mut dropped = None;
    let lexemes = lex(input, &mut dropped)?;
    if lexemes.is_empty() {
        return match dropped {
            Some(word) => Err(QueryError::NothingToSearch(word)),
            None => Ok(None),
        };
    }
    let mut p = Parser { lexemes, at: 0, terms: 0 };
    let q = p.or()?;
    match p.peek() {
        None => {}
        Some(Lexeme::Close) => return Err(QueryError::Unexpected(")".into())),
        Some(other) => return Err(QueryError::Unexpected(format!("{other:?}"))),
    }
    let q = flatten(q);
    check_negations(&q)?;
    Ok(Some(q))
}

fn flatten(q: Query) -> Query {
    match q {
        Query::And(parts) => Query::And(parts.into_iter().map(flatten).flat_map(|p| match p {
            Query::And(inner) => inner,
            other => vec![other],
        }).collect()),
        Query::Or(parts) => Query::Or(parts.into_iter().map(flatten).flat_map(|p| match p {
            Query::Or(inner) => inner,
            other => vec![other],
        }).collect()),
        Query::Not(inner) => match flatten(*inner) {
            Query::Not(twice) => *twice,
            other => Query::Not(Box::new(other)),
        },
        t => t,
    }
}

/// Every NOT must sit in an AND beside at least one positive part (FTS5 has only binary NOT,
/// and a bare negation would list the whole archive).
fn check_negations(q: &Query) -> Result<(), QueryError> {
    match q {
        Query::Term(_) => Ok(()),
        Query::Not(_) => Err(QueryError::OnlyNegated),
        Query::Or(parts) => parts.iter().try_for_each(check_negations),
        Query::And(parts) => {
            if parts.iter().all(|p| matches!(p, Query::Not(_))) {
                return Err(QueryError::OnlyNegated);
            }
            parts.iter().try_for_each(|p| match p {
                Query::Not(inner) => check_negations_inside_not(inner),
                other => check_negations(other),
            })
        }
    }
}

fn check_negations_inside_not(q: &Query) -> Result<(), QueryError> {
    match q {
        Query::Term(_) => Ok(()),
        other => check_negations(other),
    }
}

impl Query {
    /// The terms that make a call match (not those under a NOT): what gets highlighted.
    pub fn positive_terms(&self) -> Vec<&Term> {
        let mut out = Vec::new();
        fn walk<'a>(q: &'a Query, out: &mut Vec<&'a Term>) {
            match q {
                Query::Term(t) => out.push(t),
                Query::And(p) | Query::Or(p) => p.iter().for_each(|q| walk(q, out)),
                Query::Not(_) => {}
            }
        }
        walk(self, &mut out);
        out
    }

    /// SQLite FTS5 MATCH expression.
    pub fn to_fts5(&self) -> String {
        match self {
            Query::Term(t) => format!("\"{}\"{}", t.words.join(" "), if t.prefix { "*" } else { "" }),
            Query::Or(parts) => format!("({})", parts.iter().map(Query::to_fts5).collect::<Vec<_>>().join(" OR ")),
            Query::And(parts) => {
                let (neg, pos): (Vec<_>, Vec<_>) = parts.iter().partition(|p| matches!(p, Query::Not(_)));
                let mut s = format!("({})", pos.iter().map(|p| p.to_fts5()).collect::<Vec<_>>().join(" AND "));
                if !neg.is_empty() {
                    let negated: Vec<String> = neg
                        .iter()
                        .map(|p| match p {
                            Query::Not(inner) => inner.to_fts5(),
                            _ => unreachable!("partitioned"),
                        })
                        .collect();
                    s = format!("({s} NOT ({}))", negated.join(" OR "));
                }
                s
            }
            // Only reachable inside an AND, which handles it; a lone NOT is rejected by `parse`.
            Query::Not(inner) => inner.to_fts5(),
        }
    }

    /// PostgreSQL tsquery text for `to_tsquery('simple', …)`.
    pub fn to_tsquery(&self) -> String {
        match self {
            Query::Term(t) => {
                let last = t.words.len() - 1;
                let words: Vec<String> = t
                    .words
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("'{w}'{}", if t.prefix && i == last { ":*" } else { "" }))
                    .collect();
                format!("({})", words.join(" <-> "))
            }
            Query::Or(parts) => format!("({})", parts.iter().map(Query::to_tsquery).collect::<Vec<_>>().join(" | ")),
            Query::And(parts) => format!("({})", parts.iter().map(Query::to_tsquery).collect::<Vec<_>>().join(" & ")),
            Query::Not(inner) => format!("!{}", inner.to_tsquery()),
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.words.join(" "), if self.prefix { "*" } else { "" })
    }
}

/// Byte ranges of `text` where a positive term matches, merged and in order.
pub fn highlight(text: &str, terms: &[&Term]) -> Vec<(usize, usize)> {
    // Most segments match nothing: for plain ASCII text a substring test rules them out
    // without tokenizing (folding cannot change ASCII beyond lower case).
    if text.is_ascii() {
        let lower = text.to_ascii_lowercase();
        if !terms.iter().any(|t| lower.contains(t.words[0].as_str())) {
            return Vec::new();
        }
    }
    let toks = tokens(text);
    let mut ranges = Vec::new();
    for term in terms {
        let n = term.words.len();
        if n > toks.len() {
            continue;
        }
        for i in 0..=toks.len() - n {
            let hit = term.words.iter().enumerate().all(|(k, w)| {
                let tok = &toks[i + k].text;
                if term.prefix && k == n - 1 { tok.starts_with(w.as_str()) } else { tok == w }
            });
            if hit {
                ranges.push((toks[i].start, toks[i + n - 1].end));
            }
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(q: &str) -> String {
        parse(q).unwrap().unwrap().to_fts5()
    }
    fn pg(q: &str) -> String {
        parse(q).unwrap().unwrap().to_tsquery()
    }

    #[test]
    fn compiles_for_both_engines() {
        let cases = [
            ("refund", "\"refund\"", "('refund')"),
            ("Refund damaged", "(\"refund\" AND \"damaged\")", "(('refund') & ('damaged'))"),
            ("\"order number\"", "\"order number\"", "('order' <-> 'number')"),
            ("refun*", "\"refun\"*", "('refun':*)"),
            ("refund OR return", "(\"refund\" OR \"return\")", "(('refund') | ('return'))"),
            ("refund -voucher", "((\"refund\") NOT (\"voucher\"))", "(('refund') & !('voucher'))"),
            ("refund NOT voucher NOT coupon", "((\"refund\") NOT (\"voucher\" OR \"coupon\"))", "(('refund') & !('voucher') & !('coupon'))"),
            ("(a1 OR b2) AND c3", "((\"a1\" OR \"b2\") AND \"c3\")", "((('a1') | ('b2')) & ('c3'))"),
            ("a1 b2 OR c3", "((\"a1\" AND \"b2\") OR \"c3\")", "((('a1') & ('b2')) | ('c3'))"),
            ("refund & return", "(\"refund\" AND \"return\")", "(('refund') & ('return'))"),
            ("refund | return ?!", "(\"refund\" OR \"return\")", "(('refund') | ('return'))"),
            ("order-number", "\"order number\"", "('order' <-> 'number')"),
            ("退货", "\"退 货\"", "('退' <-> '货')"),
            ("Café", "\"cafe\"", "('cafe')"),
            ("\"tracking num*\"", "\"tracking num\"*", "('tracking' <-> 'num':*)"),
        ];
        for (q, f, p) in cases {
            assert_eq!(fts(q), f, "fts5 for {q}");
            assert_eq!(pg(q), p, "tsquery for {q}");
        }
    }

    #[test]
    fn lower_case_operators_are_words() {
        assert_eq!(fts("refund or return"), "(\"refund\" AND \"or\" AND \"return\")");
    }

    #[test]
    fn blank_is_no_query() {
        assert_eq!(parse("   "), Ok(None));
    }

    #[test]
    fn bad_queries_say_why() {
        let cases = [
            ("\"order number", QueryError::UnclosedQuote),
            ("(refund OR return", QueryError::UnclosedParen),
            ("refund)", QueryError::Unexpected(")".into())),
            ("OR refund", QueryError::Unexpected("OR".into())),
            ("refund AND", QueryError::Empty),
            ("NOT refund", QueryError::OnlyNegated),
            ("-refund -return", QueryError::OnlyNegated),
            ("refund OR -return", QueryError::OnlyNegated),
            ("!!!", QueryError::NothingToSearch("!!!".into())),
            ("a*", QueryError::ShortPrefix("a*".into())),
        ];
        for (q, e) in cases {
            assert_eq!(parse(q), Err(e), "{q}");
        }
        let long = vec!["w"; MAX_TERMS + 1].join(" ");
        assert_eq!(parse(&long), Err(QueryError::TooLong));
    }

    #[test]
    fn double_negation_cancels() {
        assert_eq!(parse("refund NOT -voucher").unwrap().unwrap(), parse("refund voucher").unwrap().unwrap());
    }

    #[test]
    fn highlights_whole_words_phrases_and_prefixes() {
        let q = parse("\"order number\" refun* -voucher").unwrap().unwrap();
        let terms = q.positive_terms();
        let text = "Your Order Number is 5. Refunds take a week; no voucher, refund.";
        let got: Vec<&str> = highlight(text, &terms).into_iter().map(|(s, e)| &text[s..e]).collect();
        assert_eq!(got, ["Order Number", "Refunds", "refund"]);
        // A word inside another is not a hit.
        let q = parse("fund").unwrap().unwrap();
        assert!(highlight("refund", &q.positive_terms()).is_empty());
    }
}
