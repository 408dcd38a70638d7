//! What the charts share: the SVG canvas, text, colours, the time axis and the step and fault
//! markers drawn across a chart.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{TimeAxis, duration};

pub type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

pub fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

pub const INK: RGBColor = RGBColor(33, 37, 41);
pub const MUTED: RGBColor = RGBColor(108, 117, 125);
pub const RULE: RGBColor = RGBColor(206, 212, 218);
pub const BAND: RGBColor = RGBColor(246, 247, 249);
pub const FAULT: RGBColor = RGBColor(201, 42, 42);
pub const RECOVER: RGBColor = RGBColor(43, 138, 62);
/// Colours of the computes, in topology order (cent222, cent333, ...).
pub const COMPUTE: [RGBColor; 4] = [
    RGBColor(25, 113, 194),
    RGBColor(232, 89, 12),
    RGBColor(112, 72, 232),
    RGBColor(12, 166, 120),
];

/// The colour of the compute at `index` in topology order.
pub fn compute_colour(index: usize) -> RGBColor {
    COMPUTE[index % COMPUTE.len()]
}

/// Horizontal anchoring of a label.
#[derive(Clone, Copy)]
pub enum Align {
    Left,
    Centre,
    Right,
}

/// A label of `size` pixels at `(x, y)` (vertically centred), in `colour`.
pub fn text(
    area: &Area,
    s: &str,
    (x, y): (f64, f64),
    size: f64,
    colour: RGBColor,
    align: Align,
) -> Result<(), String> {
    let h = match align {
        Align::Left => HPos::Left,
        Align::Centre => HPos::Center,
        Align::Right => HPos::Right,
    };
    // The SVG backend writes font-size as size / 1.24.
    let style = ("sans-serif", size * 1.24)
        .into_font()
        .color(&colour)
        .pos(Pos::new(h, VPos::Center));
    area.draw(&Text::new(s.to_string(), (x as i32, y as i32), style))
        .map_err(err)
}

/// Bold text, for titles.
pub fn bold(area: &Area, s: &str, at: (f64, f64), size: f64) -> Result<(), String> {
    let style = ("sans-serif", size * 1.24)
        .into_font()
        .style(FontStyle::Bold)
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    area.draw(&Text::new(s.to_string(), (at.0 as i32, at.1 as i32), style))
        .map_err(err)
}

/// A white canvas of `width` × `height` pixels painted by `paint`, as SVG text.
pub fn canvas(
    width: f64,
    height: f64,
    paint: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let area =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        area.fill(&WHITE).map_err(err)?;
        paint(&area)?;
        area.present().map_err(err)?;
    }
    Ok(svg)
}

/// The height of a step legend (`step_legend`) of `steps` steps: one column up to eight
/// steps, two beyond.
pub fn step_legend_height(steps: usize) -> f64 {
    let rows = if steps > 8 { steps.div_ceil(2) } else { steps };
    16.0 * (rows as f64 + 1.0) + 20.0
}

pub fn line(
    area: &Area,
    from: (f64, f64),
    to: (f64, f64),
    style: ShapeStyle,
) -> Result<(), String> {
    area.draw(&PathElement::new(
        vec![(from.0 as i32, from.1 as i32), (to.0 as i32, to.1 as i32)],
        style,
    ))
    .map_err(err)
}

pub fn dashed(
    area: &Area,
    from: (f64, f64),
    to: (f64, f64),
    style: ShapeStyle,
) -> Result<(), String> {
    area.draw(&DashedPathElement::new(
        vec![(from.0 as i32, from.1 as i32), (to.0 as i32, to.1 as i32)],
        5,
        4,
        style,
    ))
    .map_err(err)
}

pub fn rect(area: &Area, a: (f64, f64), b: (f64, f64), style: ShapeStyle) -> Result<(), String> {
    area.draw(&Rectangle::new(
        [(a.0 as i32, a.1 as i32), (b.0 as i32, b.1 as i32)],
        style,
    ))
    .map_err(err)
}

/// A rough width of `s` in pixels at `size`, to keep labels apart.
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

