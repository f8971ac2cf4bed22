//! Hash maps and sets with a fast hasher. `foldhash`'s seeded state keeps lookups quick on
//! the many short address strings grantcheck indexes, without SipHash's cost.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
