//! Calls derived from traces (owned by the traces work; see issue 6).
