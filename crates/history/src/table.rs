//! The edge rows of a trend window in a compact form: every string (node ids,
//! namespaces, clusters, protocols, `rates_from`) interned once to an integer
//! id, every figure a plain `f64` with a bit saying whether it is known.
//!
//! 3.65 M rows take about 80 bytes each here, against several hundred as a
//! polars frame of strings plus the per-row vectors the trends used to copy
//! it into. The store fills a table one run file at a time, so the whole
//! window never sits in memory as strings.

use std::collections::HashMap;

use polars::prelude::*;

use crate::HistoryError;

/// The id of a null string.
pub(crate) const NONE: u32 = u32::MAX;

/// The figures a row keeps, by index (`EdgeTable::figure`).
pub(crate) const RPS: usize = 0;
pub(crate) const ERROR_RPS: usize = 1;
pub(crate) const P50: usize = 2;
pub(crate) const P99: usize = 3;
pub(crate) const MTLS: usize = 4;
pub(crate) const BYTES_TO_SERVER: usize = 5;
const FIGURE_COLUMNS: [&str; 6] = [
    "rps",
    "error_rps",
    "latency_p50_ms",
    "latency_p99_ms",
    "mtls",
    "bytes_to_server_per_second",
];

/// The string attributes a row keeps, by index (`EdgeTable::attribute`).
pub(crate) const CLUSTER: usize = 0;
pub(crate) const SOURCE_NAMESPACE: usize = 1;
pub(crate) const TARGET_NAMESPACE: usize = 2;
pub(crate) const PROTOCOL: usize = 3;
pub(crate) const RATES_FROM: usize = 4;
const ATTRIBUTE_COLUMNS: [&str; 5] = [
    "cluster",
    "source_namespace",
    "target_namespace",
    "protocol",
    "rates_from",
];

/// Bits of a row's flags.
const VIA_WAYPOINT: u8 = 1;
const INFRASTRUCTURE: u8 = 2;

/// Frames larger than this are read in slices of it (bounds the per-slice
/// work vectors).
const SLICE_ROWS: usize = 1 << 16;

/// The edge rows of the runs of a window, sorted by run, then by edge, the
/// rows of one run and edge in the order they were read: each edge sees its
/// rows oldest first, and each run its rows in edge order, as in a stable
/// sort by source, target and run time.
#[derive(Debug, Default)]
pub struct EdgeTable {
    /// Interned strings; a row refers to them by index.
    names: Vec<Box<str>>,
    /// Per edge, in name order (by source, then target, nulls first): its
    /// source and target name ids ([`NONE`] when null).
    keys: Vec<(u32, u32)>,
    /// The distinct run times of the window, ascending: `run` indexes them.
    run_at: Vec<i64>,
    // One entry per row from here on.
    run: Vec<u32>,
    edge: Vec<u32>,
    attributes: [Vec<u32>; 5],
    flags: Vec<u8>,
    /// Bit `k` set when figure `k` is known (not null).
    known: Vec<u8>,
    figures: [Vec<f64>; 6],
}

impl EdgeTable {
    /// The rows of a frame with the columns of
    /// [`TREND_EDGE_COLUMNS`](crate::store::TREND_EDGE_COLUMNS) (missing
    /// columns read as null); rows whose `run_at` is not one of `run_at`
    /// are left out.
    pub fn from_frame(df: &DataFrame, run_at: Vec<i64>) -> Result<EdgeTable, HistoryError> {
        let mut builder = EdgeTableBuilder::new(run_at);
        let mut offset = 0;
        while offset < df.height() {
            builder.push_frame(&df.slice(offset as i64, SLICE_ROWS))?;
            offset += SLICE_ROWS;
        }
        Ok(builder.finish())
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.run.len()
    }

    pub fn is_empty(&self) -> bool {
        self.run.is_empty()
    }

