//! The same fixture and queries against VictoriaMetrics (Debian
//! `victoria-metrics`): the scale-out engines must give the same graph.

mod common;

use common::*;
use meshgraph_prometheus::testing::VictoriaMetricsServer;
use meshgraph_prometheus::{PrometheusConfig, collect};

#[tokio::test]
async fn victoria_metrics_gives_the_same_rates_as_prometheus() {
    let vm = VictoriaMetricsServer::start_with_openmetrics(&bookinfo_openmetrics());
    let config = PrometheusConfig::new(vm.url());
    let all = collect(&config, &plan(&[]), None).await.unwrap();
    assert_bookinfo(&all);
    let bookinfo = collect(&config, &plan(&["bookinfo"]), None).await.unwrap();
    assert_bookinfo(&bookinfo);
    // Ten families, the latency buckets in four parts.
    assert_eq!(bookinfo.stats.queries, 13);
}
