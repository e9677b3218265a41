//! OpenAPI schemas (feature `openapi`) for the wire types whose JSON form is
//! written by hand in serde (validated newtypes, the two order forms), so the
//! gateway's document states the same rules their deserializers enforce.
//! Plain structs derive `ToSchema` where they are defined.

use std::borrow::Cow;

use serde_json::json;
use utoipa::openapi::schema::{
    AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{KnownFormat, RefOr};
use utoipa::{PartialSchema, ToSchema};

use crate::api::{OrderForm, PlaceOrder};
use crate::shop::{MultiItemOrder, OrderLine};
use crate::{CustomerId, Money, ProductKey, ProductName, Quantity};

type Schemas = Vec<(String, RefOr<Schema>)>;

/// Adds `T` (and what it refers to) to the document's components.
fn register<T: ToSchema>(schemas: &mut Schemas) {
    schemas.push((T::name().into_owned(), T::schema()));
    T::schemas(schemas);
}

impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some(
                "An exact amount: a JSON number with at most two decimals (kept as integer \
                 cents inside; `1e3` and strings are refused).",
            ))
            .examples([json!(15.99)])
            .into()
    }
}

impl ToSchema for Money {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
}

impl PartialSchema for Quantity {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(1))
            .maximum(Some(Quantity::MAX))
            .description(Some(
                "A JSON integer (not `\"1\"`, `1.5` or `true`); anything else is 422.",
            ))
            .examples([json!(1)])
            .into()
    }
}

impl ToSchema for Quantity {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Quantity")
    }
}

impl PartialSchema for ProductName {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(ProductName::MAX_CHARS))
            // Not only digits: an all-digit path segment means a product id.
            .pattern(Some(crate::product_name::PRODUCT_NAME_PATTERN))
            .description(Some(
                "1 to 100 characters, no control characters, no surrounding spaces, \
                 and not only digits.",
            ))
            .examples([json!("Tux")])
            .into()
    }
}

impl ToSchema for ProductName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProductName")
    }
}

impl PartialSchema for ProductKey {
    fn schema() -> RefOr<Schema> {
        // The name's own pattern, with its length, after "or digits".
        let name = crate::product_name::PRODUCT_NAME_PATTERN
            .strip_prefix('^')
            .unwrap_or(crate::product_name::PRODUCT_NAME_PATTERN);
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(
                r"^[0-9]+$|^(?=[\s\S]{{1,{}}}$){name}",
                ProductName::MAX_CHARS
            )))
            .description(Some(
                "A product id (all digits) or a product name (1 to 100 characters, no control \
                 characters, no surrounding spaces, not only digits).",
            ))
            .examples([json!("Tux"), json!("1")])
            .into()
    }
}

impl ToSchema for ProductKey {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProductKey")
    }
}

impl PartialSchema for CustomerId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!(
                "^[A-Za-z0-9._-]{{1,{}}}$",
                CustomerId::MAX_CHARS
            )))
            .description(Some("ASCII letters, digits, `-`, `_` and `.`."))
            .examples([json!("alice")])
            .into()
    }
}

impl ToSchema for CustomerId {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CustomerId")
    }
}

impl PartialSchema for OrderLine {
    fn schema() -> RefOr<Schema> {
        let by = |field: &str, schema: RefOr<Schema>| {
            ObjectBuilder::new()
                .property(field, schema)
                .required(field)
                .property("quantity", Quantity::schema_ref())
                .required("quantity")
                .additional_properties(Some(AdditionalProperties::FreeForm(false)))
        };
        OneOfBuilder::new()
            .item(by("name", ProductName::schema_ref()))
            .item(by(
                "product_id",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .into(),
            ))
            .description(Some(
                "One order line: the product by `name` or by `product_id` (exactly one).",
            ))
            .into()
    }
}

impl ToSchema for OrderLine {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OrderLine")
    }

    fn schemas(schemas: &mut Schemas) {
        register::<ProductName>(schemas);
        register::<Quantity>(schemas);
    }
}

impl PartialSchema for OrderForm {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(PlaceOrder::schema_ref())
            .item(MultiItemOrder::schema_ref())
            .description(Some(
                "The lab protocol's one product, or the shop's lines: a body with `items` \
                 is the multi-item form.",
            ))
            .into()
    }
}

impl ToSchema for OrderForm {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OrderForm")
    }

    fn schemas(schemas: &mut Schemas) {
        register::<PlaceOrder>(schemas);
        register::<MultiItemOrder>(schemas);
    }
}

/// A `$ref` to a component, for the hand-written schemas above.
trait SchemaRef: ToSchema {
    fn schema_ref() -> RefOr<Schema> {
        RefOr::Ref(utoipa::openapi::Ref::from_schema_name(Self::name()))
    }
}

impl<T: ToSchema> SchemaRef for T {}

#[cfg(test)]
mod tests {
    use super::*;

    fn json_of<T: PartialSchema>() -> serde_json::Value {
        serde_json::to_value(T::schema()).unwrap()
    }

    #[test]
    fn newtype_schemas_state_their_validation_rules() {
        assert_eq!(json_of::<Quantity>()["maximum"], json!(Quantity::MAX));
        assert_eq!(json_of::<Quantity>()["minimum"], json!(1));
        assert_eq!(json_of::<Money>()["type"], json!("number"));
        assert_eq!(
            json_of::<ProductName>()["maxLength"],
            json!(ProductName::MAX_CHARS)
        );
    }

    #[test]
    fn an_order_line_is_one_of_by_name_or_by_id() {
        let line = json_of::<OrderLine>();
        let required: Vec<_> = line["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["required"].clone())
            .collect();
        assert_eq!(
            required,
            [
                json!(["name", "quantity"]),
                json!(["product_id", "quantity"])
            ]
        );
    }
}
