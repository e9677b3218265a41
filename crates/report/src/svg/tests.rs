//! Tests of `svg.rs`.

use super::*;

#[test]
fn the_y_axis_ends_on_one_two_or_five_times_a_power_of_ten() {
    assert_eq!(nice_ceiling(0.0), 1.0);
    assert_eq!(nice_ceiling(1.0), 1.0);
    assert_eq!(nice_ceiling(1.2), 2.0);
    assert_eq!(nice_ceiling(37.0), 50.0);
    assert_eq!(nice_ceiling(501.0), 1000.0);
    assert!((nice_ceiling(0.03) - 0.05).abs() < 1e-12);
}

#[test]
fn a_path_moves_to_its_first_point_then_draws_lines_or_steps() {
    let frame = Frame::new(0.0, 10.0, 10.0);
    let (x0, y0, x1, y1) = (frame.x(0.0), frame.y(0.0), frame.x(10.0), frame.y(10.0));
    let mut line = frame.path();
    line.to(0.0, 0.0);
    line.to(10.0, 10.0);
    assert_eq!(line.open(), format!("M{x0:.1},{y0:.1}L{x1:.1},{y1:.1}"));

    let mut steps = frame.path();
    steps.step_to(0.0, 0.0);
    steps.step_to(10.0, 10.0);
    assert_eq!(steps.open(), format!("M{x0:.1},{y0:.1}H{x1:.1}V{y1:.1}"));

    let mut area = frame.path();
    area.to_pixel(1.0, 2.0);
    area.to_pixel(3.0, 4.0);
    assert_eq!(area.closed(), "M1.0,2.0L3.0,4.0Z");
}

#[test]
fn a_chart_without_data_says_so_instead_of_dividing_by_zero() {
    let svg = line_chart("c", "t", "x", "y", &[], &[]);
    assert!(svg.contains("no samples") && svg.ends_with("</svg>"));
    let svg = bar_chart("b", "t", "x", "y", "#000", &[]);
    assert!(svg.contains("no samples") && svg.ends_with("</svg>"));
}

#[test]
fn points_map_onto_the_plot_area() {
    let svg = line_chart(
        "c",
        "t",
        "x",
        "y",
        &[Line {
            name: "n",
            color: "#000",
            points: vec![(0.0, 0.0), (10.0, 100.0)],
            step: false,
        }],
        &[],
    );
    // (0, 0) is the plot's bottom-left corner; (10, 100) its top-right.
    let start = format!("M{LEFT:.1},{:.1}", HEIGHT - BOTTOM);
    let end = format!("L{:.1},{TOP:.1}", WIDTH - RIGHT);
    assert!(svg.contains(&format!("d=\"{start}{end}\"")), "{svg}");
}

#[test]
fn a_band_above_its_line_stays_inside_the_plot() {
    let line = [(0.0, 10.0), (10.0, 50.0)];
    let upper = [(0.0, 20.0), (10.0, 100.0)];
    let svg = line_chart(
        "c",
        "t",
        "x",
        "y",
        &[Line {
            name: "n",
            color: "#000",
            points: line.to_vec(),
            step: false,
        }],
        &[Band {
            color: "#0003",
            lower: &line,
            upper: &upper,
        }],
    );
    // The band's top (10, 100) is the plot's top-right corner, so the
    // axis reaches 100, not the line's 50.
    let band = svg.split("class=\"band\" d=\"").nth(1).unwrap();
    assert!(
        band.contains(&format!("L{:.1},{TOP:.1}", WIDTH - RIGHT)),
        "{svg}"
    );
}

#[test]
fn overlaid_histograms_draw_one_outline_per_series_on_shared_axes() {
    let series = |name, value| Histogram {
        name,
        color: "#000",
        bars: vec![
            Bar {
                from: 0.0,
                to: 5.0,
                value,
            },
            Bar {
                from: 5.0,
                to: 10.0,
                value: 1.0,
            },
        ],
    };
    let svg = histogram_chart("h", "t", "x", "y", &[series("a", 2.0), series("b<", 5.0)]);
    assert_eq!(svg.matches("class=\"histogram\"").count(), 2);
    assert!(svg.contains("data-series=\"b&lt;\""));
    // The tallest bar (5, a round number) reaches the top of the plot area.
    assert!(svg.contains(&format!("L{LEFT:.1},{TOP:.1}")), "{svg}");
    let empty = histogram_chart("h", "t", "x", "y", &[]);
    assert!(empty.contains("no samples") && empty.ends_with("</svg>"));
}
