//! The IO: which requests a run sends to Jaeger or Tempo, concurrently and
//! bounded, and what it makes of the answers.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

use crate::http::{Answer, Http};
use meshgraph_source::{HttpError, Recorder, TraceEntry};

use crate::{
    Backend, Decoded, Format, TRACING_BACKEND, TimeWindow, TracesCollected, TracesConfig,
    TracesError, decode, from_decoded, summarized,
};

/// How many failed requests are listed one by one in the warnings.
const LISTED_FAILURES: usize = 10;

/// Asks the backend for the traces of `window` and derives calls from them.
/// With a recorder, every answer is also written, as received, before it is
/// decoded.
///
/// Jaeger: the services come from `/api/v3/services` (or `config.services`);
/// each service and time slice is one `/api/v3/traces` query (a 404 with an
/// error body is "no traces"). When `/api/v3` is absent, the same through
/// v1's `/api/services` and `/api/traces`. Tempo: one `/api/search` per slice
/// (and service, when given), then `/api/traces/{id}` for each trace found.
///
/// One failed query is a warning; the run fails when the backend cannot be
/// reached or every query failed. Must run inside a Tokio runtime.
pub async fn collect(
    config: &TracesConfig,
    window: TimeWindow,
    recorder: Option<&Recorder>,
) -> Result<TracesCollected, TracesError> {
    let started = Instant::now();
    check(config, &window)?;
    let http = Arc::new(Http::new(config)?);
    let mut run = Run {
        http: http.clone(),
        recorder,
        requests: 0,
        answers: Vec::new(),
        warnings: Vec::new(),
        failures: Vec::new(),
    };
    match config.backend {
        Backend::Jaeger => jaeger(config, &window, &mut run).await?,
        Backend::Tempo => tempo(config, &window, &mut run).await?,
    }
    let api = run.api_name(config.backend);
    let mut warnings = std::mem::take(&mut run.warnings);
    let mut collected = from_decoded(std::mem::take(&mut run.answers));
    warnings.append(&mut collected.warnings);
    collected.warnings = warnings.iter().map(|w| http.scrub(w)).collect();
    collected.stats.api = Some(api);
    collected.stats.requests = run.requests;
    collected.stats.server_time = http.busy_time();
    collected.stats.wall_time = started.elapsed();
    Ok(summarized(collected))
}

fn check(config: &TracesConfig, window: &TimeWindow) -> Result<(), TracesError> {
    let bad = |what: &str| Err(TracesError::Config(what.to_string()));
    if config.limit == 0 {
        return bad("the trace limit must be at least 1");
    }
    if config.slices == 0 {
        return bad("the number of time slices must be at least 1");
    }
    if config.concurrency == 0 {
        return bad("the concurrency must be at least 1");
    }
    if window.end <= window.start {
        return bad("the time window is empty: its end is not after its start");
    }
    Ok(())
}

/// One request of a run.
#[derive(Clone)]
struct Request {
    api: &'static str,
    path: String,
    query: Vec<(&'static str, String)>,
    allow_404: bool,
    /// `Accept` other than JSON: Tempo is asked for protobuf.
    accept: Option<&'static str>,
}

/// What Tempo answers protobuf to (its `HeaderAcceptProtobuf`); a server that
/// answers JSON anyway is read as JSON, by its `Content-Type`.
const PROTOBUF: &str = "application/protobuf";

struct Run<'r> {
    http: Arc<Http>,
    recorder: Option<&'r Recorder>,
    requests: usize,
    answers: Vec<Decoded>,
    warnings: Vec<String>,
    failures: Vec<TracesError>,
}

