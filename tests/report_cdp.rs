//! The report page driven in headless Chromium over the Chrome DevTools
//! Protocol (`--remote-debugging-pipe`: commands on the browser's fd 3,
//! answers and events on its fd 4, each a JSON object ended by a NUL byte):
//! a real mouse click on an edge opens its panel (ends, req/s, findings,
//! `explain` text, sparklines), a drag pans without opening anything, the
//! namespace filter dims the right edges, a node click keeps its own edges,
//! a table sorts by a clicked header, and nothing is logged as an error.
//! The screenshot (`target/report-cdp.png`) is for review by eye.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use common::{HEADLESS_CHROMIUM, chromium, generated_mesh, meshgraph};

/// How long one answer or event may take before the browser counts as
/// broken: a hang guard, not a measurement.
const PATIENCE: Duration = Duration::from_secs(90);

/// A browser and a page session, spoken to over the DevTools pipe.
struct Browser {
    child: Child,
    commands: ChildStdin,
    messages: mpsc::Receiver<Value>,
    /// Events read while waiting for an answer, in order.
    events: Vec<Value>,
    next_id: u64,
    session: Option<String>,
    log: PathBuf,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(scratch: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let log = scratch.join("chromium.log");
        // The shell hands our pipes to the browser as fds 3 (its commands)
        // and 4 (its answers), and gives it no stdin or stdout of its own.
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg("exec \"$0\" \"$@\" 3<&0 4>&1 </dev/null >/dev/null")
            .arg(chromium())
            .args(HEADLESS_CHROMIUM)
            .args(["--remote-debugging-pipe", "--hide-scrollbars"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start chromium");
        let commands = child.stdin.take().unwrap();
        let mut answers = child.stdout.take().unwrap();
        let (send, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut pending = Vec::new();
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = match answers.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                pending.extend_from_slice(&buf[..n]);
                while let Some(end) = pending.iter().position(|b| *b == 0) {
                    let message: Vec<u8> = pending.drain(..=end).collect();
                    let value: Value = serde_json::from_slice(&message[..end])
                        .unwrap_or_else(|e| json!({"unreadable": e.to_string()}));
                    if send.send(value).is_err() {
                        return;
                    }
                }
            }
        });
        Browser {
            child,
            commands,
            messages,
            events: Vec::new(),
            next_id: 0,
            session: None,
            log,
            _profile: profile,
        }
    }

    fn next_message(&mut self, waiting_for: &str) -> Value {
        match self.messages.recv_timeout(PATIENCE) {
            Ok(message) => message,
            Err(e) => panic!(
                "chromium gave no {waiting_for} ({e}); its log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            ),
        }
    }

    /// Sends a command (to the page session once attached) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        self.commands.flush().unwrap();
        let started = Instant::now();
        loop {
            let message = self.next_message(&format!("answer to {method}"));
            if message["id"] == json!(id) {
                if let Some(error) = message.get("error") {
                    panic!("{method}: {error}");
                }
                return message["result"].clone();
            }
            self.events.push(message);
            assert!(
                started.elapsed() < PATIENCE,
                "no answer to {method} among the events"
            );
        }
    }

    /// Waits for an event (one already received counts).
    fn wait_for(&mut self, method: &str) -> Value {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            return self.events.remove(at);
        }
        let started = Instant::now();
        loop {
            let message = self.next_message(method);
            if message["method"] == method {
                return message;
            }
            self.events.push(message);
            assert!(started.elapsed() < PATIENCE, "no {method} event");
        }
    }

    /// A browser with one page of 1400×1100 pixels attached, its runtime,
    /// page and log events on.
    fn with_page(scratch: &Path) -> Browser {
        let mut browser = Browser::start(scratch);
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        browser.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        browser.call("Runtime.enable", json!({}));
        browser.call("Page.enable", json!({}));
        browser.call("Log.enable", json!({}));
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1400, "height": 1100, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// Opens a file and waits for its load event.
    fn open(&mut self, page: &Path) {
        self.call(
            "Page.navigate",
            json!({"url": format!("file://{}", page.display())}),
        );
        self.wait_for("Page.loadEventFired");
    }

    /// Evaluates an expression in the page and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(details) = result.get("exceptionDetails") {
            panic!("{expression}\nthrew: {details}");
        }
        result["result"]["value"].clone()
    }

    /// A left click as a user makes it: press and release at one point.
    fn click(&mut self, x: f64, y: f64) {
        self.mouse("mouseMoved", x, y, 0);
        self.mouse("mousePressed", x, y, 1);
        self.mouse("mouseReleased", x, y, 0);
    }

    /// Press, move `dx` pixels, release.
    fn drag(&mut self, x: f64, y: f64, dx: f64) {
        self.mouse("mouseMoved", x, y, 0);
        self.mouse("mousePressed", x, y, 1);
        for step in 1..=4 {
            self.mouse("mouseMoved", x + dx * f64::from(step) / 4.0, y, 1);
        }
        self.mouse("mouseReleased", x + dx, y, 0);
    }

    fn mouse(&mut self, kind: &str, x: f64, y: f64, buttons: u8) {
        let button = if kind == "mouseMoved" && buttons == 0 {
            "none"
        } else {
            "left"
        };
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": button, "buttons": buttons,
                   "clickCount": if kind == "mouseMoved" { 0 } else { 1 }}),
        );
    }

    /// Everything the page reported as an error: exceptions, console errors,
    /// log entries of level error.
    fn errors(&mut self) -> Vec<Value> {
        while let Ok(message) = self.messages.try_recv() {
            self.events.push(message);
        }
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
                    || (e["method"] == "Log.entryAdded" && e["params"]["entry"]["level"] == "error")
            })
            .cloned()
            .collect()
    }
}

