//! The library on the two real JMeter logs of the bookstore study, checked
//! against SciPy on the same data, plus pooling, one-run and bad-option
//! behaviour.

use std::path::{Path, PathBuf};

use storefront_compare::{CompareError, CompareOptions, RunInput, compare};

fn log(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/jmeter-bookstore")
        .join(name)
}

/// Few resamples: these tests check the tests, not the intervals.
fn quick() -> CompareOptions {
    CompareOptions {
        bootstrap_resamples: 20,
        samples: 50,
        ..CompareOptions::default()
    }
}

/// SciPy 1.17.1 on the successful samples' `elapsed` of both logs:
/// ```python
/// def load(p, label=None):
///     return np.array([int(r['elapsed']) for r in csv.DictReader(open(p))
///                      if r['success'] == 'true' and (label is None or r['label'] == label)], float)
/// a, b = load('ramp-up-run-1.jtl'), load('ramp-up-run-4.jtl')          # n = 7007, 13608
/// stats.ttest_ind(a, b, equal_var=False)   # t=-50.00788799420518, df=20284.203943726694, p=0.0
/// stats.mannwhitneyu(a, b, alternative='two-sided', method='asymptotic', use_continuity=True)
/// # statistic=31622775.0, pvalue=0.0
/// a, b = (load(f, 'Order Management/Get orders-0') for f in ...)          # n = 290, 398
/// # ttest: t=1.473917158501713, df=630.2537899921687, p=0.14100317954272132
/// # mannwhitneyu: statistic=64047.0, pvalue=0.013628624808553202
/// ```
#[test]
fn the_bookstore_logs_give_scipys_figures() {
    let inputs = [
        RunInput::single(log("ramp-up-run-1.jtl")),
        RunInput::single(log("ramp-up-run-4.jtl")),
    ];
    let c = compare(&inputs, &quick()).unwrap();
    let names: Vec<&str> = c.scenarios().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ramp-up-run-1", "ramp-up-run-4"]);
    let pair = |label: &str| c.pairs().iter().find(|p| p.label == label).unwrap();
    let total = pair("TOTAL");
    assert_eq!((total.n_a, total.n_b), (7007, 13608));
    assert!((total.welch_t.unwrap() - -50.00788799420518).abs() < 1e-9);
    assert!((total.welch_df.unwrap() - 20284.203943726694).abs() < 1e-6);
    assert_eq!(total.mann_whitney_u, Some(31622775.0));
    assert!(total.significant);
    assert_eq!(total.verdict, "ramp-up-run-4 slower than ramp-up-run-1");
    let orders = pair("Order Management/Get orders-0");
    assert_eq!((orders.n_a, orders.n_b), (290, 398));
    assert!((orders.welch_t.unwrap() - 1.473917158501713).abs() < 1e-10);
    assert!((orders.welch_p.unwrap() - 0.14100317954272132).abs() < 1e-9);
    assert_eq!(orders.mann_whitney_u, Some(64047.0));
    assert!((orders.mann_whitney_p.unwrap() - 0.013628624808553202).abs() < 1e-9);
    // Every request of this label failed in run 1: nothing to test.
    let create = pair("Order Management/Create orders");
    assert_eq!(
        (create.n_a, create.p_adjusted, create.significant),
        (0, None, false)
    );
    // Errors are counted though excluded.
    let run1_total = c.scenarios()[0].labels.last().unwrap();
    assert_eq!(
        (run1_total.label.as_str(), run1_total.errors),
        ("TOTAL", 2552)
    );
}

#[test]
fn pooled_runs_form_one_scenario_and_one_input_has_no_pairs() {
    let pooled = RunInput::pooled(
        "both",
        vec![log("ramp-up-run-1.jtl"), log("ramp-up-run-4.jtl")],
    );
    let c = compare(&[pooled], &quick()).unwrap();
    assert!(c.pairs().is_empty());
    let total = c.scenarios()[0].labels.last().unwrap();
    assert_eq!(total.n, 7007 + 13608);
    assert!(c.notes().iter().any(|n| n.contains("no pairs")));
}

