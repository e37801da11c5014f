//! An inline SVG sparkline: the report page draws them for the history of an
//! edge (`meshgraph-history`) and for its range series (`meshgraph-export`).

use std::fmt::Write as _;

/// How a sparkline looks.
#[derive(Debug, Clone, Copy)]
pub struct SparkStyle {
    pub width: f64,
    pub stroke_width: f64,
    /// A dot on the last value, when it has one.
    pub last_dot: bool,
}

/// `values` as a line 24 px high, scaled to their maximum (0 at the bottom);
/// `None` and values that are not finite break the line. `class` goes after
/// `spark` in the element's class.
pub fn sparkline(values: &[Option<f64>], class: &str, style: SparkStyle) -> String {
    const H: f64 = 24.0;
    let w = style.width;
    let max = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let n = values.len().max(2) - 1;
    let mut path = String::new();
    let mut pen_up = true;
    let mut dots = String::new();
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v.filter(|v| v.is_finite()) else {
            pen_up = true;
            continue;
        };
        let x = i as f64 * w / n as f64;
        let y = if max > 0.0 {
            H - 2.0 - v / max * (H - 4.0)
        } else {
            H - 2.0
        };
        let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_up { "M" } else { "L" });
        pen_up = false;
        if style.last_dot && i + 1 == values.len() {
            let _ = write!(dots, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\"/>");
        }
    }
    format!(
        "<svg class=\"spark {class}\" width=\"{w}\" height=\"{H}\" viewBox=\"0 0 {w} {H}\" role=\"img\"><path d=\"{}\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"{}\"/>{dots}</svg>",
        path.trim_end(),
        style.stroke_width
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_break_the_line_and_the_maximum_is_at_the_top() {
        let style = SparkStyle {
            width: 90.0,
            stroke_width: 1.5,
            last_dot: true,
        };
        let svg = sparkline(
            &[Some(1.0), None, Some(2.0), Some(f64::NAN), Some(0.0)],
            "x",
            style,
        );
        assert!(
            svg.contains("d=\"M0.0,12.0 M45.0,2.0 M90.0,22.0\""),
            "{svg}"
        );
        assert!(
            svg.contains("<circle cx=\"90.0\" cy=\"22.0\" r=\"2\"/>"),
            "{svg}"
        );
        assert!(
            svg.starts_with("<svg class=\"spark x\" width=\"90\""),
            "{svg}"
        );
    }
}