impl Browser {
    /// Asks the browser to quit and closes its command pipe; [`Drop`] kills
    /// it if it has not gone within the patience.
    fn close(&mut self) {
        self.session = None;
        self.next_id += 1;
        let mut bytes =
            serde_json::to_vec(&json!({"id": self.next_id, "method": "Browser.close"})).unwrap();
        bytes.push(0);
        let _ = self.commands.write_all(&bytes);
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const FAULTS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/scenarios/bookinfo-faults.toml"
);

/// Night 1 at 02:00 UTC.
const NIGHT1: i64 = 1_793_498_400;

/// The faults scenario on night `n`: reviews-v3 -> ratings fails more each
/// night and carries more traffic, so its sparklines are not flat.
fn night(dir: &Path, n: i64) -> PathBuf {
    let text = std::fs::read_to_string(FAULTS).unwrap();
    let call =
        "from = \"bookinfo/reviews-v3\"\nto = \"bookinfo/ratings\"\nrps = 2.0\nerror_ratio = 0.2\n";
    assert!(text.contains(call), "the fixture's failing call changed");
    let text = text
        .replacen(
            "name = \"bookinfo-faults\"\n",
            &format!(
                "name = \"bookinfo-faults\"\nat = {}\n",
                NIGHT1 + (n - 1) * 86_400
            ),
            1,
        )
        .replace(
            call,
            &format!(
                "from = \"bookinfo/reviews-v3\"\nto = \"bookinfo/ratings\"\nrps = {}.0\nerror_ratio = {}\n",
                n + 1,
                0.05 * n as f64
            ),
        );
    let path = dir.join(format!("night-{n}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// The target directory (for the screenshot): three levels above the test
/// binary (`target/debug/deps/report_cdp-HASH`).
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .ancestors()
        .nth(3)
        .unwrap()
        .to_path_buf()
}

const FROM: &str = "workload:bookinfo/reviews-v3";
const TO: &str = "workload:bookinfo/ratings-v1";
/// The namespace the filter picks: only the ingress gateway is in it.
const FILTERED: &str = "istio-system";

#[test]
fn an_edge_click_opens_its_panel_and_a_namespace_filter_dims_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    for n in 1..=4 {
        let scenario = night(dir.path(), n);
        let out = meshgraph(
            &[
                "report",
                "--scenario",
                scenario.to_str().unwrap(),
                "--history",
                history.to_str().unwrap(),
                "--fail-on",
                "never",
                "--json-out",
                &format!("night-{n}.json"),
                "-o",
                &format!("night-{n}.html"),
            ],
            dir.path(),
        );
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // What the page must show, from the run's own JSON snapshot and from
    // `meshgraph explain`, not from the page.
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("night-4.json")).unwrap())
            .unwrap();
    let edges = snapshot["edges"].as_array().unwrap();
    let edge = edges
        .iter()
        .find(|e| e["source"] == FROM && e["target"] == TO)
        .expect("the failing edge in the snapshot");
    let rps = format!("{:.2}", edge["rps"].as_f64().unwrap());
    assert_eq!(rps, "5.00", "night 4 carries 5 req/s on the edge");
    let codes: Vec<&str> = edge["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(codes.contains(&"MG902"), "{codes:?}");
    let explained = meshgraph(
        &[
            "explain",
            "--scenario",
            dir.path().join("night-4.toml").to_str().unwrap(),
            "bookinfo/reviews-v3",
            "bookinfo/ratings-v1",
        ],
        dir.path(),
    );
    assert!(explained.status.success());
    let explained = String::from_utf8(explained.stdout).unwrap();
    // Its first lines: the pair, then the edge with its rates.
    let explain_lines: Vec<&str> = explained.lines().take(2).collect();
    assert!(
        explain_lines.len() == 2 && explain_lines[1].trim_start().starts_with("edge: http"),
        "{explained}"
    );
    let namespace_of = |id: &Value| namespace_of(&snapshot, id);
    let in_filtered = edges
        .iter()
        .filter(|e| {
            namespace_of(&e["source"]).as_deref() == Some(FILTERED)
                || namespace_of(&e["target"]).as_deref() == Some(FILTERED)
        })
        .count();
    assert!(
        in_filtered > 0 && in_filtered < edges.len(),
        "{in_filtered}"
    );
    let mut namespaces: Vec<&str> = snapshot["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["namespace"].as_str())
        .collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    namespaces.insert(0, "");
    // The unidentified batch job: every caller the telemetry cannot name.
    let batch = "unknown";
    let of_batch = edges
        .iter()
        .filter(|e| e["source"] == batch || e["target"] == batch)
        .count();
    assert!(of_batch > 0);

    let page = dir.path().join("night-4.html");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));

    let mut browser = Browser::with_page(dir.path());
    // The error collector sees what the page would report (else the check
    // at the end could not fail).
    browser
        .eval("console.error('probe'); setTimeout(function(){ throw new Error('probe'); }, 0); 1");
    browser.eval("new Promise(function(r){ setTimeout(r, 50); })");
    let probes = browser.errors();
    assert!(
        probes
            .iter()
            .any(|e| e["method"] == "Runtime.consoleAPICalled")
            && probes
                .iter()
                .any(|e| e["method"] == "Runtime.exceptionThrown"),
        "{probes:#?}"
    );
    browser.events.clear();
    browser.open(&page);

    // Every drawn edge of the snapshot is an element of the picture.
    let drawn = browser.eval("document.querySelectorAll('#graph-svg g.edge').length");
    assert_eq!(drawn, json!(edges.len()));
    let panel_hidden = browser.eval("document.getElementById('edge-panel').hidden");
    assert_eq!(panel_hidden, json!(true), "no panel before a click");

    // Where a click lands on the edge (a point of its line that is the
    // topmost element there), found by its ends as the picture's titles say.
    let locate = format!(
        r#"(function(){{
  var g=Array.prototype.find.call(document.querySelectorAll('#graph-svg g.edge'),function(g){{
    var t=g.querySelector('title');return t&&t.textContent==={title};}});
  if(!g)return null;
  g.scrollIntoView({{block:'center'}});
  var p=g.querySelector('path:not(.mg-hit)'),len=p.getTotalLength(),m=p.getScreenCTM();
  var fractions=[0.5,0.4,0.6,0.3,0.7,0.2,0.8];
  for(var i=0;i<fractions.length;i++){{
    var q=p.getPointAtLength(len*fractions[i]),s=document.getElementById('graph-svg').createSVGPoint();
    s.x=q.x;s.y=q.y;s=s.matrixTransform(m);
    var hit=document.elementFromPoint(s.x,s.y);
    if(hit&&hit.closest('g.edge')===g)return {{x:s.x,y:s.y,id:g.id}};
  }}
  return null;}})()"#,
        title = json!(format!("{FROM}->{TO}"))
    );
    let at = browser.eval(&locate);
    assert!(at.is_object(), "no clickable point on the edge: {at}");
    let (x, y) = (at["x"].as_f64().unwrap(), at["y"].as_f64().unwrap());
    browser.click(x, y);

    let panel = browser.eval("document.getElementById('edge-panel').innerText");
    let panel = panel.as_str().unwrap_or_default().to_string();
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').hidden"),
        json!(false)
    );
    assert!(panel.contains(FROM) && panel.contains(TO), "{panel}");
    let figures = browser.eval(
        "Array.prototype.map.call(document.querySelectorAll('#edge-panel table.figures tr'),function(r){return [r.children[0].textContent,r.children[1].textContent];})",
    );
    let figure = |name: &str| -> String {
        figures
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row[0] == name)
            .and_then(|row| row[1].as_str())
            .unwrap_or_else(|| panic!("no {name} in {figures}"))
            .to_string()
    };
    assert_eq!(figure("req/s"), rps, "{figures}");
    assert_eq!(figure("protocol"), "http");
    assert_eq!(
        figure("errors"),
        format!(
            "{:.1}%",
            edge["error_rps"].as_f64().unwrap() / edge["rps"].as_f64().unwrap() * 100.0
        )
    );
    assert_eq!(figure("from"), FROM);
    assert_eq!(figure("to"), TO);
    for code in &codes {
        assert!(panel.contains(code), "{code} in\n{panel}");
    }
    for line in &explain_lines {
        assert!(panel.contains(line.trim()), "{line:?} in\n{panel}");
    }
    let sparks = browser.eval("document.querySelectorAll('#edge-panel svg.spark path').length");
    assert_eq!(sparks, json!(4), "req/s, errors, p99, mTLS over the runs");
    let rps_points = browser.eval(
        "document.querySelector('#edge-panel svg.spark path').getAttribute('d').split(/[ML]/).filter(function(s){return s.trim()}).length",
    );
    assert_eq!(rps_points, json!(4), "one point per night");
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').dataset.edge"),
        at["id"]
    );

    // A drag pans the picture and opens nothing.
    let before = browser.eval("document.getElementById('graph-svg').getAttribute('viewBox')");
    browser.drag(x, y, 60.0);
    let after = browser.eval("document.getElementById('graph-svg').getAttribute('viewBox')");
    assert_ne!(before, after, "the drag panned");
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').dataset.edge"),
        at["id"],
        "the drag is not a click"
    );
    browser.eval("document.getElementById('zoom-reset').click()");

    // The namespace filter keeps the edges with an end in the namespace.
    let dimmed = "Array.prototype.filter.call(document.querySelectorAll('#graph-svg g.edge'),function(g){return parseFloat(getComputedStyle(g).opacity)<0.5;}).length";
    assert_eq!(browser.eval(dimmed), json!(0));
    browser.eval(&format!(
        "(function(){{var s=document.getElementById('filter-namespace');s.value={};s.dispatchEvent(new Event('change'));}})()",
        json!(FILTERED)
    ));
    assert_eq!(browser.eval(dimmed), json!(edges.len() - in_filtered));
    // Either end counts: the unknown callers' edges into bookinfo stay too.
    let in_bookinfo = edges
        .iter()
        .filter(|e| {
            namespace_of(&e["source"]).as_deref() == Some("bookinfo")
                || namespace_of(&e["target"]).as_deref() == Some("bookinfo")
        })
        .count();
    assert!(edges.iter().any(|e| namespace_of(&e["source"]).is_none()
        && namespace_of(&e["target"]).as_deref() == Some("bookinfo")));
    browser.eval(
        "(function(){var s=document.getElementById('filter-namespace');s.value='bookinfo';s.dispatchEvent(new Event('change'));})()",
    );
    assert_eq!(browser.eval(dimmed), json!(edges.len() - in_bookinfo));
    let namespace_options = browser.eval(
        "Array.prototype.map.call(document.getElementById('filter-namespace').options,function(o){return o.value;})",
    );
    assert_eq!(namespace_options, json!(namespaces));
    assert_eq!(
        browser.eval("document.getElementById('filter-cluster-label').hidden"),
        json!(true),
        "one cluster: no cluster filter"
    );
    browser.eval("document.getElementById('filter-clear').click()");
    assert_eq!(browser.eval(dimmed), json!(0));

    // A node click keeps its own edges.
    let node = browser.eval(&format!(
        r#"(function(){{
  var g=Array.prototype.find.call(document.querySelectorAll('#graph-svg g.node'),function(g){{
    var t=g.querySelector('title');return t&&t.textContent==={batch};}});
  g.scrollIntoView({{block:'center'}});
  var r=g.getBoundingClientRect();return {{x:r.left+r.width/2,y:r.top+r.height/2}};}})()"#,
        batch = json!(batch)
    ));
    browser.click(node["x"].as_f64().unwrap(), node["y"].as_f64().unwrap());
    assert_eq!(browser.eval(dimmed), json!(edges.len() - of_batch));
    browser.eval("document.getElementById('filter-clear').click()");

    // The worst edges sort by req/s, largest first, at a header click.
    browser.eval("document.querySelectorAll('#worst-edges th')[3].click()");
    let column: Vec<f64> = browser
        .eval("Array.prototype.map.call(document.querySelectorAll('#worst-edges tr[data-row]'),function(r){return parseFloat(r.children[3].dataset.v);})")
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(column.len() > 2);
    assert!(
        column.windows(2).all(|w| w[0] >= w[1]),
        "sorted by req/s: {column:?}"
    );
    assert!(column[0] > column[column.len() - 1], "{column:?}");

    // For review by eye: the graph with the failing edge's panel open.
    browser.click(x, y);
    let at = browser.eval(&locate);
    browser.click(at["x"].as_f64().unwrap(), at["y"].as_f64().unwrap());
    browser.eval("document.getElementById('graph-filters').scrollIntoView({block:'start'})");
    let shot = browser.call("Page.captureScreenshot", json!({"format": "png"}));
    let png = decode_base64(shot["data"].as_str().unwrap());
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{}",
        png.len()
    );
    let shot_path = target_dir().join("report-cdp.png");
    std::fs::write(&shot_path, &png).unwrap();
    eprintln!("screenshot: {}", shot_path.display());

    let errors = browser.errors();
    assert!(errors.is_empty(), "errors in the page: {errors:#?}");
    browser.close();
}

