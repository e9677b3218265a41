//! Every preset in `experiments/` parses and expands into cells, so a
//! preset that no test runs end to end (the container comparisons need
//! Docker, the bookstore studies take minutes) still cannot rot.

use std::path::Path;

use storefront_experiment::{Definition, Plan};

#[test]
fn every_preset_parses_and_plans() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let definition =
            Definition::from_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let repetitions = definition.repetitions;
        let plan = Plan::new(definition, &|_| Ok(()))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            plan.cells.len(),
            plan.combinations.len() * repetitions as usize,
            "{}",
            path.display()
        );
        for cell in &plan.cells {
            plan.cell_setup(cell)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        checked.push(path.file_stem().unwrap().to_string_lossy().into_owned());
    }
    checked.sort();
    assert!(
        checked.contains(&"containers-series".to_owned()) && checked.len() >= 7,
        "{checked:?}"
    );
}
