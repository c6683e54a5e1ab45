//! Invalid rubrics are refused with an error naming the criterion and the field.

use showroom_qa::{Rubric, RubricError};

const HEAD: &str = "name = \"t\"\nversion = \"1\"\npass_mark = 70\n";

fn parse(criteria: &str) -> Result<Rubric, RubricError> {
    Rubric::from_toml_str(&format!("{HEAD}{criteria}"))
}

#[test]
fn invalid_criteria_name_criterion_and_field() {
    // (what, criteria TOML, criterion, field, message substring)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "bad regex",
            "[[criteria]]\nid = \"greet\"\nkind = \"expected_phrase\"\nweight = 1\npatterns = ['(hello']",
            "greet",
            "patterns[0]",
            "bad regular expression",
        ),
        (
            "bad regex under a language",
            "[[criteria]]\nid = \"greet\"\nkind = \"expected_phrase\"\nweight = 1\nphrases = [\"hi\"]\n[criteria.languages.es]\npatterns = ['hola', '[a-']",
            "greet",
            "languages.es.patterns[1]",
            "bad regular expression",
        ),
        (
            "pattern matching empty text",
            "[[criteria]]\nid = \"p\"\nkind = \"forbidden_phrase\"\nweight = 1\npatterns = ['(damn)?']",
            "p",
            "patterns[0]",
            "matches empty text",
        ),
        (
            "weight zero",
            "[[criteria]]\nid = \"w\"\nkind = \"metric_bounds\"\nweight = 0\nmetric = \"agent_interruptions\"\nmax = 2",
            "w",
            "weight",
            "0 is not a number above 0",
        ),
        (
            "weight negative",
            "[[criteria]]\nid = \"w\"\nkind = \"metric_bounds\"\nweight = -5\nmetric = \"agent_interruptions\"\nmax = 2",
            "w",
            "weight",
            "not a number above 0",
        ),
        (
            "weight missing",
            "[[criteria]]\nid = \"w\"\nkind = \"metric_bounds\"\nmetric = \"agent_interruptions\"\nmax = 2",
            "w",
            "weight",
            "missing",
        ),
        (
            "unknown kind",
            "[[criteria]]\nid = \"k\"\nkind = \"metric_bound\"\nweight = 1",
            "k",
            "kind",
            "unknown kind \"metric_bound\"",
        ),
        (
            "unknown metric",
            "[[criteria]]\nid = \"m\"\nkind = \"metric_bounds\"\nweight = 1\nmetric = \"agent_interuptions\"\nmax = 2",
            "m",
            "metric",
            "unknown metric \"agent_interuptions\"",
        ),
        (
            "metric without bounds",
            "[[criteria]]\nid = \"m\"\nkind = \"metric_bounds\"\nweight = 1\nmetric = \"agent_interruptions\"",
            "m",
            "max",
            "give min, max or both",
        ),
        (
            "min above max",
            "[[criteria]]\nid = \"m\"\nkind = \"metric_bounds\"\nweight = 1\nmetric = \"agent_talk_share\"\nmin = 0.8\nmax = 0.2",
            "m",
            "min",
            "above max",
        ),
        (
            "empty phrase list",
            "[[criteria]]\nid = \"e\"\nkind = \"expected_phrase\"\nweight = 1\nphrases = []",
            "e",
            "phrases",
            "empty",
        ),
        (
            "no phrase fields at all",
            "[[criteria]]\nid = \"e\"\nkind = \"forbidden_phrase\"\nweight = 1",
            "e",
            "phrases",
            "empty",
        ),
        (
            "a phrase with no words",
            "[[criteria]]\nid = \"e\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"ok\", \"?!\"]",
            "e",
            "phrases[1]",
            "has no words",
        ),
        (
            "field of another kind",
            "[[criteria]]\nid = \"f\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]\nwindow = { first_s = 10 }",
            "f",
            "window",
            "does not apply to kind \"forbidden_phrase\"",
        ),
        (
            "two window forms",
            "[[criteria]]\nid = \"g\"\nkind = \"expected_phrase\"\nweight = 1\nphrases = [\"x\"]\nwindow = { first_s = 10, last_s = 10 }",
            "g",
            "window",
            "exactly one",
        ),
        (
            "after_trigger_s without a trigger",
            "[[criteria]]\nid = \"g\"\nkind = \"expected_phrase\"\nweight = 1\nphrases = [\"sorry\"]\nwindow = { after_trigger_s = 10 }",
            "g",
            "window.after_trigger_s",
            "needs applies_when",
        ),
        (
            "unknown speaker",
            "[[criteria]]\nid = \"s\"\nkind = \"expected_phrase\"\nweight = 1\nphrases = [\"x\"]\nspeaker = \"caller\"",
            "s",
            "speaker",
            "unknown speaker \"caller\"",
        ),
        (
            "repeat of a value nobody captured",
            "[[criteria]]\nid = \"r\"\nkind = \"required_steps\"\nweight = 1\n[[criteria.steps]]\nphrases = [\"order number\"]\n[[criteria.steps]]\nrepeat = \"order\"",
            "r",
            "steps[1].repeat",
            "not captured by an earlier step",
        ),
        (
            "step with neither phrases nor repeat",
            "[[criteria]]\nid = \"r\"\nkind = \"required_steps\"\nweight = 1\n[[criteria.steps]]\nspeaker = \"agent\"",
            "r",
            "steps[0].phrases",
            "empty",
        ),
        (
            "no steps",
            "[[criteria]]\nid = \"r\"\nkind = \"required_steps\"\nweight = 1\nsteps = []",
            "r",
            "steps",
            "empty",
        ),
        (
            "empty applies_when",
            "[[criteria]]\nid = \"a\"\nkind = \"metric_bounds\"\nweight = 1\nmetric = \"agent_interruptions\"\nmax = 1\napplies_when = {}",
            "a",
            "applies_when",
            "empty",
        ),
        (
            "bad language key",
            "[[criteria]]\nid = \"l\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]\n[criteria.languages.\"1\"]\nphrases = [\"y\"]",
            "l",
            "languages.1",
            "not a language tag",
        ),
        (
            "duplicate ids",
            "[[criteria]]\nid = \"d\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]\n[[criteria]]\nid = \"d\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"y\"]",
            "d",
            "id",
            "duplicate id",
        ),
        (
            "missing id: named by position",
            "[[criteria]]\nid = \"ok\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]\n[[criteria]]\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"y\"]",
            "#2",
            "id",
            "missing",
        ),
    ];
    let mut failures = Vec::new();
    for (what, toml, criterion, field, message) in cases {
        match parse(toml) {
            Err(RubricError::Criterion {
                criterion: c,
                field: f,
                message: m,
            }) if c == *criterion && f == *field && m.contains(message) => {
                // The displayed error carries all three, for people reading logs.
                let shown = RubricError::Criterion {
                    criterion: c,
                    field: f,
                    message: m,
                }
                .to_string();
                if !shown.contains(&format!("criterion {criterion:?}, field {field:?}")) {
                    failures.push(format!("{what}: display {shown:?}"));
                }
            }
            other => failures.push(format!(
                "{what}: want criterion {criterion:?} field {field:?} ~{message:?}, got {other:?}"
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_rubric_fields() {
    let ok_criterion =
        "[[criteria]]\nid = \"c\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]\n";
    let cases: &[(&str, String, &str)] = &[
        (
            "pass mark above 100",
            format!("name = \"t\"\nversion = 1\npass_mark = 101\n{ok_criterion}"),
            "pass_mark",
        ),
        (
            "no name",
            format!("version = 1\npass_mark = 50\n{ok_criterion}"),
            "name",
        ),
        (
            "blank version",
            format!("name = \"t\"\nversion = \" \"\npass_mark = 50\n{ok_criterion}"),
            "version",
        ),
        (
            "no pass mark",
            format!("name = \"t\"\nversion = 1\n{ok_criterion}"),
            "pass_mark",
        ),
        (
            "no criteria",
            "name = \"t\"\nversion = 1\npass_mark = 50\n".to_owned(),
            "criteria",
        ),
        (
            "negative join gap",
            format!(
                "name = \"t\"\nversion = 1\npass_mark = 50\n[matching]\njoin_gap_s = -1\n{ok_criterion}"
            ),
            "matching.join_gap_s",
        ),
    ];
    for (what, toml, field) in cases {
        match Rubric::from_toml_str(toml) {
            Err(RubricError::Field { field: f, .. }) if f == *field => {}
            other => panic!("{what}: want field {field:?}, got {other:?}"),
        }
    }
}

#[test]
fn toml_errors_say_where() {
    // A misspelt field is refused (not ignored), and the message points at it.
    let err = parse(
        "[[criteria]]\nid = \"c\"\nkind = \"forbidden_phrase\"\nwieght = 1\nphrases = [\"x\"]",
    )
    .unwrap_err();
    let RubricError::Toml(_) = &err else {
        panic!("want a TOML error, got {err:?}");
    };
    let shown = err.to_string();
    assert!(shown.contains("wieght"), "{shown}");
    assert!(shown.contains("line 7"), "{shown}");

    let err = parse("[[criteria]]\nid = \"c\"\nweight = \"heavy\"").unwrap_err();
    assert!(matches!(err, RubricError::Toml(_)), "{err:?}");
}

#[test]
fn from_path_reports_io_errors_with_the_path() {
    let err = Rubric::from_path("/nonexistent/showroom-qa/rubric.toml").unwrap_err();
    match &err {
        RubricError::Io { path, .. } => assert!(path.ends_with("rubric.toml")),
        other => panic!("want Io, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("/nonexistent/showroom-qa/rubric.toml")
    );
}

#[test]
fn version_may_be_a_number_and_title_defaults_to_id() {
    let r = parse(
        "[[criteria]]\nid = \"c\"\nkind = \"forbidden_phrase\"\nweight = 2.5\nphrases = [\"x\"]",
    )
    .unwrap();
    assert_eq!(r.version(), "1");
    assert_eq!(r.criteria()[0].title(), "c");
    assert_eq!(r.criteria()[0].weight(), 2.5);
    let r = Rubric::from_toml_str(
        "name = \"t\"\nversion = 3\npass_mark = 70\n[[criteria]]\nid = \"c\"\nkind = \"forbidden_phrase\"\nweight = 1\nphrases = [\"x\"]",
    )
    .unwrap();
    assert_eq!(r.version(), "3");
}
