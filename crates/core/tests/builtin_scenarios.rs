//! Every built-in scenario reconciles to exactly its logical calls.

mod common;

use meshgraph_core::ClassifyOptions;
use meshgraph_scenario::{builtin, builtin_names};

#[test]
fn every_builtin_scenario_reconciles_to_its_logical_calls() {
    for name in builtin_names() {
        let scenario = builtin(name).unwrap().unwrap();
        if let Err(message) = common::check(&scenario, &ClassifyOptions::default()) {
            panic!("{name}: {message}");
        }
    }
}