    /// The distinct run times the rows are indexed by, ascending.
    pub fn run_at(&self) -> &[i64] {
        &self.run_at
    }

    pub(crate) fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(|s| &**s)
    }

    /// The edge's source and target name ids.
    pub(crate) fn key(&self, edge: u32) -> (u32, u32) {
        self.keys[edge as usize]
    }

    /// The number of distinct edges.
    pub(crate) fn edges(&self) -> usize {
        self.keys.len()
    }

    pub(crate) fn names(&self) -> usize {
        self.names.len()
    }

    pub(crate) fn run(&self, row: usize) -> usize {
        self.run[row] as usize
    }

    pub(crate) fn edge(&self, row: usize) -> u32 {
        self.edge[row]
    }

    pub(crate) fn attribute(&self, which: usize, row: usize) -> u32 {
        self.attributes[which][row]
    }

    pub(crate) fn figure(&self, which: usize, row: usize) -> Option<f64> {
        (self.known[row] & (1 << which) != 0).then(|| self.figures[which][row])
    }

    pub(crate) fn via_waypoint(&self, row: usize) -> bool {
        self.flags[row] & VIA_WAYPOINT != 0
    }

    pub(crate) fn infrastructure(&self, row: usize) -> bool {
        self.flags[row] & INFRASTRUCTURE != 0
    }

    /// Sorts the rows by run, then edge (edges numbered in name order);
    /// rows of the same run and edge keep their order. Only needed when the
    /// frames did not come one run after the other.
    fn sort_rows(&mut self) {
        let rows: Vec<u32> = (0..self.len() as u32).collect();
        let by_edge = counting_sort(&rows, self.keys.len(), |row| self.edge[row as usize]);
        let order = counting_sort(&by_edge, self.run_at.len(), |row| self.run[row as usize]);
        fn gather<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
            *column = order.iter().map(|row| column[*row as usize]).collect();
        }
        gather(&mut self.run, &order);
        gather(&mut self.edge, &order);
        for column in &mut self.attributes {
            gather(column, &order);
        }
        gather(&mut self.flags, &order);
        gather(&mut self.known, &order);
        for column in &mut self.figures {
            gather(column, &order);
        }
    }
}

/// A stable sort of `items` by a `u64` key: a counting pass per byte of the
/// key, skipping the bytes all keys share (a frame of one run over fewer
/// than 65,536 edges takes two passes). `sorted` is a work buffer.
fn radix_sort_by_key<T: Copy>(items: &mut Vec<T>, sorted: &mut Vec<T>, key: impl Fn(&T) -> u64) {
    let (any, all) = items.iter().fold((0, u64::MAX), |(any, all), item| {
        (any | key(item), all & key(item))
    });
    let varying = any & !all;
    sorted.clear();
    sorted.extend_from_slice(items);
    for shift in (0..64).step_by(8) {
        if (varying >> shift) & 0xff == 0 {
            continue;
        }
        let digit = |item: &T| ((key(item) >> shift) & 0xff) as usize;
        let mut next = [0usize; 257];
        for item in items.iter() {
            next[digit(item) + 1] += 1;
        }
        for d in 1..next.len() {
            next[d] += next[d - 1];
        }
        for item in items.iter() {
            let slot = &mut next[digit(item)];
            sorted[*slot] = *item;
            *slot += 1;
        }
        std::mem::swap(items, sorted);
    }
}

/// A stable sort of `rows` by a key below `buckets`.
fn counting_sort(rows: &[u32], buckets: usize, key: impl Fn(u32) -> u32) -> Vec<u32> {
    let mut next = vec![0usize; buckets + 1];
    for row in rows {
        next[key(*row) as usize + 1] += 1;
    }
    for b in 1..next.len() {
        next[b] += next[b - 1];
    }
    let mut out = vec![0u32; rows.len()];
    for row in rows {
        let slot = &mut next[key(*row) as usize];
        out[*slot] = *row;
        *slot += 1;
    }
    out
}

