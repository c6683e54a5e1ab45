//! Shared table runner: every case is checked, then all failures are reported together.

use showroom_redact::{Policy, redact};

#[allow(dead_code)] // not every test file uses both runners
pub fn check(table: &[(&str, &str)]) {
    check_with(&Policy::default(), table);
}

pub fn check_with(policy: &Policy, table: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (input, want) in table {
        let got = redact(input, policy).text;
        if got != *want {
            failures.push(format!(
                "\n  input: {input}\n   want: {want}\n    got: {got}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:{}",
        failures.len(),
        table.len(),
        failures.concat()
    );
}