/// The time axis along `y`: its line, a `//` at each cut with the time skipped, and the ticks.
pub fn time_axis(area: &Area, axis: &TimeAxis, y: f64) -> Result<(), String> {
    for (x0, x1) in axis.stretches() {
        line(area, (x0, y), (x1, y), INK.stroke_width(1))?;
    }
    for cut in axis.cuts() {
        for dx in [-4.0, 3.0] {
            line(
                area,
                (cut.x + dx - 3.0, y + 6.0),
                (cut.x + dx + 3.0, y - 6.0),
                INK.stroke_width(1),
            )?;
        }
        text(
            area,
            &format!("+{}", duration(cut.skipped)),
            (cut.x, y + 30.0),
            10.0,
            MUTED,
            Align::Centre,
        )?;
    }
    let mut last_end = f64::MIN;
    for tick in axis.ticks() {
        line(area, (tick.x, y), (tick.x, y + 4.0), INK.stroke_width(1))?;
        let half = text_width(&tick.label, 11.0) / 2.0;
        if tick.x - half > last_end + 4.0 {
            text(
                area,
                &tick.label,
                (tick.x, y + 14.0),
                11.0,
                INK,
                Align::Centre,
            )?;
            last_end = tick.x + half;
        }
    }
    Ok(())
}

/// Something that happened at one instant of the run, drawn as a vertical line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Marker {
    /// Steps starting at this instant, by their number (1-based).
    Steps(Vec<usize>),
    /// A fault (`down`) or its recovery, by the fault as the report names it.
    Fault { target: String, down: bool },
}

/// `3`, `3–5`, `3, 7`.
pub fn step_numbers(steps: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&first) = steps.get(i) {
        let mut last = first;
        while steps.get(i + 1) == Some(&(last + 1)) {
            last += 1;
            i += 1;
        }
        parts.push(if last == first {
            first.to_string()
        } else {
            format!("{first}–{last}")
        });
        i += 1;
    }
    parts.join(", ")
}

/// Draws the markers between `top` and `bottom`: steps as grey lines numbered just above `top`,
/// faults and recoveries as red and green dashed lines labelled a row higher.
pub fn markers(
    area: &Area,
    axis: &TimeAxis,
    markers: &[(u64, Marker)],
    top: f64,
    bottom: f64,
) -> Result<(), String> {
    let mut last_step_label = f64::MIN;
    let mut last_fault_label = f64::MIN;
    for (at, marker) in markers {
        let x = axis.x(*at);
        match marker {
            Marker::Steps(steps) => {
                line(area, (x, top), (x, bottom), RULE.stroke_width(1))?;
                let label = step_numbers(steps);
                let half = text_width(&label, 10.0) / 2.0;
                let x_label = x.max(last_step_label + half + 3.0);
                text(
                    area,
                    &label,
                    (x_label, top - 8.0),
                    10.0,
                    MUTED,
                    Align::Centre,
                )?;
                last_step_label = x_label + half;
            }
            Marker::Fault { target, down } => {
                let (colour, word) = if *down {
                    (FAULT, "fail")
                } else {
                    (RECOVER, "recover")
                };
                dashed(area, (x, top - 18.0), (x, bottom), colour.stroke_width(2))?;
                let label = format!("{word} {target}");
                let x_label = (x + 4.0).max(last_fault_label + 6.0);
                text(
                    area,
                    &label,
                    (x_label, top - 26.0),
                    11.0,
                    colour,
                    Align::Left,
                )?;
                last_fault_label = x_label + text_width(&label, 11.0);
            }
        }
    }
    Ok(())
}

/// The numbered list of steps under a chart, in as many columns as fit; returns its height.
pub fn step_legend(
    area: &Area,
    steps: &[(usize, String)],
    (left, top): (f64, f64),
    width: f64,
) -> Result<f64, String> {
    const ROW: f64 = 16.0;
    let columns = if steps.len() > 8 { 2 } else { 1 };
    let rows = steps.len().div_ceil(columns);
    let column_width = width / columns as f64;
    let max_chars = ((column_width - 36.0) / (10.5 * 0.58)) as usize;
    bold(area, "steps", (left, top), 11.0)?;
    for (i, (number, title)) in steps.iter().enumerate() {
        let (c, r) = (i / rows.max(1), i % rows.max(1));
        let x = left + c as f64 * column_width;
        let y = top + ROW * (r as f64 + 1.0);
        text(
            area,
            &number.to_string(),
            (x + 18.0, y),
            10.5,
            MUTED,
            Align::Right,
        )?;
        text(
            area,
            &clip(title, max_chars),
            (x + 26.0, y),
            10.5,
            INK,
            Align::Left,
        )?;
    }
    Ok(ROW * (rows as f64 + 1.0))
}

/// `s` cut to `max` characters with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
