//! Tests of `plan.rs`.

use super::*;

fn definition(extra: &str) -> Definition {
    toml::from_str(&format!(
        r#"
repetitions = 2
seed = 7
[scenario.workload]
kind = "lab"
p = 0.5
[scenario.load]
model = "closed"
users = 1
hold = "2s"
{extra}
"#
    ))
    .unwrap()
}

const TWO_FACTORS: &str = r#"
[[factor]]
name = "clients"
set = "scenario.load.users"
levels = [1, 2, 3]
[[factor]]
name = "cache"
set = "store.settings.gateway.product_cache"
levels = [false, true]
labels = ["off", "on"]
"#;

fn accept(_: &toml::Table) -> Result<(), String> {
    Ok(())
}

#[test]
fn every_combination_runs_once_per_repetition() {
    let plan = Plan::new(definition(TWO_FACTORS), &accept).unwrap();
    assert_eq!(plan.combinations.len(), 6);
    assert_eq!(plan.cells.len(), 12);
    let mut ids: Vec<&str> = plan.cells.iter().map(|c| c.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "cell ids are unique");
    assert_eq!(plan.combinations[3].name, "clients=2 cache=on");
}

#[test]
fn the_order_is_shuffled_and_repeatable() {
    let a = Plan::new(definition(TWO_FACTORS), &accept).unwrap();
    let b = Plan::new(definition(TWO_FACTORS), &accept).unwrap();
    assert_eq!(a.cells, b.cells);
    let in_order: Vec<usize> = a.cells.iter().map(|c| c.combination).collect();
    let mut sorted = in_order.clone();
    sorted.sort();
    assert_ne!(in_order, sorted, "seed 7 should not leave 12 cells sorted");
    assert_eq!(a.fingerprint, b.fingerprint);
    let mut other = definition(TWO_FACTORS);
    other.repetitions = 3;
    assert_ne!(
        Plan::new(other, &accept).unwrap().fingerprint,
        a.fingerprint
    );
}

#[test]
fn levels_land_in_the_scenario_and_the_store_settings() {
    let plan = Plan::new(definition(TWO_FACTORS), &accept).unwrap();
    let cell = plan.cells.iter().find(|c| c.combination == 5).unwrap();
    let setup = plan.cell_setup(cell).unwrap();
    match setup.scenario.load {
        storefront_load::scenario::LoadModel::Closed(closed) => assert_eq!(closed.users, 3),
        other => panic!("{other:?}"),
    }
    assert_eq!(setup.scenario.name.as_deref(), Some("clients=3 cache=on"));
    let System::Managed { settings } = setup.system else {
        panic!("managed expected")
    };
    assert_eq!(settings["gateway"]["product_cache"].as_bool(), Some(true));
}

#[test]
fn repetitions_get_different_seeds() {
    let plan = Plan::new(definition(TWO_FACTORS), &accept).unwrap();
    let seeds: Vec<Option<u64>> = plan
        .cells
        .iter()
        .map(|c| plan.cell_setup(c).unwrap().scenario.seed)
        .collect();
    let mut unique = seeds.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seeds.len());
}

#[test]
fn a_bad_level_is_reported_before_anything_runs() {
    let bad = r#"
[[factor]]
name = "p"
set = "scenario.workload.p"
levels = [0.5, 2.0]
"#;
    let error = Plan::new(definition(bad), &accept).unwrap_err().to_string();
    assert!(error.contains("p=2.0") || error.contains("p=2"), "{error}");
    assert!(error.contains("workload.p"), "{error}");
    let refuse = |_: &toml::Table| Err("unknown field `nope`".to_owned());
    let error = Plan::new(definition(TWO_FACTORS), &refuse)
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown field `nope`"), "{error}");
}

#[test]
fn a_level_can_be_a_whole_table_such_as_another_workload() {
    let workloads = r#"
[[factor]]
name = "workload"
set = "scenario.workload"
levels = [{ kind = "lab", p = 0.2 }, { kind = "shop", p_change = 0.1 }]
labels = ["lab", "shop"]
"#;
    let plan = Plan::new(definition(workloads), &accept).unwrap();
    let kinds: Vec<&str> = plan
        .combinations
        .iter()
        .map(|c| {
            let cell = plan
                .cells
                .iter()
                .find(|x| x.combination == c.index)
                .unwrap();
            plan.cell_setup(cell).unwrap().scenario.workload.kind()
        })
        .collect();
    assert_eq!(kinds, ["lab", "shop"]);
}

#[test]
fn a_target_factor_makes_cells_external() {
    let target = r#"
[[factor]]
name = "deployment"
set = "store.target"
levels = ["http://127.0.0.1:1", "http://127.0.0.1:2"]
labels = ["bare", "containers"]
"#;
    let plan = Plan::new(definition(target), &accept).unwrap();
    let setup = plan.cell_setup(&plan.cells[0]).unwrap();
    assert!(matches!(setup.system, System::External { .. }));
}