impl Run<'_> {
    fn api_name(&self, backend: Backend) -> String {
        match backend {
            Backend::Tempo => "tempo".into(),
            Backend::Jaeger => self
                .answers
                .first()
                .map(|d| d.format)
                .map(|f| {
                    if f == Format::JaegerV1 {
                        "jaeger-v1"
                    } else {
                        "jaeger-v3"
                    }
                })
                .unwrap_or("jaeger")
                .into(),
        }
    }

    /// Sends `requests` with at most `concurrency` in flight and hands each
    /// answer, in completion order, to `on_answer`.
    async fn send_all(
        &mut self,
        requests: Vec<Request>,
        concurrency: usize,
        mut on_answer: impl FnMut(&mut Self, &Request, Answer) -> Result<(), TracesError>,
    ) -> Result<(), TracesError> {
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for (index, request) in requests.iter().cloned().enumerate() {
            let (http, permits) = (self.http.clone(), permits.clone());
            tasks.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                let result = http
                    .get_accepting(
                        &request.path,
                        &request.query,
                        request.allow_404,
                        request.accept,
                    )
                    .await;
                (index, result)
            });
        }
        self.requests += requests.len();
        while let Some(joined) = tasks.join_next().await {
            let (index, result) =
                joined.map_err(|e| TracesError::Config(format!("a request task stopped: {e}")))?;
            let request = &requests[index];
            match result {
                Ok(answer) => {
                    if let Some(recorder) = self.recorder {
                        let entry = TraceEntry {
                            api: request.api.into(),
                            file: String::new(),
                            path: request.path.clone(),
                            query: request
                                .query
                                .iter()
                                .map(|(k, v)| (k.to_string(), v.clone()))
                                .collect(),
                            status: answer.status,
                        };
                        recorder.record_trace(entry, &answer.body)?;
                    }
                    if let Err(e) = on_answer(self, request, answer) {
                        self.failures.push(e);
                    }
                }
                Err(e) => self.failures.push(e),
            }
        }
        Ok(())
    }

    /// Fails with the first error when every one of `sent` requests failed;
    /// otherwise turns the failures into warnings.
    fn settle(&mut self, sent: usize, what: &str) -> Result<(), TracesError> {
        let failures = std::mem::take(&mut self.failures);
        if sent > 0 && failures.len() >= sent {
            return Err(failures.into_iter().next().expect("at least one failure"));
        }
        let count = failures.len();
        for e in failures.into_iter().take(LISTED_FAILURES) {
            self.warnings
                .push(format!("{what}: one request failed and was skipped: {e}"));
        }
        if count > LISTED_FAILURES {
            self.warnings.push(format!(
                "{what}: {} more failed requests not listed",
                count - LISTED_FAILURES
            ));
        }
        Ok(())
    }

    /// Decodes an answer: protobuf when its `Content-Type` says so (a Tempo
    /// search answer when `search`), else by its content (JSON).
    fn decode(&mut self, answer: &Answer, search: bool) -> Result<Decoded, TracesError> {
        let protobuf = answer
            .content_type
            .as_deref()
            .is_some_and(|t| t.to_ascii_lowercase().contains("protobuf"));
        let decoded = match (protobuf, search) {
            (true, true) => crate::decode::decode_tempo_search_protobuf(&answer.body, &answer.url),
            (true, false) => crate::decode_protobuf(&answer.body, &answer.url),
            (false, _) => decode(&answer.body, &answer.url),
        };
        decoded.map_err(|e| match e {
            TracesError::Server {
                source_name,
                message,
            } => TracesError::Server {
                source_name,
                message: self.http.scrub(&message),
            },
            other => other,
        })
    }
}

/// The window cut into `n` equal, adjacent slices.
fn slices(window: &TimeWindow, n: u32) -> Vec<TimeWindow> {
    let total = window
        .end
        .duration_since(window.start)
        .unwrap_or(Duration::ZERO);
    let step = total / n;
    (0..n)
        .map(|i| TimeWindow {
            start: window.start + step * i,
            end: if i + 1 == n {
                window.end
            } else {
                window.start + step * (i + 1)
            },
        })
        .collect()
}