fn pl(e: PolarsError) -> HistoryError {
    HistoryError::Compute(e.to_string())
}

/// A string column as one chunk; `None` when the frame lacks it (every
/// value null).
fn str_column(df: &DataFrame, name: &str) -> Result<Option<StringChunked>, HistoryError> {
    match df.column(name) {
        Ok(c) => Ok(Some(c.str().map_err(pl)?.rechunk().into_owned())),
        Err(_) => Ok(None),
    }
}

/// Reads row `i` of a string column from `str_column` (null when absent).
fn texts<'a>(column: &'a Option<StringChunked>) -> impl Fn(usize) -> Option<&'a str> {
    let array = column.as_ref().and_then(|c| c.downcast_iter().next());
    move |i| array.and_then(|a| a.get(i))
}

/// A numeric column as `f64` in one chunk; `None` when the frame lacks it.
fn float_column(df: &DataFrame, name: &str) -> Result<Option<Float64Chunked>, HistoryError> {
    match df.column(name) {
        Ok(c) => {
            let c = c.cast(&DataType::Float64).map_err(pl)?;
            Ok(Some(c.f64().map_err(pl)?.rechunk().into_owned()))
        }
        Err(_) => Ok(None),
    }
}

/// A row of a frame being appended: its index in the frame, its edge, its
/// run.
type Kept = (usize, u32, u32);

/// Fills an [`EdgeTable`] frame by frame (the store gives it one run file at
/// a time).
#[derive(Debug)]
pub(crate) struct EdgeTableBuilder {
    table: EdgeTable,
    run_index: HashMap<i64, u32>,
    ids: HashMap<Box<str>, u32>,
    edge_ids: HashMap<(u32, u32), u32>,
    /// Per edge, the attribute ids of its last row: an edge's namespace,
    /// cluster and protocol rarely change, so a string compare with the last
    /// one usually spares a hash lookup.
    last_attributes: Vec<[u32; 5]>,
    /// The edge at each row position of the previous frame: runs list their
    /// edges in much the same order, so this usually spares a hash lookup.
    previous: Vec<u32>,
    /// Work buffers kept from frame to frame (a run file's worth each).
    spare_positions: Vec<u32>,
    kept: Vec<Kept>,
    spare_kept: Vec<Kept>,
    /// The edges ranked so far, in name order, and each one's rank (edges
    /// are numbered as first met; adding an edge moves the ranks of those
    /// after it but never changes which of two edges comes first).
    by_name: Vec<u32>,
    rank: Vec<u32>,
    /// The (run, edge) of the last row appended.
    last_row: Option<(u32, u32)>,
    /// Whether the rows appended so far are sorted by run, then edge name.
    sorted: bool,
}

impl EdgeTableBuilder {
    /// A builder for the runs at `run_at` (distinct, ascending).
    pub(crate) fn new(run_at: Vec<i64>) -> EdgeTableBuilder {
        let run_index = run_at
            .iter()
            .enumerate()
            .map(|(i, at)| (*at, i as u32))
            .collect();
        EdgeTableBuilder {
            table: EdgeTable {
                run_at,
                ..EdgeTable::default()
            },
            run_index,
            ids: HashMap::new(),
            edge_ids: HashMap::new(),
            last_attributes: Vec::new(),
            previous: Vec::new(),
            spare_positions: Vec::new(),
            kept: Vec::new(),
            spare_kept: Vec::new(),
            by_name: Vec::new(),
            rank: Vec::new(),
            last_row: None,
            sorted: true,
        }
    }

    /// The table, its edges numbered in name order and its rows sorted by
    /// run, then edge.
    pub(crate) fn finish(mut self) -> EdgeTable {
        self.rank_new_edges();
        let mut table = self.table;
        table.keys = self
            .by_name
            .iter()
            .map(|e| table.keys[*e as usize])
            .collect();
        for e in &mut table.edge {
            *e = self.rank[*e as usize];
        }
        if !self.sorted {
            table.sort_rows();
        }
        table
    }

