//! The document's links (OpenAPI 3.1 §4.8.20): how one reply leads to the
//! next request, so a client (or a stateful tester such as schemathesis)
//! can follow a product from its creation to its update and deletion, a
//! customer to its cart and checkout, and an order to its record. Added to
//! the document once the routes have made it, as a table: utoipa's route
//! annotations have no place for them.

use utoipa::openapi::link::LinkBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr};

/// One link: from a reply of (path, method, status) to an operation, with
/// the values its parameters take (runtime expressions).
struct Link {
    path: &'static str,
    method: &'static str,
    status: &'static str,
    name: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
}

const fn link(
    (path, method, status): (&'static str, &'static str, &'static str),
    name: &'static str,
    operation_id: &'static str,
    parameters: &'static [(&'static str, &'static str)],
) -> Link {
    Link {
        path,
        method,
        status,
        name,
        operation_id,
        parameters,
    }
}

const NEW_PRODUCT: (&str, &str, &str) = ("/products", "post", "201");
const NEW_CUSTOMER: (&str, &str, &str) = ("/customers", "post", "201");
const ADDED_TO_CART: (&str, &str, &str) = ("/carts/{customer_id}", "post", "201");
const PLACED: (&str, &str, &str) = ("/orders", "post", "200");
const CHECKED_OUT: (&str, &str, &str) = ("/carts/{customer_id}/checkout", "post", "200");

const PRODUCT_ID: &[(&str, &str)] = &[("name_or_id", "$response.body#/data/id")];
const CUSTOMER_ID: &[(&str, &str)] = &[("customer_id", "$response.body#/data/customer_id")];
const SAME_CART: &[(&str, &str)] = &[("customer_id", "$request.path.customer_id")];
const CART_LINE: &[(&str, &str)] = &[
    ("customer_id", "$request.path.customer_id"),
    ("product_id", "$request.body#/product_id"),
];
const ORDER_NUMBER: &[(&str, &str)] = &[("number", "$response.body#/data/order_number")];

const LINKS: &[Link] = &[
    link(NEW_PRODUCT, "GetProduct", "get_product", PRODUCT_ID),
    link(NEW_PRODUCT, "UpdateProduct", "update_product", PRODUCT_ID),
    link(NEW_PRODUCT, "DeleteProduct", "delete_product", PRODUCT_ID),
    link(NEW_CUSTOMER, "GetCart", "get_cart", CUSTOMER_ID),
    link(NEW_CUSTOMER, "AddToCart", "add_to_cart", CUSTOMER_ID),
    link(
        NEW_CUSTOMER,
        "NewToken",
        "issue_customer_token",
        CUSTOMER_ID,
    ),
    link(NEW_CUSTOMER, "Checkout", "checkout", CUSTOMER_ID),
    link(ADDED_TO_CART, "GetCart", "get_cart", SAME_CART),
    link(ADDED_TO_CART, "SetQuantity", "set_cart_quantity", CART_LINE),
    link(ADDED_TO_CART, "RemoveLine", "remove_from_cart", CART_LINE),
    link(ADDED_TO_CART, "Checkout", "checkout", SAME_CART),
    link(PLACED, "GetOrder", "get_order", ORDER_NUMBER),
    link(CHECKED_OUT, "GetOrder", "get_order", ORDER_NUMBER),
];

/// Adds every link to `document`'s replies. A link whose reply or target
/// is missing is a mistake in the table: the unit test below finds it.
pub fn add_links(document: &mut OpenApi) {
    for l in LINKS {
        let Some(response) = operation(document, l.path, l.method)
            .and_then(|op| op.responses.responses.get_mut(l.status))
        else {
            continue;
        };
        let RefOr::T(response) = response else {
            continue;
        };
        let target = l.parameters.iter().fold(
            LinkBuilder::new().operation_id(l.operation_id),
            |b, (name, value)| b.parameter(*name, *value),
        );
        response
            .links
            .insert(l.name.to_owned(), RefOr::T(target.build()));
    }
}

fn operation<'a>(document: &'a mut OpenApi, path: &str, method: &str) -> Option<&'a mut Operation> {
    let item = document.paths.paths.get_mut(path)?;
    match method {
        "get" => item.get.as_mut(),
        "post" => item.post.as_mut(),
        "put" => item.put.as_mut(),
        "delete" => item.delete.as_mut(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every link starts from a documented reply and names a documented
    /// operation by a parameter it has.
    #[test]
    fn every_link_joins_two_documented_operations() {
        let mut document = crate::routes::openapi();
        let json = serde_json::to_value(&document).unwrap();
        // (`routes::openapi` has added them already; adding again changes nothing.)
        for l in LINKS {
            assert!(
                json["paths"][l.path][l.method]["responses"][l.status].is_object(),
                "{} {} {}",
                l.method,
                l.path,
                l.status
            );
            let target = json["paths"]
                .as_object()
                .unwrap()
                .values()
                .flat_map(|item| item.as_object().unwrap().values())
                .find(|op| op["operationId"] == l.operation_id)
                .unwrap_or_else(|| panic!("no operation {}", l.operation_id));
            for (name, _) in l.parameters {
                let known = target["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == *name));
                assert!(known, "{} has no parameter {name}", l.operation_id);
            }
        }
        add_links(&mut document);
        let served = crate::openapi::ApiDocument::new(&document);
        let json: serde_json::Value = serde_json::from_slice(&served.0).unwrap();
        let placed = &json["paths"]["/orders"]["post"]["responses"]["200"]["links"]["GetOrder"];
        assert_eq!(placed["operationId"], "get_order", "{placed}");
        assert_eq!(
            placed["parameters"]["number"],
            "$response.body#/data/order_number"
        );
    }
}