fn rfc3339(t: SystemTime) -> String {
    jiff::Timestamp::try_from(t)
        .map(|ts| ts.to_string())
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

// ---------------------------------------------------------------------------
// Jaeger

#[derive(Debug, Clone, Copy, PartialEq)]
enum JaegerApi {
    V3,
    V1,
}

#[derive(Deserialize)]
struct V3Services {
    services: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct V1Services {
    data: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ErrorBody<'a> {
    #[serde(borrow)]
    error: Option<&'a serde_json::value::RawValue>,
}

/// Finds out which API the query service speaks, and its services.
async fn probe(http: &Http) -> Result<(JaegerApi, Vec<String>), TracesError> {
    let v3 = http.get("/api/v3/services", &[], true).await?;
    if v3.status == 200
        && let Ok(V3Services { services }) = serde_json::from_slice(&v3.body)
    {
        return Ok((JaegerApi::V3, services.unwrap_or_default()));
    }
    let v1 = http.get("/api/services", &[], true).await?;
    if v1.status == 200
        && let Ok(V1Services { data }) = serde_json::from_slice(&v1.body)
    {
        return Ok((JaegerApi::V1, data.unwrap_or_default()));
    }
    Err(TracesError::NotJaeger {
        url: http.display_base(),
        reason: format!(
            "GET /api/v3/services answered {} and GET /api/services answered {}, neither with a list of services",
            describe(&v3),
            describe(&v1)
        ),
    })
}

fn describe(answer: &Answer) -> String {
    if answer.status == 200 {
        "200 with something else".into()
    } else {
        answer.status.to_string()
    }
}

async fn jaeger(
    config: &TracesConfig,
    window: &TimeWindow,
    run: &mut Run<'_>,
) -> Result<(), TracesError> {
    let (api, discovered) = probe(&run.http).await?;
    run.requests += 1;
    let services: Vec<String> = if config.services.is_empty() {
        let mut kept: Vec<String> = discovered
            .into_iter()
            .filter(|s| {
                config.namespaces.is_empty()
                    || config.namespaces.iter().any(|ns| {
                        s.strip_suffix(ns.as_str())
                            .is_some_and(|r| r.ends_with('.'))
                    })
            })
            .collect();
        kept.sort();
        kept.dedup();
        kept
    } else {
        config.services.clone()
    };
    if services.is_empty() {
        run.warnings.push(format!(
            "Jaeger at {} knows no service{}; no calls from traces",
            run.http.display_base(),
            if config.namespaces.is_empty() {
                String::new()
            } else {
                format!(" in the namespaces {}", config.namespaces.join(", "))
            }
        ));
        return Ok(());
    }
    let limit = config.limit.to_string();
    let mut requests = Vec::new();
    for service in &services {
        for slice in slices(window, config.slices) {
            requests.push(match api {
                JaegerApi::V3 => Request {
                    api: "jaeger-v3",
                    path: "/api/v3/traces".into(),
                    query: vec![
                        ("query.service_name", service.clone()),
                        ("query.start_time_min", rfc3339(slice.start)),
                        ("query.start_time_max", rfc3339(slice.end)),
                        ("query.search_depth", limit.clone()),
                    ],
                    allow_404: true,
                    accept: None,
                },
                JaegerApi::V1 => Request {
                    api: "jaeger-v1",
                    path: "/api/traces".into(),
                    query: vec![
                        ("service", service.clone()),
                        ("start", since_epoch(slice.start).as_micros().to_string()),
                        ("end", since_epoch(slice.end).as_micros().to_string()),
                        ("limit", limit.clone()),
                    ],
                    allow_404: false,
                    accept: None,
                },
            });
        }
    }
    let sent = requests.len();
    let mut at_limit = 0usize;
    run.send_all(requests, config.concurrency, |run, request, answer| {
        if answer.status == 404 {
            // Jaeger v3 answers "no traces" with 404 and an error body.
            return match serde_json::from_slice::<ErrorBody<'_>>(&answer.body) {
                Ok(ErrorBody { error: Some(_) }) => Ok(()),
                _ => Err(TracesError::Http(HttpError::Status {
                    peer: &TRACING_BACKEND,
                    url: answer.url.clone(),
                    status: 404,
                    attempts: 1,
                    reading: None,
                    excerpt: None,
                    hint: "a 404 without Jaeger's error body: check the path in --jaeger",
                })),
            };
        }
        let decoded = run.decode(&answer, false)?;
        let traces: HashSet<&str> = decoded.spans.iter().map(|s| s.trace_id.as_str()).collect();
        if traces.len() >= config.limit {
            at_limit += 1;
        }
        let _ = request;
        run.answers.push(decoded);
        Ok(())
    })
    .await?;
    if at_limit > 0 {
        run.warnings.push(format!(
            "{at_limit} Jaeger queries returned the limit of {} traces: older traces of those slices were not read; raise the trace limit or use more time slices",
            config.limit
        ));
    }
    run.settle(sent, "Jaeger")
}

// ---------------------------------------------------------------------------
// Tempo

async fn tempo(
    config: &TracesConfig,
    window: &TimeWindow,
    run: &mut Run<'_>,
) -> Result<(), TracesError> {
    let limit = config.limit.to_string();
    let services: Vec<Option<&String>> = if config.services.is_empty() {
        vec![None]
    } else {
        config.services.iter().map(Some).collect()
    };
    let mut requests = Vec::new();
    for service in &services {
        for slice in slices(window, config.slices) {
            let start = since_epoch(slice.start).as_secs();
            let end = since_epoch(slice.end).as_secs_f64().ceil() as u64;
            let mut query = vec![
                ("start", start.to_string()),
                ("end", end.max(start + 1).to_string()),
                ("limit", limit.clone()),
            ];
            if let Some(s) = service {
                query.push(("tags", format!("service.name={s}")));
            }
            requests.push(Request {
                api: "tempo-search",
                path: "/api/search".into(),
                query,
                allow_404: false,
                accept: Some(PROTOBUF),
            });
        }
    }
    let sent = requests.len();
    let mut ids: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    let mut at_limit = 0usize;
    run.send_all(requests, config.concurrency, |run, _, answer| {
        let decoded = run.decode(&answer, true)?;
        if decoded.format != Format::TempoSearch {
            return Err(TracesError::Decode {
                source_name: answer.url.clone(),
                location: None,
                reason: format!("expected a search answer, got {}", decoded.format),
            });
        }
        if decoded.search.len() >= config.limit {
            at_limit += 1;
        }
        for hit in decoded.search {
            if !hit.trace_id.is_empty() && seen.insert(hit.trace_id.clone()) {
                ids.push(hit.trace_id);
            }
        }
        run.warnings.extend(decoded.warnings);
        Ok(())
    })
    .await?;
    if at_limit > 0 {
        run.warnings.push(format!(
            "{at_limit} Tempo searches returned the limit of {} traces: other traces of those slices were not read; raise the trace limit or use more time slices",
            config.limit
        ));
    }
    run.settle(sent, "Tempo search")?;
    if ids.len() > config.max_traces {
        run.warnings.push(format!(
            "Tempo found {} traces; only the first {} were fetched (the per-run trace cap)",
            ids.len(),
            config.max_traces
        ));
        ids.truncate(config.max_traces);
    }
    let requests: Vec<Request> = ids
        .iter()
        .map(|id| Request {
            api: "tempo-trace",
            path: format!("/api/traces/{id}"),
            query: Vec::new(),
            allow_404: true,
            accept: Some(PROTOBUF),
        })
        .collect();
    let sent = requests.len();
    let mut gone = 0usize;
    run.send_all(requests, config.concurrency, |run, _, answer| {
        if answer.status == 404 {
            gone += 1;
            return Ok(());
        }
        let decoded = run.decode(&answer, false)?;
        run.answers.push(decoded);
        Ok(())
    })
    .await?;
    if gone > 0 {
        run.warnings.push(format!(
            "{gone} trace(s) found by the search were no longer in Tempo"
        ));
    }
    run.settle(sent, "Tempo")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cover_the_window() {
        let w = TimeWindow::ending_at(1_000.0, Duration::from_secs(100)).unwrap();
        let s = slices(&w, 3);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].start, w.start);
        assert_eq!(s[2].end, w.end);
        assert_eq!(s[0].end, s[1].start);
        assert_eq!(rfc3339(w.end), "1970-01-01T00:16:40Z");
    }
}