    /// Gives the edges met since the last call their place in name order.
    fn rank_new_edges(&mut self) {
        let total = self.table.keys.len();
        if self.by_name.len() == total {
            return;
        }
        let table = &self.table;
        let key_names = |e: u32| {
            let (s, t) = table.key(e);
            (table.name(s), table.name(t))
        };
        let mut fresh: Vec<u32> = (self.by_name.len() as u32..total as u32).collect();
        // Keys are distinct: an unstable sort is exact.
        fresh.sort_unstable_by(|a, b| key_names(*a).cmp(&key_names(*b)));
        let mut merged = Vec::with_capacity(total);
        let (mut old, mut new) = (self.by_name.iter().peekable(), fresh.iter().peekable());
        while let (Some(a), Some(b)) = (old.peek(), new.peek()) {
            if key_names(**a) < key_names(**b) {
                merged.extend(old.next());
            } else {
                merged.extend(new.next());
            }
        }
        merged.extend(old);
        merged.extend(new);
        self.rank.resize(total, 0);
        for (rank, e) in merged.iter().enumerate() {
            self.rank[*e as usize] = rank as u32;
        }
        self.by_name = merged;
    }

    fn intern(&mut self, value: Option<&str>) -> u32 {
        let Some(value) = value else {
            return NONE;
        };
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.table.names.len() as u32;
        self.table.names.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }

    fn is_edge(&self, edge: u32, source: Option<&str>, target: Option<&str>) -> bool {
        let (s, t) = self.table.key(edge);
        self.table.name(s) == source && self.table.name(t) == target
    }

    fn edge_id(&mut self, source: Option<&str>, target: Option<&str>) -> u32 {
        let key = (self.intern(source), self.intern(target));
        if let Some(id) = self.edge_ids.get(&key) {
            return *id;
        }
        let id = self.table.keys.len() as u32;
        self.table.keys.push(key);
        self.last_attributes.push([NONE; 5]);
        self.edge_ids.insert(key, id);
        id
    }

    fn attribute_id(&mut self, edge: u32, which: usize, value: Option<&str>) -> u32 {
        let Some(text) = value else {
            return NONE;
        };
        let last = self.last_attributes[edge as usize][which];
        if self.table.name(last) == Some(text) {
            return last;
        }
        let id = self.intern(value);
        self.last_attributes[edge as usize][which] = id;
        id
    }

