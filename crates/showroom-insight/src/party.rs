use std::ops::{Index, IndexMut};

use serde::{Deserialize, Serialize};

/// One side of a support call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    Customer,
    Agent,
}

impl Party {
    pub const BOTH: [Party; 2] = [Party::Customer, Party::Agent];

    pub fn other(self) -> Party {
        match self {
            Party::Customer => Party::Agent,
            Party::Agent => Party::Customer,
        }
    }

    /// `"customer"` or `"agent"`, as serde writes it (and as metric names start).
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Customer => "customer",
            Party::Agent => "agent",
        }
    }
}

impl std::fmt::Display for Party {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value per party.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PerParty<T> {
    pub customer: T,
    pub agent: T,
}

impl<T> PerParty<T> {
    pub fn new(customer: T, agent: T) -> Self {
        Self { customer, agent }
    }

    pub fn from_fn(mut f: impl FnMut(Party) -> T) -> Self {
        Self {
            customer: f(Party::Customer),
            agent: f(Party::Agent),
        }
    }

    pub fn map<U>(&self, mut f: impl FnMut(&T) -> U) -> PerParty<U> {
        PerParty {
            customer: f(&self.customer),
            agent: f(&self.agent),
        }
    }
}

impl<T> Index<Party> for PerParty<T> {
    type Output = T;
    fn index(&self, party: Party) -> &T {
        match party {
            Party::Customer => &self.customer,
            Party::Agent => &self.agent,
        }
    }
}

impl<T> IndexMut<Party> for PerParty<T> {
    fn index_mut(&mut self, party: Party) -> &mut T {
        match party {
            Party::Customer => &mut self.customer,
            Party::Agent => &mut self.agent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn party_serialises_lowercase_and_indexes_per_party() {
        assert_eq!(serde_json::to_string(&Party::Agent).unwrap(), "\"agent\"");
        assert_eq!(
            serde_json::from_str::<Party>("\"customer\"").unwrap(),
            Party::Customer
        );
        let mut p = PerParty::new(1, 2);
        p[Party::Agent] += 10;
        assert_eq!((p[Party::Customer], p[Party::Agent]), (1, 12));
        assert_eq!(Party::Customer.other(), Party::Agent);
    }
}