#[test]
fn the_same_seed_gives_the_same_json_and_duplicate_names_get_suffixes() {
    let inputs = [
        RunInput::single(log("ramp-up-run-1.jtl")),
        RunInput::single(log("ramp-up-run-1.jtl")),
    ];
    let first = compare(&inputs, &quick()).unwrap();
    let again = compare(&inputs, &quick()).unwrap();
    assert_eq!(first.to_json(), again.to_json());
    assert_eq!(first.scenarios()[1].name, "ramp-up-run-1 (2)");
    // A run against itself: no difference anywhere.
    assert!(first.pairs().iter().all(|p| !p.significant));
}

#[test]
fn bad_options_and_no_inputs_are_typed_errors() {
    assert!(matches!(compare(&[], &quick()), Err(CompareError::NoRuns)));
    let input = [RunInput::single(log("ramp-up-run-1.jtl"))];
    for options in [
        CompareOptions {
            alpha: 0.0,
            ..quick()
        },
        CompareOptions {
            alpha: 1.5,
            ..quick()
        },
        CompareOptions {
            sample_size: 0,
            ..quick()
        },
        CompareOptions {
            bootstrap_resamples: 0,
            ..quick()
        },
    ] {
        assert!(matches!(
            compare(&input, &options),
            Err(CompareError::BadOption(_))
        ));
    }
    let readme = log("README.md");
    let err = compare(&[RunInput::single(readme)], &quick()).unwrap_err();
    assert!(matches!(err, CompareError::Jtl(_)), "{err}");
    assert!(
        err.to_string().contains("not a JMeter CSV result file"),
        "{err}"
    );
}

/// Three runs of `samples` requests each, every run centred on its own
/// level (ms), with a spread of ±2 ms inside it.
fn runs(dir: &Path, name: &str, levels: [u64; 3], samples: u64) -> Vec<PathBuf> {
    levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let mut text = String::from("timeStamp,elapsed,label,success\n");
            for s in 0..samples {
                let elapsed = level - 2 + s % 5;
                text.push_str(&format!("{},{elapsed},a,true\n", 1_000 + s * 10));
            }
            let path = dir.join(format!("{name}-{i}.jtl"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

#[test]
fn repetitions_give_intervals_over_runs_wider_than_the_pooled_ones() {
    let dir = tempfile::tempdir().unwrap();
    // B is 1 ms slower than A in every run, but runs vary by 2 ms.
    let a = runs(dir.path(), "a", [10, 12, 14], 200);
    let b = runs(dir.path(), "b", [11, 13, 15], 200);
    let inputs = [RunInput::pooled("A", a), RunInput::pooled("B", b)];
    let c = compare(&inputs, &quick()).unwrap();
    let label = |s: usize| &c.scenarios()[s].labels[0];
    let over_runs = label(0).between_runs.as_ref().unwrap();
    assert_eq!(over_runs.runs, 3);
    assert_eq!(over_runs.run_means, [10.0, 12.0, 14.0]);
    assert!(over_runs.mean.low < 12.0 && 12.0 < over_runs.mean.high);
    let pooled = label(0).intervals.unwrap().mean;
    assert!(
        over_runs.mean.high - over_runs.mean.low > 10.0 * (pooled.high - pooled.low),
        "{over_runs:?} against {pooled:?}"
    );
    // The pooled samples call B slower; over runs the 1 ms does not stand
    // out from how much runs vary.
    let pair = c.pairs().iter().find(|p| p.label == "a").unwrap();
    assert!(pair.significant, "{pair:?}");
    let between = pair.between_runs.unwrap();
    assert_eq!((between.runs_a, between.runs_b), (3, 3));
    assert!((between.difference - 1.0).abs() < 1e-9);
    assert!(
        between.p > 0.05 && between.interval.low < 0.0,
        "{between:?}"
    );
    // One run per side: nothing over runs.
    let single = compare(
        &[
            RunInput::single(dir.path().join("a-0.jtl")),
            RunInput::single(dir.path().join("b-0.jtl")),
        ],
        &quick(),
    )
    .unwrap();
    assert!(single.scenarios()[0].labels[0].between_runs.is_none());
    assert!(single.pairs()[0].between_runs.is_none());
}