    /// Appends the rows of a frame with (some of) the columns of
    /// [`TREND_EDGE_COLUMNS`](crate::store::TREND_EDGE_COLUMNS).
    pub(crate) fn push_frame(&mut self, df: &DataFrame) -> Result<(), HistoryError> {
        let Ok(run_at) = df.column("run_at") else {
            return Ok(());
        };
        // Every column first: a frame that fails changes nothing.
        let run_at = run_at.cast(&DataType::Int64).map_err(pl)?;
        let (source, target) = (str_column(df, "source")?, str_column(df, "target")?);
        let (source, target) = (texts(&source), texts(&target));
        let attributes = ATTRIBUTE_COLUMNS
            .iter()
            .map(|name| str_column(df, name))
            .collect::<Result<Vec<_>, _>>()?;
        let via_waypoint = str_column(df, "via_waypoint")?;
        let via_waypoint = texts(&via_waypoint);
        let infrastructure = match df.column("infrastructure") {
            Ok(c) => Some(c.bool().map_err(pl)?.rechunk().into_owned()),
            Err(_) => None,
        };
        let figures = FIGURE_COLUMNS
            .iter()
            .map(|name| float_column(df, name))
            .collect::<Result<Vec<_>, _>>()?;
        let mut kept = std::mem::take(&mut self.kept);
        kept.clear();
        let mut positions = std::mem::take(&mut self.spare_positions);
        positions.clear();
        positions.resize(df.height(), NONE);
        let mut last_at: Option<(i64, Option<u32>)> = None;
        for (i, at) in run_at.i64().map_err(pl)?.iter().enumerate() {
            // A row without a time belongs to no run (the scans drop it).
            let Some(at) = at else {
                continue;
            };
            let run = match last_at {
                Some((a, run)) if a == at => run,
                _ => self.run_index.get(&at).copied(),
            };
            last_at = Some((at, run));
            let Some(run) = run else {
                continue;
            };
            let (s, t) = (source(i), target(i));
            let edge = match self.previous.get(i) {
                Some(e) if *e != NONE && self.is_edge(*e, s, t) => *e,
                _ => self.edge_id(s, t),
            };
            positions[i] = edge;
            kept.push((i, edge, run));
        }
        self.spare_positions = std::mem::replace(&mut self.previous, positions);
        // The rows in run, then edge name order (a run file holds one run:
        // the table stays sorted without a sort of the whole).
        self.rank_new_edges();
        let rank = &self.rank;
        let place =
            |(_, edge, run): &Kept| (u64::from(*run) << 32) | u64::from(rank[*edge as usize]);
        if !kept.is_sorted_by_key(place) {
            radix_sort_by_key(&mut kept, &mut self.spare_kept, place);
        }
        if let (Some((run, edge)), Some((_, first_edge, first_run))) = (self.last_row, kept.first())
            && (run, rank[edge as usize]) > (*first_run, rank[*first_edge as usize])
        {
            self.sorted = false;
        }
        if let Some((_, edge, run)) = kept.last() {
            self.last_row = Some((*run, *edge));
        }
        for (_, edge, run) in &kept {
            self.table.run.push(*run);
            self.table.edge.push(*edge);
        }
        for (which, values) in attributes.iter().enumerate() {
            let value = texts(values);
            for (i, edge, _) in &kept {
                let id = self.attribute_id(*edge, which, value(*i));
                self.table.attributes[which].push(id);
            }
        }
        for (i, _, _) in &kept {
            let mut flags = 0;
            if via_waypoint(*i).is_some() {
                flags |= VIA_WAYPOINT;
            }
            if infrastructure.as_ref().and_then(|c| c.get(*i)) == Some(true) {
                flags |= INFRASTRUCTURE;
            }
            self.table.flags.push(flags);
        }
        let first = self.table.known.len();
        self.table.known.resize(first + kept.len(), 0);
        for (which, values) in figures.iter().enumerate() {
            let array = values.as_ref().and_then(|c| c.downcast_iter().next());
            for (k, (i, _, _)) in kept.iter().enumerate() {
                let value = array.and_then(|a| {
                    a.validity()
                        .is_none_or(|v| v.get_bit(*i))
                        .then(|| a.value(*i))
                });
                if value.is_some() {
                    self.table.known[first + k] |= 1 << which;
                }
                self.table.figures[which].push(value.unwrap_or_default());
            }
        }
        self.kept = kept;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (run_at, source, target, target_namespace, rps)
    type Row<'a> = (i64, Option<&'a str>, &'a str, Option<&'a str>, Option<f64>);

    /// A frame of edge rows.
    fn frame(rows: &[Row]) -> DataFrame {
        let col = |name: &str, values: Vec<Option<&str>>| Column::new(name.into(), values);
        DataFrame::new(
            rows.len(),
            vec![
                Column::new(
                    "run_at".into(),
                    rows.iter().map(|r| r.0).collect::<Vec<_>>(),
                ),
                col("source", rows.iter().map(|r| r.1).collect()),
                col("target", rows.iter().map(|r| Some(r.2)).collect()),
                col("target_namespace", rows.iter().map(|r| r.3).collect()),
                Column::new("rps".into(), rows.iter().map(|r| r.4).collect::<Vec<_>>()),
            ],
        )
        .unwrap()
    }

