//! `docs/recording-rules.yaml` (issue 14): one Prometheus recording rule per
//! metric family, each the family's built-in query over all namespaces with a
//! 5-minute window. The file must stay in step with `queries/*.promql`: this
//! test renders the expected file from the built-in templates and compares.

use std::time::Duration;

use meshgraph_model::Metric;
use meshgraph_prometheus::queries::{RenderOptions, recorded_name, render_all};

fn expected() -> String {
    let rendered = render_all(
        None,
        &RenderOptions {
            namespaces: &[],
            window: Duration::from_secs(300),
            ztunnel_label: "app",
        },
    )
    .expect("the built-in templates render");
    let mut text = String::from(
        "# Recording rules for meshgraph (generated from queries/*.promql; a test keeps\n\
         # them in step). Each rule records one metric family exactly as meshgraph's\n\
         # built-in query asks for it over all namespaces with --window 5m, so that a\n\
         # server answering meshgraph often computes each sum once per evaluation\n\
         # interval instead of once per snapshot. Install them as a rule file\n\
         # (rule_files: in prometheus.yml, or a PrometheusRule object's spec).\n\
         # They assume the ztunnel scrape label is `app` (meshgraph's default).\n\
         # meshgraph reads the recorded series on its own when the server has them\n\
         # and --window is 5m (--no-recording-rules turns that off).\n\
         groups:\n  - name: meshgraph\n    interval: 30s\n    rules:\n",
    );
    for query in rendered {
        text.push_str(&format!(
            "      - record: {}\n        expr: |\n",
            recorded_name(query.metric)
        ));
        for line in query.query.lines().filter(|l| !l.trim().is_empty()) {
            text.push_str(&format!("          {line}\n"));
        }
    }
    text
}

#[test]
fn the_recording_rules_file_records_every_family_as_its_built_in_query() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/recording-rules.yaml");
    let expected = expected();
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    if actual != expected {
        let new = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("recording-rules.yaml");
        std::fs::write(&new, &expected).expect("writing the expected rules");
        panic!(
            "{} is not what queries/*.promql give; the expected file is at {} (copy it over if the queries changed on purpose)",
            path.display(),
            new.display()
        );
    }
    // Every family once, and every expression parses as PromQL.
    for metric in Metric::ALL {
        assert_eq!(
            actual
                .matches(&format!("record: {}\n", recorded_name(metric)))
                .count(),
            1,
            "{metric:?}"
        );
    }
    for block in actual.split("expr: |\n").skip(1) {
        let expr: String = block
            .lines()
            .take_while(|l| l.starts_with("          "))
            .collect::<Vec<_>>()
            .join("\n");
        promql_parser::parser::parse(&expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
    }
}
