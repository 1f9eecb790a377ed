//! The SVG writer's charts, checked as a viewer would read them.

mod support;

use socket_labs::svg::Chart;
use support::xml::well_formed;

#[test]
fn hostile_title_stays_well_formed() {
    let mut c = Chart::new("</svg><script>&", "x & y", "<y>");
    c.point(1.0, 2.0);
    let svg = c.render();
    well_formed(&svg).unwrap();
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;/svg&gt;&lt;script&gt;&amp;"));
}

#[test]
fn empty_chart_says_no_data() {
    let svg = Chart::new("t", "x", "y").render();
    well_formed(&svg).unwrap();
    assert!(svg.contains(">no data<"));
    assert!(!svg.contains("<polyline"));
}

#[test]
fn one_point_is_a_marker_without_a_line() {
    let mut c = Chart::new("t", "x", "y").whole_numbers_on_x();
    c.point(1.0, 3.0);
    let svg = c.render();
    well_formed(&svg).unwrap();
    assert!(!svg.contains("<polyline"));
    assert_eq!(svg.matches("<circle").count(), 1);
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
}

#[test]
fn constant_data_gets_an_axis_from_zero() {
    let mut c = Chart::new("t", "x", "y");
    for x in 1..=5 {
        c.point(f64::from(x), 7.0);
    }
    let svg = c.render();
    well_formed(&svg).unwrap();
    assert!(svg.contains(">0</text>"), "{svg}");
    assert!(!svg.contains("NaN") && !svg.contains("inf"));
    assert_eq!(svg.matches("<polyline").count(), 1);
    // All points on one horizontal line.
    let line = svg.lines().find(|l| l.starts_with("<polyline")).unwrap();
    let ys: Vec<&str> = line
        .split("points=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches("\"/>")
        .split(' ')
        .map(|p| p.split(',').nth(1).unwrap())
        .collect();
    assert!(ys.windows(2).all(|w| w[0] == w[1]), "{ys:?}");
}

#[test]
fn missing_points_are_crosses_and_break_the_line() {
    let mut c = Chart::new("t", "x", "y").missing_label("lost");
    c.point(1.0, 1.0);
    c.point(2.0, 2.0);
    c.missing(3.0);
    c.point(4.0, f64::NAN); // not a number: missing too
    c.point(5.0, 1.0);
    c.point(6.0, 1.5);
    let svg = c.render();
    well_formed(&svg).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert_eq!(svg.matches("<circle").count(), 4);
    assert!(svg.contains("lost (2)"));
    assert!(svg.contains("stroke=\"#d62728\""));
}

#[test]
fn many_points_skip_markers() {
    let mut c = Chart::new("t", "x", "y");
    for i in 0..1000 {
        c.point(f64::from(i), f64::from(i % 7));
    }
    let svg = c.render();
    well_formed(&svg).unwrap();
    assert_eq!(svg.matches("<circle").count(), 0);
    assert_eq!(svg.matches("<polyline").count(), 1);
}

#[test]
fn checker_rejects_broken_documents() {
    for bad in [
        "",
        "text",
        "<a>",
        "<a></b>",
        "<a x=1/>",
        "<a x=\"1\" x=\"2\"/>",
        "<a>&nbsp;</a>",
        "<a>&</a>",
        "<a/><b/>",
        "<a x=\"<\"/>",
        "</a>",
        "<a><!-- unclosed</a>",
    ] {
        assert!(well_formed(bad).is_err(), "{bad:?} passed");
    }
    for good in
        ["<a/>", "<?xml version=\"1.0\"?>\n<a b='1' c=\"&amp;&#38;&#x26;\">t<b/><!-- c --></a>\n"]
    {
        assert!(well_formed(good).is_ok(), "{good:?}: {:?}", well_formed(good));
    }
}

#[test]
fn write_goes_through_a_temporary_file() {
    let temp = support::TempDir::new();
    let dir = temp.path().to_path_buf();
    let path = dir.join("chart.svg");
    let mut c = Chart::new("t", "x", "y");
    c.point(0.0, 1.0);
    c.write(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    well_formed(&text).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(leftovers.len(), 1);
    let err = c.write(&dir.join("no/such/dir/x.svg")).unwrap_err();
    assert!(err.to_string().starts_with("cannot create "), "{err}");
    assert!(err.to_string().contains("does the folder"), "{err}");
}