    /// Every row as text, in table order.
    fn rows(table: &EdgeTable) -> Vec<String> {
        (0..table.len())
            .map(|row| {
                let (s, t) = table.key(table.edge(row));
                format!(
                    "{} {:?} {:?} {:?} {:?}",
                    table.run_at()[table.run(row)],
                    table.name(s),
                    table.name(t),
                    table.name(table.attribute(TARGET_NAMESPACE, row)),
                    table.figure(RPS, row),
                )
            })
            .collect()
    }

    #[test]
    fn rows_are_sorted_by_run_then_edge_name_whatever_the_reading_order() {
        let night = [
            (10, "b", "x", 1.0),
            (10, "a", "y", 2.0),
            (10, "a", "x", 3.0),
        ];
        let day = [(20, "c", "x", 4.0), (20, "a", "x", 5.0)];
        let to_frame = |rows: &[(i64, &'static str, &'static str, f64)]| {
            frame(
                &rows
                    .iter()
                    .map(|(at, s, t, rps)| (*at, Some(*s), *t, Some("ns"), Some(*rps)))
                    .collect::<Vec<_>>(),
            )
        };
        let build = |frames: &[&DataFrame]| {
            let mut builder = EdgeTableBuilder::new(vec![10, 20]);
            for f in frames {
                builder.push_frame(f).unwrap();
            }
            builder.finish()
        };
        let (night, day) = (to_frame(&night), to_frame(&day));
        let in_order = build(&[&night, &day]);
        let expected = vec![
            "10 Some(\"a\") Some(\"x\") Some(\"ns\") Some(3.0)",
            "10 Some(\"a\") Some(\"y\") Some(\"ns\") Some(2.0)",
            "10 Some(\"b\") Some(\"x\") Some(\"ns\") Some(1.0)",
            "20 Some(\"a\") Some(\"x\") Some(\"ns\") Some(5.0)",
            "20 Some(\"c\") Some(\"x\") Some(\"ns\") Some(4.0)",
        ];
        assert_eq!(rows(&in_order), expected);
        // Newest run first: the table is sorted at the end.
        assert_eq!(rows(&build(&[&day, &night])), expected);
        // Edges are numbered in name order.
        let names: Vec<_> = (0..in_order.edges() as u32)
            .map(|e| {
                let (s, t) = in_order.key(e);
                (in_order.name(s), in_order.name(t))
            })
            .collect();
        assert!(names.is_sorted(), "{names:?}");
    }

    #[test]
    fn null_sources_come_first_and_rows_of_other_runs_are_left_out() {
        let f = frame(&[
            (10, Some("a"), "x", None, None),
            (10, None, "x", Some("ns"), Some(1.0)),
            // Not a run of the window.
            (15, Some("a"), "x", Some("ns"), Some(9.0)),
            // The same edge twice in a run: kept in reading order.
            (10, Some("a"), "x", Some("ns"), Some(2.0)),
        ]);
        let table = EdgeTable::from_frame(&f, vec![10]).unwrap();
        assert_eq!(
            rows(&table),
            vec![
                "10 None Some(\"x\") Some(\"ns\") Some(1.0)",
                "10 Some(\"a\") Some(\"x\") None None",
                "10 Some(\"a\") Some(\"x\") Some(\"ns\") Some(2.0)",
            ]
        );
    }

    #[test]
    fn the_radix_sort_is_stable_and_sorts_by_the_whole_key() {
        let mut seed = 3u64;
        let mut items: Vec<(u64, usize)> = (0..5000)
            .map(|i| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                // Keys spread over several bytes, with many ties.
                ((seed >> 40) % 300 * 0x0001_0000_0100, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|(k, _)| *k);
        radix_sort_by_key(&mut items, &mut Vec::new(), |(k, _)| *k);
        assert_eq!(items, expected);
    }
}
