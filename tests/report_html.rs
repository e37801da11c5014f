//! `meshgraph report`: the HTML health page, loaded in a real headless
//! Chromium (Debian package `chromium`) to check that it renders.

mod common;

use common::{headless_chromium, meshgraph};

const FAULTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scenarios/bookinfo-faults.toml"
);

#[test]
fn the_report_renders_in_chromium_with_graph_findings_and_changes() {
    let dir = tempfile::tempdir().unwrap();
    // Last night: the healthy part of the mesh only.
    let out = meshgraph(
        &[
            "snapshot",
            "--demo",
            "bookinfo-sidecar",
            "-o",
            "previous.json",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let out = meshgraph(
        &[
            "report",
            "--scenario",
            FAULTS,
            "--previous",
            "previous.json",
            "--json-out",
            "today.json",
            "-o",
            "report.html",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "error-level findings fail the job: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path().join("today.json").is_file(),
        "the snapshot for tomorrow's --previous"
    );

    let dom = headless_chromium(&dir.path().join("report.html"), &["--dump-dom"]);
    assert!(dom.contains("<svg"), "the graph is inlined");
    assert!(dom.contains("id=\"findings\""));
    for code in ["MG901", "MG902", "MG903", "MG904", "MG906"] {
        assert!(
            dom.contains(&format!("<td>{code}</td>")),
            "{code} in the findings table"
        );
    }
    assert!(
        dom.contains("edge vanished"),
        "the reviews-v2/v3 -> ratings edges of last night are gone"
    );
    assert!(
        dom.contains("reviews-v3") && dom.contains("20.0%"),
        "the failing edge leads the worst edges"
    );

    let shot = dir.path().join("report.png");
    headless_chromium(
        &dir.path().join("report.html"),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000",
        ],
    );
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "a real rendering ({} bytes)",
        png.len()
    );
}

#[test]
fn a_clean_report_exits_zero_and_escapes_label_values() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/scenarios/infra.toml"
    ))
    .unwrap()
    .replace("web-v1", "web<script>alert(1)</script>");
    std::fs::write(dir.path().join("hostile.toml"), hostile).unwrap();
    let out = meshgraph(
        &["report", "--scenario", "hostile.toml", "-o", "report.html"],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(!html.contains("<script>alert"), "label values are escaped");
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the only scripts are the report's own data and its pan/zoom and filters"
    );
    assert_eq!(
        html.matches("<script type=\"application/json\" id=\"mg-data\">")
            .count(),
        1
    );
    assert!(
        html.contains("web\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"),
        "the name is in the page's data, escaped for a script element"
    );
    let dom = headless_chromium(&dir.path().join("report.html"), &["--dump-dom"]);
    assert!(
        !dom.contains("<script>alert"),
        "no script element in the rendered page"
    );
    assert!(
        dom.contains("web&lt;script&gt;"),
        "the name is shown as text"
    );
}

/// The graph fits a 1400 px wide window (scaled, proportions kept), the
/// legend is on the page, and pan/zoom changes the view without any network.
#[test]
fn the_graph_fits_the_page_width_and_the_legend_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let out = meshgraph(
        &[
            "report",
            "--demo",
            "bookinfo-mixed",
            "--fail-on",
            "never",
            "-o",
            "report.html",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(!html.contains("src=\"http"), "self-contained");
    // Measure in the browser: a copy of the page with a probe that writes
    // the sizes into the DOM, then zooms in once with the page's own button.
    let probe = "<script>window.addEventListener('load',function(){\
var s=document.getElementById('graph-svg'),r=s.getBoundingClientRect(),before=s.getAttribute('viewBox');\
document.getElementById('zoom-in').click();\
var p=document.createElement('pre');p.id='probe';\
p.textContent='svg='+Math.round(r.width)+'x'+Math.round(r.height)+' viewport='+document.documentElement.clientWidth+\
' zoomed='+(s.getAttribute('viewBox')!==before);document.body.appendChild(p);});</script>";
    let page = dir.path().join("probe.html");
    std::fs::write(&page, html.replace("</body>", &format!("{probe}</body>"))).unwrap();
    let dom = headless_chromium(&page, &["--window-size=1400,1000", "--dump-dom"]);
    let probe = dom
        .split("<pre id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("no probe output in {dom}"));
    let number = |key: &str| -> f64 {
        probe
            .split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.split('x').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in {probe}"))
    };
    let (svg_width, viewport) = (number("svg="), number("viewport="));
    assert!(svg_width > 200.0, "the graph is drawn: {probe}");
    assert!(svg_width <= viewport, "the graph fits the window: {probe}");
    assert!(
        probe.contains("zoomed=true"),
        "the zoom button works: {probe}"
    );
    assert!(dom.contains("id=\"legend\""), "the legend is in the DOM");
    assert!(dom.contains("errors 10% or more"));
}
