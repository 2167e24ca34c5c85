//! SVG plots of a [`Report`], one set per workload, drawn with `plotters`'
//! SVG backend only (text is written as SVG `<text>`; no font files or system
//! libraries are needed, so the plots build anywhere).
//!
//! Per group (workload at one size, `binary-trees@21`), into `<out>/plots/`:
//!
//! - `<workload>-pauses.svg`: pause distribution per run (tenure settings,
//!   gc-arena): number of pauses per log-spaced duration bucket.
//! - `<workload>-heap.svg`: tenure's heap size (and, thinner, its goal) over
//!   time, one line per setting: how each `gc_percent` tracks the live size.
//! - `<workload>-rss.svg`: resident set size over time for every run.
//! - `<workload>-throughput.svg`: throughput against peak RSS, one point per
//!   run: the space/time trade-off of each collector and setting.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use crate::report::Report;
use crate::result::RunResult;

/// Plot size in pixels.
const SIZE: (u32, u32) = (900, 540);

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// A function drawing one kind of plot of one workload's runs into a file.
type Draw = fn(&str, &[&RunResult], &Path) -> PlotResult;

/// Draws every plot of `report` into `dir/plots`; returns the files written.
pub fn draw_all(report: &Report, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots)?;
    let mut written = Vec::new();
    for group in report.groups() {
        let workload = group.to_string();
        let runs: Vec<&RunResult> = report.runs_of(&group).collect();
        let attempts: [(&str, Draw); 4] = [
            ("pauses", pauses),
            ("heap", heap),
            ("rss", rss),
            ("throughput", throughput),
        ];
        for (kind, draw) in attempts {
            let path = plots.join(format!("{workload}-{kind}.svg"));
            match draw(&workload, &runs, &path) {
                Ok(()) if path.exists() => written.push(path),
                Ok(()) => {}
                Err(error) => eprintln!("plot {}: {error}", path.display()),
            }
        }
    }
    Ok(written)
}

fn colour(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

fn pauses(workload: &str, runs: &[&RunResult], path: &Path) -> PlotResult {
    let series: Vec<(&str, Vec<(f64, f64)>)> = runs
        .iter()
        .filter_map(|r| {
            let p = r.pauses.as_ref()?;
            let points = p
                .buckets
                .iter()
                .map(|&(ns, n)| (ns as f64 / 1e3, n as f64))
                .collect();
            Some((r.label.as_str(), points))
        })
        .collect();
    if series.is_empty() {
        return Ok(());
    }
    let max_x = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.0))
        .fold(1.0, f64::max)
        * 2.0;
    let max_y = series
        .iter()
        .flat_map(|s| s.1.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 2.0;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{workload}: pause distribution"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0.5f64..max_x).log_scale(), (0.8f64..max_y).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("pause duration (us, bucket upper bound, log)")
        .y_desc("pauses in bucket (log)")
        .draw()?;
    for (i, (label, points)) in series.into_iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn heap(workload: &str, runs: &[&RunResult], path: &Path) -> PlotResult {
    let tenure: Vec<&&RunResult> = runs
        .iter()
        .filter(|r| r.samples.iter().any(|s| s.heap.is_some()))
        .collect();
    if tenure.is_empty() {
        return Ok(());
    }
    const MIB: f64 = (1 << 20) as f64;
    let max_t = tenure
        .iter()
        .flat_map(|r| r.samples.iter().map(|s| s.t))
        .fold(1e-3, f64::max);
    let max_y = tenure
        .iter()
        .flat_map(|r| r.samples.iter().flat_map(|s| [s.heap, s.goal]).flatten())
        .map(|b| b as f64 / MIB)
        .fold(1.0, f64::max)
        * 1.1;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{workload}: tenure heap over time (thin: heap goal)"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..max_t, 0f64..max_y)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("heap (MiB)")
        .draw()?;
    for (i, run) in tenure.iter().enumerate() {
        let c = colour(i);
        let heap: Vec<(f64, f64)> = run
            .samples
            .iter()
            .filter_map(|s| Some((s.t, s.heap? as f64 / MIB)))
            .collect();
        let goal: Vec<(f64, f64)> = run
            .samples
            .iter()
            .filter_map(|s| Some((s.t, s.goal? as f64 / MIB)))
            .collect();
        chart
            .draw_series(LineSeries::new(heap, c.stroke_width(2)))?
            .label(run.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart.draw_series(LineSeries::new(goal, c.mix(0.6).stroke_width(1)))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn rss(workload: &str, runs: &[&RunResult], path: &Path) -> PlotResult {
    const MIB: f64 = (1 << 20) as f64;
    let max_t = runs
        .iter()
        .flat_map(|r| r.samples.iter().map(|s| s.t))
        .fold(1e-3, f64::max);
    let max_y = runs
        .iter()
        .map(|r| r.peak_rss_bytes as f64 / MIB)
        .fold(1.0, f64::max)
        * 1.1;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{workload}: resident set size over time"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((1e-3f64..max_t.max(2e-3)).log_scale(), 0f64..max_y)?;
    chart
        .configure_mesh()
        .x_desc("time (s, log)")
        .y_desc("RSS (MiB)")
        .draw()?;
    for (i, run) in runs.iter().enumerate() {
        let c = colour(i);
        let points: Vec<(f64, f64)> = run
            .samples
            .iter()
            .map(|s| (s.t.max(1e-3), s.rss as f64 / MIB))
            .collect();
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))?
            .label(run.label.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn throughput(workload: &str, runs: &[&RunResult], path: &Path) -> PlotResult {
    const MIB: f64 = (1 << 20) as f64;
    let unit = runs.first().map_or("ops", |r| r.ops_unit.as_str());
    let max_x = runs
        .iter()
        .map(|r| r.peak_rss_bytes as f64 / MIB)
        .fold(1.0, f64::max)
        * 1.25;
    let max_y = runs.iter().map(|r| r.throughput).fold(1.0, f64::max) * 1.3;
    let min_y = runs
        .iter()
        .map(|r| r.throughput)
        .fold(max_y, f64::min)
        .max(1.0)
        / 2.0;
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{workload}: throughput vs peak RSS"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..max_x, (min_y..max_y).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("peak RSS (MiB)")
        .y_desc(format!("throughput ({unit}/s, log)"))
        .draw()?;
    for (i, run) in runs.iter().enumerate() {
        let c = colour(i);
        let point = (run.peak_rss_bytes as f64 / MIB, run.throughput);
        chart.draw_series([Circle::new(point, 5, c.filled())])?;
        chart.draw_series([Text::new(
            run.label.clone(),
            point,
            ("sans-serif", 13).into_font().color(&c),
        )])?;
    }
    root.present()?;
    Ok(())
}