/// The namespace of the node `id` in a `--json-out` snapshot.
fn namespace_of(snapshot: &Value, id: &Value) -> Option<String> {
    snapshot["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == *id)
        .and_then(|n| n["namespace"].as_str().map(str::to_string))
}

/// The first edge of the picture with a line whose middle is the topmost
/// element there (scrolled into view): its id and that point, or `null`.
const FIRST_CLICKABLE_EDGE: &str = r#"(function(){
  var edges=document.querySelectorAll('#graph-svg g.edge');
  for(var e=0;e<edges.length;e++){
    var g=edges[e],paths=g.querySelectorAll('path:not(.mg-hit)');
    for(var k=0;k<paths.length;k++){
      var p=paths[k];g.scrollIntoView({block:'center'});
      var len=p.getTotalLength(),m=p.getScreenCTM(),q=p.getPointAtLength(len/2);
      var s=document.getElementById('graph-svg').createSVGPoint();s.x=q.x;s.y=q.y;s=s.matrixTransform(m);
      var hit=document.elementFromPoint(s.x,s.y);
      if(hit&&hit.closest('g.edge')===g)return {x:s.x,y:s.y,id:g.id};
    }
  }
  return null;})()"#;

/// Without Graphviz (the CronJob image has none) the built-in layout draws
/// the page's graph with the same element ids: a real click on an edge
/// opens its panel, and the namespace filter dims the other edges.
#[test]
fn the_page_drawn_without_graphviz_is_interactive_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::run()
        .args([
            "report",
            "--demo",
            "bookinfo-mixed",
            "--json-out",
            "snapshot.json",
            "-o",
            "page.html",
        ])
        .dir(dir.path())
        .env("MESHGRAPH_DOT", "")
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("built-in layout"), "{stderr}");
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("snapshot.json")).unwrap())
            .unwrap();
    let edges = snapshot["edges"].as_array().unwrap();
    let namespace_of = |id: &Value| namespace_of(&snapshot, id);
    let outside = |namespace: &str| {
        edges
            .iter()
            .filter(|e| {
                namespace_of(&e["source"]).as_deref() != Some(namespace)
                    && namespace_of(&e["target"]).as_deref() != Some(namespace)
            })
            .count()
    };
    // A namespace that some edges touch and others do not.
    let (namespace, outside) = snapshot["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["namespace"].as_str())
        .map(|ns| (ns.to_string(), outside(ns)))
        .find(|(_, o)| *o > 0 && *o < edges.len())
        .expect("a namespace that splits the edges");

    let mut browser = Browser::with_page(dir.path());
    browser.open(&dir.path().join("page.html"));
    assert_eq!(
        browser.eval("document.querySelectorAll('#graph-svg g.edge').length"),
        json!(edges.len())
    );
    assert_eq!(
        browser.eval("document.getElementById('graph-filters').hidden"),
        json!(false),
        "the filters show: the drawing has element ids"
    );
    let at = browser.eval(FIRST_CLICKABLE_EDGE);
    assert!(at.is_object(), "no clickable edge");
    browser.click(at["x"].as_f64().unwrap(), at["y"].as_f64().unwrap());
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').hidden"),
        json!(false)
    );
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').dataset.edge"),
        at["id"]
    );
    let figures = browser.eval(
        "(function(){var f={};Array.prototype.forEach.call(document.querySelectorAll('#edge-panel table.figures tr'),function(r){f[r.children[0].textContent]=r.children[1].textContent;});return f;})()",
    );
    let edge = edges
        .iter()
        .find(|e| e["source"] == figures["from"] && e["target"] == figures["to"])
        .unwrap_or_else(|| panic!("the panel's edge is in the snapshot: {figures}"));
    if let Some(rps) = edge["rps"].as_f64() {
        assert_eq!(figures["req/s"], json!(format!("{rps:.2}")), "{figures}");
    }
    let dimmed = browser.eval(&format!(
        "(function(){{var s=document.getElementById('filter-namespace');s.value={};s.dispatchEvent(new Event('change'));\
         return Array.prototype.filter.call(document.querySelectorAll('#graph-svg g.edge'),function(g){{return parseFloat(getComputedStyle(g).opacity)<0.5;}}).length;}})()",
        json!(namespace)
    ));
    assert_eq!(dimmed, json!(outside), "{namespace}");
    let errors = browser.errors();
    assert!(errors.is_empty(), "errors in the page: {errors:#?}");
    browser.close();
}

