//! Path, body and header templates of custom requests: text with variables
//! `{product}` (a random product name), `{product_id}` (its id), `{user}`,
//! `{run}`, `{iteration}`, `{random:LO..HI}` (an integer, both ends in) and
//! `{env:NAME}` (an environment variable, read once). Parsed once when the
//! scenario is read, so a typo or an unset variable fails before the run.

use rand::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Product,
    ProductId,
    User,
    Run,
    Iteration,
    Random(i64, i64),
}

/// What the variables of one rendered request stand for.
pub struct Bindings<'a> {
    pub product: Option<(&'a str, i64)>,
    pub user: u64,
    pub run: &'a str,
    pub iteration: u64,
}

impl Template {
    /// Parses `text`. A brace pair holding a word (`{user}`, `{random:1..9}`)
    /// is a variable, and an unknown one is an error; other braces, such
    /// as a JSON body's, are text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            literal.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}').map(|close| &after[..close]) {
                Some(inner) if looks_like_variable(inner) => {
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(variable(inner)?);
                    rest = &after[inner.len() + 1..];
                }
                _ => {
                    literal.push('{');
                    rest = after;
                }
            }
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self { parts })
    }

    /// Whether rendering needs a product from the catalog.
    pub fn uses_product(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Product | Part::ProductId))
    }

    /// Fills the variables, with product names written as `place` needs
    /// them: percent-encoded in a path, JSON-escaped in a body (the
    /// template's own quotes surround them there).
    pub fn render(&self, bindings: &Bindings<'_>, rng: &mut impl Rng, place: Place) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Product => {
                    let name = bindings.product.map_or("", |p| p.0);
                    match place {
                        Place::Path => {
                            out.push_str(&storefront_wire::catalog_client::encode_segment(name));
                        }
                        Place::JsonBody => push_json_escaped(&mut out, name),
                        Place::Header => out.push_str(name),
                    }
                }
                Part::ProductId => out.push_str(&bindings.product.map_or(0, |p| p.1).to_string()),
                Part::User => out.push_str(&bindings.user.to_string()),
                Part::Run => out.push_str(bindings.run),
                Part::Iteration => out.push_str(&bindings.iteration.to_string()),
                Part::Random(lo, hi) => out.push_str(&rng.random_range(*lo..=*hi).to_string()),
            }
        }
        out
    }
}

/// Where a rendered template goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A request path: product names are percent-encoded.
    Path,
    /// A JSON body: product names are escaped as JSON string contents, so a
    /// name holding a quote or a backslash still makes valid JSON.
    JsonBody,
    /// A header value: written as it is (a value with a line break is
    /// refused when the request is sent, and counted as a failed sample).
    Header,
}

/// `text` as the inside of a JSON string (no surrounding quotes).
fn push_json_escaped(out: &mut String, text: &str) {
    let quoted = serde_json::Value::from(text).to_string();
    out.push_str(&quoted[1..quoted.len() - 1]);
}

fn looks_like_variable(inner: &str) -> bool {
    let (word, argument) = inner.split_once(':').unwrap_or((inner, ""));
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && !argument.contains(['"', '{'])
}

fn variable(name: &str) -> Result<Part, String> {
    Ok(match name {
        "product" => Part::Product,
        "product_id" => Part::ProductId,
        "user" => Part::User,
        "run" => Part::Run,
        "iteration" => Part::Iteration,
        _ if name.starts_with("env:") => {
            let variable = &name["env:".len()..];
            let value = std::env::var(variable).map_err(|_| {
                format!("`{{{name}}}`: the environment variable {variable} is not set")
            })?;
            Part::Text(value)
        }
        _ => {
            let range = name.strip_prefix("random:").ok_or_else(|| {
                format!(
                    "unknown variable `{{{name}}}` (known: product, product_id, user, run, iteration, random:LO..HI, env:NAME)"
                )
            })?;
            let (lo, hi) = range
                .split_once("..")
                .and_then(|(lo, hi)| Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)))
                .filter(|(lo, hi): &(i64, i64)| lo <= hi)
                .ok_or_else(|| format!("`{{{name}}}` needs a range such as random:1..100"))?;
            Part::Random(lo, hi)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variables_are_filled_and_names_encoded_in_paths() {
        let t = Template::parse("/carts/load-{run}-{user}/{product}?n={random:5..5}").unwrap();
        let b = Bindings {
            product: Some(("Rubber Duck", 7)),
            user: 3,
            run: "r1",
            iteration: 0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(
            t.render(&b, &mut rng, Place::Path),
            "/carts/load-r1-3/Rubber%20Duck?n=5"
        );
        assert!(t.uses_product());
    }

    #[test]
    fn json_braces_are_text() {
        let t = Template::parse(r#"{"name":"{product}","quantity":{random:2..2}}"#).unwrap();
        let b = Bindings {
            product: Some(("Tux", 1)),
            user: 1,
            run: "r",
            iteration: 0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(
            t.render(&b, &mut rng, Place::JsonBody),
            r#"{"name":"Tux","quantity":2}"#
        );
    }

    #[test]
    fn a_name_with_quotes_and_backslashes_makes_valid_json() {
        let t = Template::parse(r#"{"name":"{product}","quantity":1}"#).unwrap();
        let name = "The \"Big\" \\ Duck\n";
        let b = Bindings {
            product: Some((name, 1)),
            user: 1,
            run: "r",
            iteration: 0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let body = t.render(&b, &mut rng, Place::JsonBody);
        let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed["name"], name);
    }

    #[test]
    fn environment_variables_are_read_once_and_must_be_set() {
        // PATH is set wherever the tests run.
        let path = std::env::var("PATH").unwrap();
        let t = Template::parse("x {env:PATH} y").unwrap();
        let b = Bindings {
            product: None,
            user: 1,
            run: "r",
            iteration: 0,
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(t.render(&b, &mut rng, Place::Header), format!("x {path} y"));
        let unset = Template::parse("{env:STOREFRONT_SURELY_UNSET_VARIABLE}").unwrap_err();
        assert!(unset.contains("is not set"), "{unset}");
    }

    #[test]
    fn unknown_variables_and_bad_ranges_are_refused() {
        assert!(
            Template::parse("/x/{prodcut}")
                .unwrap_err()
                .contains("prodcut")
        );
        assert!(Template::parse("/x/{random:9..1}").is_err());
        assert!(Template::parse("/x/{random:a..b}").is_err());
        assert!(Template::parse("/x/{random:}").is_err());
    }
}