/// The 2,000-edge page measured, not judged (issue 15: "interactive in
/// Chromium within 2 s"): the time from navigation to the end of the load
/// event (the page's script has drawn its controls then), the first click
/// on an edge until its panel shows, and a namespace filter until the other
/// edges are dimmed. Run by hand, it prints the numbers:
/// `cargo test --release --test report_cdp -- --ignored --nocapture`.
/// The assertions check only that each step did what it should.
#[test]
#[ignore = "a measurement: run by hand (see docs/history.md)"]
fn measure_the_2000_edge_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mesh.toml"), generated_mesh(20)).unwrap();
    let out = meshgraph(
        &["report", "--scenario", "mesh.toml", "-o", "report.html"],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = dir.path().join("report.html");
    let bytes = std::fs::metadata(&page).unwrap().len();

    let mut browser = Browser::with_page(dir.path());
    let started = Instant::now();
    browser.open(&page);
    let until_loaded = started.elapsed();
    let load_event_end = browser
        .eval("performance.getEntriesByType('navigation')[0].loadEventEnd")
        .as_f64()
        .unwrap();
    assert_eq!(
        browser.eval("document.querySelectorAll('#graph-svg g.edge').length"),
        json!(2000)
    );

    let at = browser.eval(FIRST_CLICKABLE_EDGE);
    assert!(at.is_object(), "no clickable edge");
    let clicked = Instant::now();
    browser.click(at["x"].as_f64().unwrap(), at["y"].as_f64().unwrap());
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').hidden"),
        json!(false)
    );
    let until_panel = clicked.elapsed();
    assert_eq!(
        browser.eval("document.getElementById('edge-panel').dataset.edge"),
        at["id"]
    );

    let filtered = Instant::now();
    let dimmed = browser.eval(
        "(function(){var s=document.getElementById('filter-namespace');s.value='ns-3';s.dispatchEvent(new Event('change'));\
         return Array.prototype.filter.call(document.querySelectorAll('#graph-svg g.edge'),function(g){return parseFloat(getComputedStyle(g).opacity)<0.5;}).length;})()",
    );
    let until_dimmed = filtered.elapsed();
    // ns-3 has 25 workloads of four calls each, and the 25 calls into it from ns-16.
    assert_eq!(dimmed, json!(2000 - 125));
    browser.close();
    println!(
        "2,000-edge report page, {:.2} MB: navigation to load event end {load_event_end:.0} ms \
         (wall {:.0} ms with the DevTools round trips); edge click to panel {:.0} ms; \
         namespace filter to dimmed edges {:.0} ms",
        bytes as f64 / 1e6,
        until_loaded.as_secs_f64() * 1e3,
        until_panel.as_secs_f64() * 1e3,
        until_dimmed.as_secs_f64() * 1e3
    );
}

/// Standard base64 (the screenshot's encoding), without a crate for it.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.as_bytes().chunks(4) {
        let digits: Vec<u32> = chunk
            .iter()
            .filter(|c| **c != b'=')
            .map(|c| value(*c))
            .collect();
        let mut n = 0u32;
        for (i, d) in digits.iter().enumerate() {
            n |= d << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..digits.len().saturating_sub(1)]);
    }
    out
}
